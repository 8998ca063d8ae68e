// A Node 20 ESM consumer of the installed package (run by tests/package/package.test.mjs inside a
// fresh project where the `npm pack` tarball is installed): one import line and no init call (the
// "node" entry instantiates the .wasm next to it), then token → digest → verify, a scope check,
// a JSON Patch, the service's verification rules, an error; and the full build's subpath.
import assert from "node:assert/strict";
import { generateToken, parseToken, digestToken, verifyDigest, scopeCovers, compileScope, applyPatch, checkPresented, TokenkitError, isTokenkitError, ready } from "tokenkit";

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
assert.equal(checkPresented(token), null);
assert.equal(checkPresented(typo).code, "invalid_checksum");
assert.throws(() => parseToken(typo), (e) => e instanceof TokenkitError && e instanceof Error && isTokenkitError(e) && e.code === "invalid_checksum");
assert.throws(() => applyPatch({}, [{ op: "remove", path: "/nope" }]), (e) => e instanceof TokenkitError && e.code === "path_not_found" && e.operation === 0 && e.path === "/nope");
assert.equal(await ready, undefined);

// The default build has no dialect wire code; tokenkit/full has it, and the same error class.
const tk = await import("tokenkit");
const full = await import("tokenkit/full");
assert.equal(tk.s2ParseIssue, undefined);
assert.equal(tk.requireManage, undefined);
assert.equal(typeof full.requireManage, "function");
assert.equal(typeof full.s2ParseIssue, "function");
assert.equal(full.TokenkitError, TokenkitError);
assert.throws(() => full.parseToken(typo), (e) => e instanceof TokenkitError && e.code === "invalid_checksum");
assert.equal(full.verifyDigest(token, stored, pepper), true);
console.log("consumer: one import, token, digest, verify, scope, patch, TokenkitError, tokenkit/full: ok");
