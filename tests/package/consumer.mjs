// A Node 20 ESM consumer of the installed package (run by tests/package/package.test.mjs inside a
// fresh project where the `npm pack` tarball is installed): one import from "tokenkit", the
// .wasm found next to it, then token → digest → verify, a scope check, a JSON Patch, an error.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initSync, generateToken, parseToken, digestToken, verifyDigest, scopeCovers, compileScope, applyPatch, TokenkitError, isTokenkitError } from "tokenkit";

initSync({ module: readFileSync(new URL(import.meta.resolve("tokenkit/tokenkit_bg.wasm"))) });

const token = generateToken();
const pepper = { version: "v1", key: "a pepper of thirty-two bytes or more" };
const stored = digestToken(token, pepper);
assert.match(stored, /^hmac-sha256:v1:[0-9a-f]{64}$/);
assert.equal(verifyDigest(token, stored, pepper), true);
assert.equal(verifyDigest(generateToken(), stored, pepper), false);

const parent = { language: "privileges", privileges: ["product:*"] };
assert.equal(scopeCovers(parent, { language: "privileges", privileges: ["product:read"] }), true);
assert.equal(scopeCovers(parent, { language: "privileges", privileges: ["order:read"] }), false);
const compiled = compileScope(parent);
assert.equal(compiled.allowsAction("product:delete"), true);
compiled.free();

assert.deepEqual(applyPatch({ name: "a", tags: [] }, [{ op: "replace", path: "/name", value: "b" }, { op: "add", path: "/tags/-", value: "x" }]), { name: "b", tags: ["x"] });

const typo = token.slice(0, -1) + (token.endsWith("a") ? "b" : "a");
assert.throws(() => parseToken(typo), (e) => e instanceof TokenkitError && e instanceof Error && isTokenkitError(e) && e.code === "invalid_checksum");
assert.throws(() => applyPatch({}, [{ op: "remove", path: "/nope" }]), (e) => e instanceof TokenkitError && e.code === "path_not_found" && e.operation === 0 && e.path === "/nope");
console.log("consumer: token, digest, verify, scope, patch, TokenkitError: ok");
