// TokenkitError at the package boundary: the thrown errors are instances of the exported class,
// the guard, and the `.d.ts` union `TokenkitErrorCode` equals the codes in the Rust sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";
import { codesFromRust } from "./codes.mjs";

const dts = readFileSync(new URL("../../pkg/full/tokenkit.d.ts", import.meta.url), "utf8");

function unionOf(name) {
  const m = dts.match(new RegExp(`export type ${name} =([^;]*);`));
  assert.ok(m, `${name} in the .d.ts`);
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

test("the codes read from the Rust sources include every module's", () => {
  const codes = codesFromRust();
  // one of each source the scan reads: secret, digest, lifetime, scope, patch, dialect failure,
  // the core's own, a rule's literal, the rules' field-limit table
  for (const c of ["invalid_checksum", "weak_pepper", "invalid_ttl", "unknown_scope_language", "path_not_found",
    "malformed_body", "invalid_input", "insufficient_scope", "previous_secret", "invalid_query", "invalid_field"]) {
    assert.ok(codes.includes(c), c);
  }
  assert.ok(codes.length >= 50, `${codes.length} codes`);
});

test("TokenkitErrorCode in the .d.ts is exactly the codes of the Rust sources", () => {
  const union = unionOf("TokenkitErrorCode");
  assert.equal(new Set(union).size, union.length, "no duplicates");
  assert.deepEqual([...union].sort(), codesFromRust());
});

test("the .d.ts declares TokenkitError once, as a class, and the guard", () => {
  assert.deepEqual(dts.match(/^export (?:class|let|const|interface|type|function) TokenkitError\b.*$/gm), ["export class TokenkitError extends Error {"]);
  assert.match(dts, /^export function isTokenkitError\(e: unknown\): e is TokenkitError;$/m);
});

test("every narrower code union of the .d.ts is part of TokenkitErrorCode", () => {
  const all = new Set(unionOf("TokenkitErrorCode"));
  for (const name of ["CoreErrorCode", "ScopeErrorCode", "DialectFailure"]) {
    for (const c of unionOf(name)) assert.ok(all.has(c), `${name}: ${c}`);
  }
});

test("errors thrown from wasm are instances of the exported TokenkitError class", () => {
  assert.equal(typeof tk.TokenkitError, "function");
  const cases = [
    () => tk.parseToken("tk_short"),
    () => tk.expiresAt("forever and a day", 0),
    () => tk.applyPatch({ a: 1 }, [{ op: "remove", path: "/b" }]),
    () => tk.compileScope({ language: "nope" }),
    () => tk.requireListAll("member"),
  ];
  for (const f of cases) {
    let thrown;
    try { f(); } catch (e) { thrown = e; }
    assert.ok(thrown instanceof tk.TokenkitError, String(thrown));
    assert.ok(thrown instanceof Error);
    assert.equal(thrown.name, "TokenkitError");
    assert.equal(typeof thrown.code, "string");
    assert.ok(tk.isTokenkitError(thrown));
    assert.match(thrown.stack, /^TokenkitError: /);
  }
});

test("isTokenkitError: the class, or an Error in the same shape; nothing else", () => {
  assert.ok(tk.isTokenkitError(new tk.TokenkitError("made by hand", "forbidden")));
  assert.equal(new tk.TokenkitError("m", "forbidden").code, "forbidden");
  assert.ok(tk.isTokenkitError(Object.assign(new Error("x"), { name: "TokenkitError", code: "invalid_field" })));
  for (const v of [new Error("x"), Object.assign(new Error("x"), { name: "TokenkitError" }),
    { name: "TokenkitError", code: "x", message: "plain object" }, null, undefined, "TokenkitError", 42]) {
    assert.equal(tk.isTokenkitError(v), false, String(v));
  }
});
