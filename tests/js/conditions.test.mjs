// A token's conditions of use (src/rules/cidr.rs, src/rules/conditions.rs) as the package
// exports them, on the shared vectors tests/conditions_vectors.rs runs too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const file = (p) => JSON.parse(readFileSync(new URL(`../vectors/rules/${p}`, import.meta.url), "utf8"));

test("address blocks, on the shared vectors", () => {
  const v = file("cidr.json");
  assert.ok(v.parse.length >= 30);
  for (const c of v.parse) {
    if (c.normalised === null) {
      assert.throws(() => tk.parseCidr(c.input, "allowedIps[2]"), (e) => e.code === "invalid_field" && e.status === 422 && e.field === "allowedIps[2]", JSON.stringify(c.input));
    } else {
      assert.equal(tk.parseCidr(c.input), c.normalised, c.input);
    }
  }
  for (const c of v.contains) assert.equal(tk.cidrContains(c.outer, c.inner), c.contains, JSON.stringify(c));
  for (const c of v.match) assert.equal(tk.ipAllowed(c.blocks, c.ip), c.allowed, JSON.stringify(c));
});

test("the decision on one use, on the shared vectors", () => {
  const v = file("conditions.json");
  for (const c of v.decide) {
    const stored = tk.parseConditions(c.conditions);
    const d = tk.decideConditions(stored, c.now, c.ip ?? undefined, c.counters);
    const { message, ...rest } = d;
    if (d.outcome === "refused") assert.equal(typeof message, "string");
    assert.deepEqual(rest, c.expect, c.name);
  }
});

test("attenuation, on the shared vectors", () => {
  const v = file("conditions.json");
  for (const c of v.cover) {
    const r = tk.coverConditions(tk.parseConditions(c.parent), tk.parseConditions(c.child));
    assert.equal(r.covered, c.covered, c.name);
    if (!c.covered) assert.equal(r.field, c.field, c.name);
  }
  for (const c of v.invalid) {
    assert.throws(() => tk.parseConditions(c.conditions), (e) => e.code === c.code && e.status === 422 && e.field === c.field, JSON.stringify(c));
  }
});

test("grant: absent fields are inherited, given ones may not be laxer", () => {
  const parent = tk.parseConditions({ allowedIps: ["10.0.0.0/8"], remaining: 10, rateLimit: { limit: 5, periodSeconds: 60 } });
  const g = tk.grantConditions(parent, { remaining: 3, name: "ignored" });
  assert.deepEqual(g, { notBefore: null, allowedIps: ["10.0.0.0/8"], remaining: 3, refill: null, rateLimit: { limit: 5, periodSeconds: 60 } });
  assert.throws(() => tk.grantConditions(parent, { allowedIps: null }), (e) => e.status === 403 && e.code === "conditions_not_covered" && e.field === "allowedIps");
  assert.throws(() => tk.grantConditions(parent, { allowedIps: ["10.0.0.0/8", "11.0.0.0/8"] }), (e) => e.status === 403 && e.field === "allowedIps[1]");
  assert.throws(() => tk.grantConditions(parent, { allowedIps: ["10.0.0.0/8", "nope"] }), (e) => e.status === 422 && e.field === "allowedIps[1]");
  assert.deepEqual(tk.grantConditions(null, {}), { notBefore: null, allowedIps: null, remaining: null, refill: null, rateLimit: null });
  // a patch may lower but not lift
  assert.equal(tk.patchConditions(parent, parent, { allowedIps: ["10.0.0.0/8"], remaining: 1, rateLimit: { limit: 5, periodSeconds: 60 } }).remaining, 1);
  assert.throws(() => tk.patchConditions(parent, parent, { allowedIps: ["10.0.0.0/8"], remaining: 11, rateLimit: { limit: 5, periodSeconds: 60 } }), (e) => e.status === 403 && e.field === "remaining");
});

test("refilledRemaining: a due refill sets the amount", () => {
  const now = Date.parse("2027-03-15T13:00:00Z");
  const refill = { amount: 10, interval: "daily" };
  assert.deepEqual(tk.refilledRemaining(3, refill, Date.parse("2027-03-15T00:00:00Z"), now), { remaining: 3, refilledAt: Date.parse("2027-03-15T00:00:00Z") });
  assert.deepEqual(tk.refilledRemaining(3, refill, Date.parse("2027-03-14T12:00:00Z"), now), { remaining: 10, refilledAt: Date.parse("2027-03-15T00:00:00Z") });
  assert.deepEqual(tk.refilledRemaining(3, null, null, now), { remaining: 3, refilledAt: null });
});

test("the conditions' limits are in the field-limit table", () => {
  const by = Object.fromEntries(tk.fieldLimits().map((l) => [l.field, l]));
  assert.deepEqual([by.allowedIps.min, by.allowedIps.max, by.allowedIps.kind], [1, 100, "items"]);
  assert.equal(by["rateLimit.periodSeconds"].max, 2592000);
  const many = Array.from({ length: by.allowedIps.max + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
  assert.throws(() => tk.parseConditions({ allowedIps: many }), (e) => e.field === "allowedIps");
  assert.equal(tk.parseConditions({ allowedIps: many.slice(1) }).allowedIps.length, by.allowedIps.max);
});
