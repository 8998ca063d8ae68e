// JSON Patch through pkg/, as a consumer uses it: the public conformance suite through both
// applyPatch (objects) and applyPatchJson (text), input immutability and the error shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const SKIPPED = new Set(["duplicate ops", "A.13 Invalid JSON Patch Document"]); // see SOURCE.txt
const load = (name) =>
  JSON.parse(readFileSync(new URL(`../vectors/json-patch-tests/${name}`, import.meta.url), "utf8"));

// Numbers compare by value, as in the core's `test` (1 equals 1.0; JS cannot tell them apart anyway).
for (const file of ["tests.json", "spec_tests.json"]) {
  test(`json-patch-tests ${file}: every case through applyPatch and applyPatchJson`, () => {
    let ran = 0;
    for (const [i, c] of load(file).entries()) {
      if (c.disabled && SKIPPED.has(c.comment)) continue;
      ran++;
      const label = `${file} #${i} ${c.comment ?? ""}`;
      const before = structuredClone(c.doc);
      const docText = JSON.stringify(c.doc);
      if ("error" in c) {
        assert.throws(() => tk.applyPatch(c.doc, c.patch), (e) => e.name === "TokenkitError" && typeof e.code === "string", label);
        assert.throws(() => tk.applyPatchJson(docText, JSON.stringify(c.patch)), { name: "TokenkitError" }, label);
      } else {
        const want = "expected" in c ? c.expected : c.doc;
        assert.deepEqual(tk.applyPatch(c.doc, c.patch), want, label);
        assert.deepEqual(JSON.parse(tk.applyPatchJson(docText, JSON.stringify(c.patch))), want, label);
      }
      assert.deepEqual(c.doc, before, `${label}: input mutated`);
    }
    assert.ok(ran >= 16, `ran ${ran}`);
  });
}

test("applyPatch returns a new document and never mutates or shares its input", () => {
  const doc = { name: "ci", tags: ["a"], nested: { keep: [1, 2] } };
  const snapshot = structuredClone(doc);
  const out = tk.applyPatch(doc, [
    { op: "add", path: "/tags/-", value: "b" },
    { op: "replace", path: "/name", value: "deploy" },
  ]);
  assert.deepEqual(out, { name: "deploy", tags: ["a", "b"], nested: { keep: [1, 2] } });
  assert.deepEqual(doc, snapshot);
  assert.notEqual(out.nested, doc.nested);
});

test("a failing operation throws TokenkitError with code, operation and path; nothing applied", () => {
  const doc = { a: { b: 1 } };
  const cases = [
    [[{ op: "move", from: "/a", path: "" }, { op: "test", path: "/b", value: 2 }], "test_failed", 1, "/b"],
    [[{ op: "add", path: "/x", value: 1 }, { op: "remove", path: "/nope" }], "path_not_found", 1, "/nope"],
    [[{ op: "move", from: "/a", path: "/a/b/c" }], "move_into_child", 0, "/a/b/c"],
    [[{ op: "test", path: "/01", value: 1 }], "path_not_found", 0, "/01"],
    [[{ op: "add", path: "/a~2", value: 1 }], "invalid_pointer", 0, "/a~2"],
    [[{ op: "spam", path: "/a" }], "invalid_operation", 0, undefined],
  ];
  for (const [ops, code, operation, path] of cases) {
    assert.throws(
      () => tk.applyPatch(doc, ops),
      (e) => {
        assert.ok(e instanceof Error);
        assert.equal(e.name, "TokenkitError");
        assert.equal(e.code, code, e.message);
        assert.equal(e.operation, operation);
        assert.equal(e.path, path);
        return true;
      },
    );
    assert.deepEqual(doc, { a: { b: 1 } });
  }
});

test("leading zeros are rejected on arrays; numbers compare by value", () => {
  assert.throws(() => tk.applyPatch([1, 2], [{ op: "test", path: "/01", value: 2 }]), { code: "invalid_array_index" });
  assert.deepEqual(tk.applyPatchJson('{"a":1}', '[{"op":"test","path":"/a","value":1.0}]'), '{"a":1}');
});

test("bad inputs are TokenkitErrors, not crashes", () => {
  const circular = {};
  circular.self = circular;
  assert.throws(() => tk.applyPatch(circular, []), { name: "TokenkitError", code: "invalid_input" });
  assert.throws(() => tk.applyPatch(undefined, []), { code: "invalid_input" });
  assert.throws(() => tk.applyPatch({}, { op: "add" }), { code: "invalid_patch" });
  assert.throws(() => tk.applyPatchJson("{", "[]"), { code: "invalid_json" });
  assert.throws(() => tk.applyPatchJson("{}", "[{"), { code: "invalid_json" });
  let deep = "1";
  for (let i = 0; i < 200; i++) deep = `[${deep}]`;
  assert.throws(() => tk.applyPatchJson(deep, "[]"), { code: "invalid_json" });
});

test("validatePatch normalises good operations and names the first bad one", () => {
  assert.deepEqual(tk.validatePatch([{ path: "/a", op: "move", from: "/b", extra: 1 }]), [{ op: "move", from: "/b", path: "/a" }]);
  assert.throws(() => tk.validatePatch([{ op: "add", path: "/a", value: 1 }, { op: "add", path: "/b" }]), {
    code: "invalid_operation",
    operation: 1,
  });
});

// ---- token patch policy ------------------------------------------------------------------------
const TOKEN = JSON.stringify({
  id: "tok_1", accountId: "acct_1", name: "ci", description: "d", digest: "sha256:ab",
  createdAt: "2026-01-01T00:00:00Z", expiresAt: "2027-01-01T00:00:00Z", version: 3,
  scope: { language: "s2", streams: { prefix: "users/" }, ops: ["read"] },
});
const NOW = Date.parse("2026-01-01T00:00:00Z");

test("applyTokenPatch applies allowed changes and reports the scope to re-check", () => {
  const r = tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify([
    { op: "test", path: "/version", value: 3 },
    { op: "replace", path: "/name", value: "deploy" },
    { op: "add", path: "/scope/ops/-", value: "append" },
    { op: "replace", path: "/expiresAt", value: "2026-06-01T00:00:00Z" },
  ]), { now: NOW });
  assert.deepEqual(r.changed, ["name", "scope", "expiresAt"]);
  assert.equal(r.scopeChanged, true);
  assert.deepEqual(r.scope, { language: "s2", streams: { prefix: "users/" }, ops: ["read", "append"] });
  const t = JSON.parse(r.token);
  assert.equal(t.name, "deploy");
  assert.equal(t.digest, "sha256:ab");
  assert.ok(r.token.startsWith('{"id":"tok_1","accountId":"acct_1"'), "key order kept");
});

test("applyTokenPatch refuses immutable paths, extended expiry and bad fields with clear codes", () => {
  const cases = [
    [[{ op: "replace", path: "/id", value: "x" }], "patch_forbidden_path", "/id", 0],
    [[{ op: "replace", path: "/name", value: "x" }, { op: "replace", path: "/digest", value: "x" }], "patch_forbidden_path", "/digest", 1],
    [[{ op: "add", path: "/secret", value: "x" }], "patch_forbidden_path", "/secret", 0],
    [[{ op: "remove", path: "/name" }], "patch_forbidden_operation", "/name", 0],
    [[{ op: "copy", from: "/digest", path: "/description" }], "patch_forbidden_path", "/digest", 0],
    [[{ op: "replace", path: "/expiresAt", value: "2030-01-01T00:00:00Z" }], "expiry_extended", "/expiresAt", undefined],
    [[{ op: "replace", path: "/expiresAt", value: "2025-01-01T00:00:00Z" }], "expiry_in_past", "/expiresAt", undefined],
    [[{ op: "replace", path: "/name", value: "" }], "invalid_token_field", "/name", undefined],
  ];
  for (const [ops, code, path, operation] of cases) {
    assert.throws(() => tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify(ops), { now: NOW }), (e) => {
      assert.equal(e.name, "TokenkitError");
      assert.equal(e.code, code, e.message);
      assert.equal(e.path, path);
      assert.equal(e.operation, operation);
      assert.ok(e.message.includes(path), e.message);
      return true;
    });
  }
  assert.throws(() => tk.applyTokenPatch("tokenkit", TOKEN, "[]", {}), { code: "invalid_input" });
  assert.throws(() => tk.applyTokenPatch("s2", TOKEN, "[]", { now: NOW }), { code: "unknown_dialect" });
  const ok = tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify([{ op: "replace", path: "/expiresAt", value: "2027-06-01T00:00:00Z" }]),
    { now: NOW, maxExpiresAt: Date.parse("2028-01-01T00:00:00Z") });
  assert.deepEqual(ok.changed, ["expiresAt"]);
});

test("applyTokenPatch checks the caller's scope covers a changed scope (scope engine)", () => {
  const callerScope = { language: "s2", streams: { prefix: "users/" }, ops: ["read", "append"] };
  const ok = tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify([{ op: "add", path: "/scope/ops/-", value: "append" }]), { now: NOW, callerScope });
  assert.equal(ok.scopeChanged, true);
  assert.equal(tk.scopeCovers(callerScope, ok.scope), true);
  assert.throws(
    () => tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify([{ op: "replace", path: "/scope/streams/prefix", value: "" }]), { now: NOW, callerScope }),
    { name: "TokenkitError", code: "scope_not_covered", path: "/scope" },
  );
  assert.throws(
    () => tk.applyTokenPatch("tokenkit", TOKEN, JSON.stringify([{ op: "add", path: "/scope/ops/-", value: "nope" }]), { now: NOW }),
    { code: "invalid_token_field", path: "/scope" },
  );
  assert.throws(() => tk.applyTokenPatch("tokenkit", TOKEN, "[]", { now: NOW, callerScope: { language: "klingon" } }), { code: "invalid_input" });
});

test("checkTokenPatch: LaunchDarkly paths", () => {
  assert.deepEqual(tk.checkTokenPatch("launchdarkly", [{ op: "replace", path: "/name", value: "x" }]), [{ op: "replace", path: "/name", value: "x" }]);
  tk.checkTokenPatch("launchdarkly", [{ op: "remove", path: "/role" }, { op: "add", path: "/customRoleIds", value: ["a"] }]);
  assert.throws(() => tk.checkTokenPatch("launchdarkly", [{ op: "replace", path: "/serviceToken", value: true }]), { code: "patch_forbidden_path", path: "/serviceToken" });
  assert.throws(() => tk.checkTokenPatch("launchdarkly", [{ op: "add", path: "/name", value: "x" }]), { code: "patch_forbidden_operation" });
});

test("large and non-ASCII texts cross the boundary intact (buffer growth paths)", () => {
  for (const s of ["中".repeat(5000), "é😀".repeat(3000), "a".repeat(300_000), "x\u2028y"]) {
    const doc = JSON.stringify({ s, n: [1] });
    const out = tk.applyPatchJson(doc, '[{"op":"add","path":"/n/-","value":2}]');
    assert.deepEqual(JSON.parse(out), { s, n: [1, 2] });
    assert.equal(tk.applyPatch({ s, n: [1] }, [{ op: "test", path: "/n/0", value: 1 }]).s, s);
  }
  // A lone surrogate is not Unicode: JSON.stringify escapes it, and the core rejects the escape
  // (serde_json's rule), in text and in objects alike.
  assert.throws(() => tk.applyPatchJson(JSON.stringify({ s: "x\ud800z" }), "[]"), { code: "invalid_json", message: /escape|surrogate/ });
  assert.throws(() => tk.applyPatch({ s: "x\ud800z" }, []), { code: "invalid_json" });
  // Many calls of alternating sizes reuse and regrow the scratch buffers.
  for (let i = 0; i < 50; i++) {
    const s = i % 2 ? "k".repeat(70_000) : "é";
    assert.equal(JSON.parse(tk.applyPatchJson(JSON.stringify({ s }), "[]")).s, s);
  }
});

test("applyPatchJson from 4 KiB of input (the result joined from slices of the arguments): non-ASCII, escapes, whitespace, every op", () => {
  for (const filler of ["plain ascii", "h\u00e9llo \u{1F600} \u4e2d\u6587", 'esc "q" \\ \u2028 \t']) {
    for (const indent of [0, 2]) {
      const doc = { head: filler, items: Array.from({ length: 120 }, (_, i) => ({ i, s: `${filler} ${i}`, [`k ${filler}`]: [i, filler] })), tail: `${filler}!` };
      const text = JSON.stringify(doc, null, indent);
      assert.ok(text.length >= 4096);
      const ops = [
        { op: "replace", path: "/items/7/s", value: `new \u00e9 ${filler}` },
        { op: "add", path: "/items/-", value: { k: "v \u2603", n: [1, 2, { d: filler }] } },
        { op: "remove", path: "/items/3" },
        { op: "move", from: "/tail", path: "/items/0/moved" },
        { op: "copy", from: "/items/50", path: "/items/1/copied" },
        { op: "test", path: "/head", value: filler },
        { op: "add", path: `/items/60/k ${filler.replaceAll("~", "~0").replaceAll("/", "~1")}/-`, value: "\u{1F600}" },
      ];
      const out = tk.applyPatchJson(text, JSON.stringify(ops));
      assert.equal(typeof out, "string");
      assert.deepEqual(JSON.parse(out), tk.applyPatch(doc, ops), `${JSON.stringify(filler)} indent ${indent}`);
      // Untouched text is kept as it was (the pretty-printed items stay pretty-printed).
      const untouched = JSON.stringify(doc.items[90], null, indent).replaceAll("\n", `\n${" ".repeat(indent * 2)}`);
      assert.ok(out.includes(untouched), "an untouched item is copied as written");
    }
  }
});
