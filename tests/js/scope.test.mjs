// The scope engine through pkg/, as the worker and the dashboard call it: the shared vectors,
// errors with codes, the string fast path, auto-prefix helpers and freeing compiled scopes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const vectors = (name) => JSON.parse(readFileSync(new URL(`../vectors/scope/${name}`, import.meta.url), "utf8"));

test("check vectors: decision, rule and reason match the Rust run", () => {
  const cases = vectors("checks.json");
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    const compiled = tk.compileScope(c.scope);
    try {
      if (c.error !== undefined) {
        // A malformed request is an error naming its field, never a quiet match or miss.
        for (const req of [c.request, JSON.stringify(c.request)]) {
          assert.throws(() => compiled.explain(req), (e) => e.name === "TokenkitError" && e.code === c.error && e.field === c.field, c.name);
          assert.throws(() => compiled.allows(req), (e) => e.code === c.error, c.name);
        }
        continue;
      }
      const d = compiled.explain(c.request);
      assert.equal(d.allowed, c.allowed, `${c.name}: ${d.reason}`);
      assert.equal(d.rule, c.rule, c.name);
      assert.equal(typeof d.reason, "string");
      assert.equal(compiled.allows(c.request), c.allowed, c.name);
      // The same request as JSON text gives the same answer.
      assert.equal(compiled.allows(JSON.stringify(c.request)), c.allowed, c.name);
    } finally {
      compiled.free();
    }
  }
});

test("covers vectors, as booleans and with reasons", () => {
  for (const c of vectors("covers.json")) {
    assert.equal(tk.scopeCovers(c.parent, c.child), c.covered, c.name);
    const e = tk.explainCovers(c.parent, c.child);
    assert.equal(e.covered, c.covered, c.name);
    assert.ok(e.reason.length > 0);
  }
});

test("invalid scopes throw TokenkitError with code and field", () => {
  for (const c of vectors("invalid.json")) {
    assert.throws(() => tk.compileScope(c.scope), (err) => {
      assert.ok(err instanceof Error, c.name);
      assert.equal(err.name, "TokenkitError");
      assert.equal(err.code, c.code, `${c.name}: ${err.message}`);
      assert.equal(err.field, c.field, c.name);
      return true;
    });
    assert.throws(() => tk.validateScope(c.scope), { code: c.code });
  }
});

test("bad arguments of every JS type throw, never trap", () => {
  const junk = [undefined, null, 42, true, Symbol.iterator, () => 1, [], "not json", "{}", { language: 7 }, new Uint8Array(3)];
  for (const j of junk) {
    assert.throws(() => tk.compileScope(j), (e) => e.name === "TokenkitError" && typeof e.code === "string", String(j?.toString?.() ?? j));
    assert.throws(() => tk.scopeCovers(j, { language: "names", scopes: [] }), (e) => e.name === "TokenkitError");
  }
  const c = tk.compileScope({ language: "privileges", privileges: ["a:b"] });
  for (const j of [undefined, null, 42, [], {}, { action: 1 }, { action: "a:b", extra: 1 }, "nope"]) {
    assert.throws(() => c.allows(j), (e) => e.name === "TokenkitError", JSON.stringify(j));
  }
  assert.throws(() => c.allows({ action: "a:*" }), { code: "invalid_scope_request" });
  // The engine is still alive after all of that.
  assert.equal(c.allows({ action: "a:b" }), true);
  c.free();
});

test("validateScope returns the normalised stored form", () => {
  const n = tk.validateScope({ language: "s2", basins: { exact: "" }, streams: { prefix: "" }, ops: ["read", "read"] });
  assert.deepEqual(n, {
    language: "s2",
    basins: null,
    streams: { prefix: "" },
    access_tokens: null,
    op_groups: { account: { read: false, write: false }, basin: { read: false, write: false }, stream: { read: false, write: false } },
    ops: ["read"],
    auto_prefix_streams: false,
  });
  assert.deepEqual(tk.validateScope(JSON.stringify(n)), n);
});

test("fast path: strings in, boolean out", () => {
  const c = tk.compileScope({ language: "policy", inlineRole: [{ effect: "allow", actions: ["update*"], resources: ["proj/*:env/production:flag/*"] }] });
  assert.equal(c.language, "policy");
  assert.equal(c.allowsAction("updateOn", "proj/a:env/production:flag/x"), true);
  assert.equal(c.allowsAction("updateOn", "proj/a:env/staging:flag/x"), false);
  assert.equal(c.allowsAction("updateOn"), false);
  c.free();
});

test("S2 auto-prefix helpers", () => {
  const scope = { language: "s2", streams: { prefix: "tenant/42/" }, auto_prefix_streams: true };
  assert.equal(tk.s2PrefixStream(scope, "logs"), "tenant/42/logs");
  assert.equal(tk.s2StripStream(scope, "tenant/42/logs"), "logs");
  assert.throws(() => tk.s2StripStream(scope, "tenant/7/logs"), { code: "stream_outside_prefix" });
  assert.deepEqual(tk.s2PrefixList(scope, "lo", ""), { prefix: "tenant/42/lo", startAfter: "" });
  assert.throws(() => tk.s2PrefixStream({ language: "names", scopes: [] }, "x"), { code: "invalid_input" });
  assert.throws(() => tk.validateScope({ ...scope, streams: { exact: "a" } }), { code: "invalid_scope", field: "auto_prefix_streams" });
});

test("tables for the dashboard", () => {
  const groups = tk.s2OperationGroups();
  assert.equal(groups.length, 6);
  assert.equal(groups.flatMap((g) => g.operations).length, 24);
  assert.deepEqual(tk.builtinRoles(), ["no_access", "reader", "writer", "admin", "owner"]);
  assert.match(tk.summarizeScope({ language: "privileges", privileges: ["orders:read", "users:*"] }), /orders:read, users:\*/);
});

test("compiled scopes are freed explicitly and registered for finalization", () => {
  const glue = readFileSync(new URL("../../pkg/full/tokenkit.js", import.meta.url), "utf8");
  assert.match(glue, /FinalizationRegistry/);
  const c = tk.compileScope({ language: "names", scopes: ["a"] });
  c.free();
  assert.throws(() => c.allows({ action: "a" }));
});

test("deeply nested JS objects are errors, and the instance keeps working", () => {
  // A recursive JS → Rust conversion of a few thousand levels overflowed the wasm stack and
  // poisoned the instance; arguments now cross as JSON text with serde_json's nesting limit.
  let deep = {};
  for (let i = 0; i < 5000; i++) deep = { a: deep };
  const scope = { language: "policy", role: "reader", inlineRole: [{ effect: "allow", actions: ["*"], resources: ["*"], x: deep }] };
  const caller = { account: "a", owner: "m", tokenId: "t", scope: deep, expiresAt: null };
  for (let round = 0; round < 3; round++) {
    assert.throws(() => tk.compileScope(scope), (e) => e.name === "TokenkitError" && e.code === "invalid_input" && e.field === "scope");
    assert.throws(() => tk.validateScope({ language: "names", scopes: [deep] }), (e) => e.name === "TokenkitError" && typeof e.code === "string");
    assert.throws(() => tk.scopeCovers(scope, scope), (e) => e.name === "TokenkitError");
    assert.throws(() => tk.ldParseCreate("{}", caller, 0), (e) => e.name === "TokenkitError" && e.field === "caller");
    const compiled = tk.compileScope({ language: "names", scopes: ["invoices:read"] });
    try {
      assert.throws(() => compiled.explain({ action: "invoices:read", resource: deep }), (e) => e.name === "TokenkitError" && e.field === "request");
      assert.equal(compiled.allows({ action: "invoices:read" }), true);
    } finally {
      compiled.free();
    }
  }
  const circular = { language: "names" };
  circular.self = circular;
  assert.throws(() => tk.compileScope(circular), (e) => e.name === "TokenkitError" && e.field === "scope");
});
