// The service's rules (src/rules/) as the package exports them: the answers the token service
// (worker/) and the dashboard (www/) get, on the same shared vectors as tests/rules_vectors.rs.
// The last test checks that neither host keeps a copy of a rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const vectors = (p) => JSON.parse(readFileSync(new URL(`../vectors/rules/${p}`, import.meta.url), "utf8")).cases;
const NOW = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;

function throwsRule(fn, status, code, field) {
  assert.throws(fn, (e) => {
    assert.equal(e.name, "TokenkitError");
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status, e.message);
    if (field !== undefined) assert.equal(e.field, field);
    return true;
  });
}

test("the verification decision, on the shared vectors", () => {
  const cases = vectors("verify.json");
  assert.ok(cases.length >= 12);
  for (const c of cases) {
    const v = tk.decideVerification(c.row, c.digest, c.now);
    assert.deepEqual({ valid: v.valid, code: v.code, rule: v.rule, previous: v.previous, revoke: v.revoke }, { valid: c.valid, code: c.code, rule: c.rule, previous: c.previous, revoke: c.revoke }, c.name);
    assert.equal(typeof v.message, "string");
  }
});

test("checkPresented: format and checksum before any storage read", () => {
  const good = tk.generateToken();
  assert.equal(tk.checkPresented(good), null);
  const bad = good.slice(0, -1) + (good.endsWith("A") ? "B" : "A");
  for (const [t, code, rule] of [[undefined, "missing_token", "presented"], ["", "missing_token", "presented"], [42, "missing_token", "presented"], ["nope", "malformed_token", "format"], [bad, "invalid_checksum", "checksum"]]) {
    const v = tk.checkPresented(t);
    assert.deepEqual([v.valid, v.code, v.rule, v.previous], [false, code, rule, false], String(t));
  }
  assert.equal(tk.requireCurrent(false), undefined);
  throwsRule(() => tk.requireCurrent(true), 403, "previous_secret");
  assert.equal(tk.isCurrentSecret({ digest: "d1", revokedAt: null }, "d1"), true);
  assert.equal(tk.isCurrentSecret({ digest: "d1", revokedAt: 5 }, "d1"), false);
  assert.equal(tk.isCurrentSecret({ digest: "d1", previousDigest: "d0" }, "d0"), false);
});

test("management requests, on the shared vectors, and the scope engine's decision", () => {
  for (const c of vectors("manage.json")) assert.deepEqual(tk.managementRequest(c.language, c.verb, c.target), c.request, JSON.stringify(c));
  const denyDelete = { language: "policy", role: "owner", inlineRole: [{ effect: "allow", actions: ["*"], resources: ["*"] }, { effect: "deny", actions: ["deleteAccessToken"], resources: ["member/*:token/*"] }] };
  for (const id of ["plain", "a:b", "%", "::"]) {
    assert.equal(tk.mayManage(denyDelete, "delete", { id, owner: "m" }).allowed, false, id);
    throwsRule(() => tk.requireManage(denyDelete, "delete", { id, owner: "m" }), 403, "insufficient_scope");
  }
  assert.equal(tk.mayManage(denyDelete, "read", { id: "*", owner: "*" }).allowed, true);
  assert.throws(() => tk.managementRequest("policy", "nuke", { id: "x", owner: "y" }), (e) => e.code === "invalid_input" && e.field === "verb");
});

test("member roles", () => {
  assert.equal(tk.mayActOn("member", "a", "a"), true);
  assert.equal(tk.mayActOn("member", "a", "b"), false);
  assert.equal(tk.mayActOn("admin", "a", "b"), true);
  assert.equal(tk.isAdminRole("owner"), true);
  assert.equal(tk.isAdminRole("member"), false);
  throwsRule(() => tk.requireListAll("member"), 403, "forbidden", "all");
  throwsRule(() => tk.requireCreateAccount("owner", false), 403, "forbidden");
  throwsRule(() => tk.requireManageMembers("owner", false, false), 404, "not_found");
  throwsRule(() => tk.requireManageMembers("member", false, true), 403, "forbidden");
  assert.equal(tk.checkNewMemberRole("admin", false, undefined), "member");
  throwsRule(() => tk.checkNewMemberRole("admin", false, "owner"), 403, "forbidden", "role");
  throwsRule(() => tk.checkNewMemberRole("owner", false, 7), 422, "invalid_field", "role");
  assert.deepEqual(tk.firstTokenScope("member"), { language: "policy", role: "writer" });
});

test("holds: a rotation hands out a secret only to a caller that could issue the token", () => {
  const owner = { language: "policy", role: "owner" };
  const reader = { language: "policy", role: "reader" };
  assert.deepEqual(tk.holds({ id: "a", scope: reader, expiresAt: NOW }, { id: "a", scope: owner, expiresAt: null }), { held: true });
  const broader = tk.holds({ id: "a", scope: reader, expiresAt: null }, { id: "b", scope: owner, expiresAt: null });
  assert.equal(broader.held, false);
  assert.equal(broader.code, "scope_not_covered");
  const longer = tk.holds({ id: "a", scope: owner, expiresAt: new Date(NOW).toISOString() }, { id: "b", scope: reader, expiresAt: NOW + 1 });
  assert.equal(longer.code, "outlives_issuer");
  throwsRule(() => tk.requireHolds({ id: "a", scope: owner, expiresAt: NOW }, { id: "b", scope: reader, expiresAt: null }), 403, "outlives_issuer");
  assert.deepEqual(tk.grantScope(owner, reader).role, "reader");
  throwsRule(() => tk.grantScope(reader, owner), 403, "scope_not_covered", "scope");
  throwsRule(() => tk.grantScope(owner, undefined), 422, "invalid_field", "scope");
  throwsRule(() => tk.grantScope(owner, { language: "policy", inlineRole: [{ effect: "maybe" }] }), 422, "invalid_scope", "scope.inlineRole[0].effect");
});

test("expiry rules: issue, patch cap, grace, state", () => {
  assert.equal(tk.issueExpiry(undefined, null, NOW), NOW + 90 * DAY);
  assert.equal(tk.issueExpiry(undefined, NOW + DAY, NOW), NOW + DAY);
  assert.equal(tk.issueExpiry(undefined, null, NOW, "one-year"), NOW + 365 * DAY);
  assert.equal(tk.issueExpiry("never", null, NOW), null);
  assert.equal(tk.issueExpiry(60, null, NOW), NOW + 60_000);
  throwsRule(() => tk.issueExpiry("7-days", NOW + DAY, NOW), 403, "outlives_issuer", "lifetime");
  throwsRule(() => tk.issueExpiry("x".repeat(101), null, NOW), 422, "invalid_lifetime", "lifetime");
  throwsRule(() => tk.issueExpiry(1.5, null, NOW), 422, "invalid_ttl", "lifetime");
  assert.equal(tk.patchExpiryCap(null, null), null);
  assert.equal(tk.patchExpiryCap(NOW + 5, NOW + 3), NOW + 3);
  assert.equal(tk.patchExpiryCap(NOW + 5, null), NOW + 5);
  assert.deepEqual(tk.rotationGrace(undefined, null, NOW), { until: null, previousValidUntil: NOW });
  assert.deepEqual(tk.rotationGrace("now", null, NOW), { until: null, previousValidUntil: NOW });
  assert.deepEqual(tk.rotationGrace(0, null, NOW), { until: null, previousValidUntil: NOW });
  assert.deepEqual(tk.rotationGrace("PT1H", null, NOW), { until: NOW + 3_600_000, previousValidUntil: NOW + 3_600_000 });
  assert.equal(tk.rotationGrace("P7D", NOW + DAY, NOW).until, NOW + DAY);
  throwsRule(() => tk.rotationGrace("never", null, NOW), 422, "invalid_field", "grace");
  throwsRule(() => tk.rotationGrace(-5, null, NOW), 422, "invalid_ttl", "grace");
  assert.equal(tk.expiryState(null, NOW), null);
  assert.equal(tk.expiryState(NOW, NOW), "expired");
  assert.equal(tk.expiryState(new Date(NOW + 7 * DAY).toISOString(), NOW), "soon");
  assert.equal(tk.expiryState(NOW + 7 * DAY + 1, NOW), null);
  assert.deepEqual(tk.ruleDefaults(), { defaultLifetime: "90-days", firstTokenLifetime: "one-year", soonDays: 7, newId: "000000000000000000000000", idempotencyTtlMs: 86_400_000, bulkRevokeMax: 500 });
});

test("field limits: one table, and the checks that read it", () => {
  const limits = tk.fieldLimits();
  const by = Object.fromEntries(limits.map((l) => [l.field, l]));
  assert.equal(by.name.max, 256);
  assert.equal(by.description.max, 1024);
  assert.equal(tk.checkText("name", "  CI  "), "CI");
  assert.equal(tk.checkText("description", undefined), null);
  throwsRule(() => tk.checkText("name", "é".repeat(257)), 422, "invalid_field", "name");
  assert.equal(tk.checkText("name", "é".repeat(256)), "é".repeat(256));
  throwsRule(() => tk.checkText("name", null), 422, "invalid_field", "name");
  throwsRule(() => tk.checkText("name", 5), 422, "invalid_field", "name");
  throwsRule(() => tk.checkText("name", "a\u0085b"), 422, "invalid_field", "name");
  throwsRule(() => tk.checkLength("token", "t".repeat(201)), 422, "invalid_field", "token");
  throwsRule(() => tk.checkItems("patch", 1001), 422, "patch_too_large");
  const q = tk.parseListQuery([["limit", "5"], ["expiring_within_days", "2"]], NOW);
  assert.deepEqual(q, { limit: 5, cursor: null, name: null, all: false, expired: null, expiringUntil: NOW + 2 * DAY, revoked: false });
  throwsRule(() => tk.parseListQuery([["limit", "101"]], NOW), 400, "invalid_query", "limit");
  throwsRule(() => tk.parseListQuery([["bogus", "1"]], NOW), 400, "invalid_query", "bogus");
});

test("accountability: audit visibility and query, offboarding, policies, idempotency (issue #18)", () => {
  assert.deepEqual(tk.auditView("admin", "a", "m1"), { account: "a", subject: null });
  assert.deepEqual(tk.auditView("member", "a", "m1"), { account: "a", subject: "m1" });
  assert.equal(tk.mayReadEvent("member", "a", "m1", "a", "m1"), true);
  assert.equal(tk.mayReadEvent("member", "a", "m1", "a", "m2"), false);
  assert.equal(tk.mayReadEvent("member", "a", "m1", "a", null), false);
  assert.equal(tk.mayReadEvent("owner", "a", "m1", "b", "m1"), false);
  assert.ok(tk.auditActions().includes("token.disabled") && tk.auditActions().length === 11);
  assert.deepEqual(tk.parseAuditQuery([["action", "token.revoked"], ["since", "2026-01-01T00:00:00Z"]]), { limit: 20, cursor: null, target: null, actor: null, action: "token.revoked", since: NOW, until: null });
  throwsRule(() => tk.parseAuditQuery([["action", "token.exploded"]]), 400, "invalid_query", "action");
  assert.equal(tk.boundUserAgent("x".repeat(300)).length, 256);
  assert.equal(tk.checkRoleChange("owner", false, "member", "admin", 1), "admin");
  throwsRule(() => tk.checkRoleChange("owner", false, "owner", "member", 1), 409, "last_owner");
  throwsRule(() => tk.checkRoleChange("admin", false, "member", "owner", 2), 403, "forbidden", "role");
  throwsRule(() => tk.checkRemoveMember("admin", false, "owner", 2), 403, "forbidden");
  assert.deepEqual(tk.parseBulkRevoke({ name: "ci" }, "member", "m1"), { owner: "m1", name: "ci", createdBefore: null, notUsedSince: null });
  throwsRule(() => tk.parseBulkRevoke({}, "owner", "m1"), 422, "invalid_field", "filter");
  const policy = tk.parsePolicy({ maxLifetime: "P30D", requireExpiry: true });
  assert.deepEqual(policy, { maxLifetime: "P30D", requireExpiry: true, onLeak: "revoke" });
  assert.equal(tk.parsePolicy({ onLeak: "disable" }).onLeak, "disable");
  throwsRule(() => tk.parsePolicy({ onLeak: "delete" }), 422, "invalid_field", "onLeak");
  assert.equal(tk.policyExpiry(policy, NOW + 90 * DAY, false, NOW), NOW + 30 * DAY);
  assert.equal(tk.policyExpiry(null, null, true, NOW), null);
  throwsRule(() => tk.policyExpiry(policy, NOW + 31 * DAY, true, NOW), 403, "policy_violation", "lifetime");
  throwsRule(() => tk.requirePolicy(policy, null, NOW), 403, "policy_violation", "lifetime");
  assert.equal(typeof tk.policyViolation(policy, null, NOW), "string");
  assert.equal(tk.policyViolation(policy, NOW + DAY, NOW), null);
  throwsRule(() => tk.parsePolicy({ maxLifetime: "never" }), 422, "invalid_field", "maxLifetime");
  tk.checkIdempotencyKey("a-key");
  throwsRule(() => tk.checkIdempotencyKey("a key"), 400, "invalid_field", "Idempotency-Key");
  assert.equal(tk.decideIdempotency(null, "f", NOW), "proceed");
  assert.equal(tk.decideIdempotency({ fingerprint: "f", createdAt: NOW - 1, status: 201 }, "f", NOW), "replay");
  throwsRule(() => tk.decideIdempotency({ fingerprint: "f", createdAt: NOW - 1, status: 201 }, "g", NOW), 422, "idempotency_key_reused", "Idempotency-Key");
  throwsRule(() => tk.decideIdempotency({ fingerprint: "f", createdAt: NOW - 1, status: null }, "f", NOW), 409, "idempotency_in_progress");
  const secret = tk.generateToken();
  assert.deepEqual(JSON.parse(tk.redactSecrets(JSON.stringify({ token: { id: "x" }, secret, list: [secret] }))), { token: { id: "x" }, secret: null, list: [null] });
});

test("one engine: the service imports nothing from the dashboard, and neither keeps a rule of its own", () => {
  const root = new URL("../../", import.meta.url);
  const files = (dir) => readdirSync(new URL(dir, root), { recursive: true }).filter((f) => f.endsWith(".js")).map((f) => [`${dir}${f}`, readFileSync(new URL(`${dir}${f}`, root), "utf8")]);
  const worker = files("worker/src/");
  const page = files("www/js/");
  assert.ok(worker.length > 5 && page.length > 5);
  for (const [f, src] of worker) assert.doesNotMatch(src, /www\//, `${f} refers to www/`);
  for (const [f, src] of [...worker, ...page]) {
    // numeric field limits: lengths compared with or set to a number
    assert.doesNotMatch(src, /\.length\s*>\s*\d{2,}/, `${f}: a length limit`);
    assert.doesNotMatch(src, /maxlength:\s*"\d+"/, `${f}: a maxlength`);
    // status arithmetic on stored rows: revoked / grace / expiry compared in JS
    assert.doesNotMatch(src, /(revoked_at|prev_expires_at|expires_at)\s*(!==|===|<=|>=|<|>)\s*(null|now|\w*[Nn]ow)/, `${f}: status arithmetic on a row`);
    assert.doesNotMatch(src, /SOON_DAYS|NEW_ID|DEFAULT_LIFETIME|FIRST_LIFETIME|MAX_PATCH_OPS/, `${f}: a rule's constant`);
  }
});

test("the OpenAPI document's limits are the core's table", () => {
  const doc = JSON.parse(readFileSync(new URL("../../worker/openapi.json", import.meta.url), "utf8"));
  const by = Object.fromEntries(tk.fieldLimits().map((l) => [l.field, l]));
  const S = doc.components.schemas;
  const param = (path, name) => doc.paths[path].get.parameters.find((p) => p.name === name).schema;
  const body = (path, method) => doc.paths[path][method].requestBody.content["application/json"].schema;
  // [where in the document, its limit, the table's field]
  const places = [
    ["CreateToken.name", S.CreateToken.properties.name.maxLength, "name"],
    ["CreateToken.description", S.CreateToken.properties.description.maxLength, "description"],
    ["PatchOperation /name value", S.PatchOperation.oneOf[0].properties.value.maxLength, "name"],
    ["PatchOperation /description value", S.PatchOperation.oneOf[1].properties.value.maxLength, "description"],
    ["POST /tk/v1/accounts name", body("/tk/v1/accounts", "post").properties.name.maxLength, "name"],
    ["POST /tk/v1/accounts owner", body("/tk/v1/accounts", "post").properties.owner.maxLength, "owner"],
    ["POST /tk/v1/accounts/{id}/members name", body("/tk/v1/accounts/{id}/members", "post").properties.name.maxLength, "name"],
    ["Lifetime (text)", S.Lifetime.oneOf[0].maxLength, "lifetime"],
    ["Rotate.grace (text)", S.Rotate.properties.grace.oneOf[0].maxLength, "grace"],
    ["POST /tk/v1/verify token", body("/tk/v1/verify", "post").properties.token.maxLength, "token"],
    ["PATCH maxItems", doc.paths["/tk/v1/tokens/{id}"].patch.requestBody.content["application/json-patch+json"].schema.maxItems, "patch"],
    ["PATCH (application/json) maxItems", doc.paths["/tk/v1/tokens/{id}"].patch.requestBody.content["application/json"].schema.maxItems, "patch"],
    ["list ?name", param("/tk/v1/tokens", "name").maxLength, "query.name"],
    ["list ?limit", param("/tk/v1/tokens", "limit").maximum, "query.limit"],
    ["list ?expiring_within_days", param("/tk/v1/tokens", "expiring_within_days").maximum, "query.expiring_within_days"],
    ["AllowedIps maxItems", S.AllowedIps.maxItems, "allowedIps"],
    ["AllowedIps items maxLength", S.AllowedIps.items.maxLength, "allowedIps[]"],
    ["Remaining maximum", S.Remaining.maximum, "remaining"],
    ["Refill.amount maximum", S.Refill.properties.amount.maximum, "refill.amount"],
    ["RateLimit.limit maximum", S.RateLimit.properties.limit.maximum, "rateLimit.limit"],
    ["RateLimit.periodSeconds maximum", S.RateLimit.properties.periodSeconds.maximum, "rateLimit.periodSeconds"],
    ["POST /tk/v1/accounts/{id}/webhooks url", body("/tk/v1/accounts/{id}/webhooks", "post").properties.url.maxLength, "url"],
  ];
  for (const [where, limit, field] of [
    ["AllowedIps minItems", S.AllowedIps.minItems, "allowedIps"],
    ["Remaining minimum", S.Remaining.minimum, "remaining"],
    ["Refill.amount minimum", S.Refill.properties.amount.minimum, "refill.amount"],
    ["RateLimit.limit minimum", S.RateLimit.properties.limit.minimum, "rateLimit.limit"],
    ["RateLimit.periodSeconds minimum", S.RateLimit.properties.periodSeconds.minimum, "rateLimit.periodSeconds"],
  ]) assert.equal(limit, by[field].min, `${where}: the document says ${limit}, the core's table ${by[field].min} (${field})`);
  for (const [where, limit, field] of places) assert.equal(limit, by[field].max, `${where}: the document says ${limit}, the core's table ${by[field].max} (${field})`);
  assert.equal(param("/tk/v1/tokens", "limit").minimum, by["query.limit"].min);
  assert.equal(param("/tk/v1/tokens", "expiring_within_days").minimum, by["query.expiring_within_days"].min);
  assert.equal(S.CreateToken.properties.name.minLength, by.name.min);
  // every row of the table is published somewhere
  for (const l of tk.fieldLimits()) assert.ok(places.some(([, , f]) => f === l.field), `${l.field} is not in the OpenAPI document`);
});
