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
