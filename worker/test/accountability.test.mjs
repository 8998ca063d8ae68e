// Accountability (issue #18) against a real `wrangler dev`: disable / enable (restored as it was,
// on tokenkit's API and every dialect), the audit log (each event exactly once with the right
// actor, API, client and request id, through tokenkit's API and the four dialects; who may read
// which events), offboarding (member removal revokes every token of it in one transaction; role
// changes; bulk revoke), account policies on every create, rotate, reset and patch path, and
// Idempotency-Key (a retried create mints exactly one token, concurrent ones too). Last, a dump
// of D1 and the logs hold no secret, and the new tables no digest.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT, d1Query } from "./harness.mjs";
import { tk, POLICY, OWNER, DAY, svc, R, secrets, acme, globex, startApi, stopApi, api, assertError, mint, self } from "./api-helpers.mjs";
import { http, S2_ALL } from "./dialect-helpers.mjs";

// Debug logs: the last test searches them for secrets.
before(() => startApi({ logLevel: "debug" }));
after(stopApi);

const bearer = (t) => ({ authorization: `Bearer ${t}` });
const audit = async (token, query = "") => {
  const r = await api("GET", `/tk/v1/audit${query}`, { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.events;
};
/** Every event about `target` the caller may read, oldest first (all pages). */
async function history(token, target) {
  const out = [];
  let cursor = null;
  do {
    const r = await api("GET", `/tk/v1/audit?target=${encodeURIComponent(target)}&limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.events);
    cursor = r.body.next_cursor;
  } while (cursor);
  return out.reverse();
}
const actions = (events) => events.map((e) => e.action);
/** A new member of `account` (made by root) with `scope`: {member, token, tokenId}. */
async function member(account, name, role, scope = OWNER) {
  const r = await api("POST", `/tk/v1/accounts/${account}/members`, { token: R, body: { name, role, scope, lifetime: "never" } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { member: r.body.member.id, token: r.body.secret, tokenId: r.body.token.id };
}
/** A new account (made by root) whose owner holds `scope`, never expiring. */
async function account(name, scope = OWNER) {
  const r = await api("POST", "/tk/v1/accounts", { token: R, body: { name, scope, lifetime: "never" } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.account.id, member: r.body.member.id, token: r.body.secret, tokenId: r.body.token.id };
}
const dialectSecret = (s) => (secrets.add(s), s);

describe("disable / enable", () => {
  test("a disabled token answers 401 disabled, verify says so, and enabling restores it unchanged", async () => {
    const t = await mint(acme.secret, { name: "pausable", scope: POLICY("reader") });
    const before = (await api("GET", `/tk/v1/tokens/${t.token.id}`, { token: acme.secret })).body;
    assert.equal(before.disabledAt, null);
    const d = await api("POST", `/tk/v1/tokens/${t.token.id}/disable`, { token: acme.secret });
    assert.equal(d.status, 200);
    assert.ok(Date.parse(d.body.disabledAt) > 0);
    // at once, on this isolate (the verification cache is emptied by the write)
    assertError(await self(t.secret), 401, "disabled");
    const v = await api("POST", "/tk/v1/verify", { token: acme.secret, body: { token: t.secret } });
    assert.deepEqual([v.body.valid, v.body.code, v.body.rule], [false, "disabled", "disabled"]);
    // still managed: read, and disabling again changes nothing (no second event)
    assert.equal((await api("GET", `/tk/v1/tokens/${t.token.id}`, { token: acme.secret })).body.disabledAt, d.body.disabledAt);
    assert.equal((await api("POST", `/tk/v1/tokens/${t.token.id}/disable`, { token: acme.secret })).body.disabledAt, d.body.disabledAt);
    const e = await api("POST", `/tk/v1/tokens/${t.token.id}/enable`, { token: acme.secret });
    assert.equal(e.status, 200);
    assert.deepEqual({ ...e.body, lastUsedAt: null }, { ...before, lastUsedAt: null }, "the same token: id, version, updatedAt, expiry, secret hint");
    assert.equal((await self(t.secret)).status, 200);
    assert.deepEqual(actions(await history(acme.secret, t.token.id)), ["token.created", "token.disabled", "token.enabled"]);
  });

  test("revoke stays final: a revoked token can be neither enabled nor disabled", async () => {
    const t = await mint(acme.secret, { name: "gone" });
    assert.equal((await api("DELETE", `/tk/v1/tokens/${t.token.id}`, { token: acme.secret })).status, 204);
    for (const verb of ["enable", "disable"]) assertError(await api("POST", `/tk/v1/tokens/${t.token.id}/${verb}`, { token: acme.secret }), 404, "not_found");
    assertError(await self(t.secret), 401, "revoked");
  });

  test("every dialect refuses a disabled token with its 401, and takes it back once enabled", async () => {
    const o = await account("dialects pause", OWNER);
    const cases = [
      [S2_ALL, (s) => http(svc.base, "GET", "/v1/access-tokens", { headers: bearer(s) })],
      [{ language: "privileges", privileges: ["*:*"] }, (s) => http(svc.base, "GET", "/api/v1/me/tokens", { headers: bearer(s) })],
      [POLICY("owner"), (s) => http(svc.base, "GET", "/api/v2/tokens", { headers: { authorization: s } })],
      [{ language: "names", scopes: null }, (s) => http(svc.base, "GET", `/v1/accounts/${o.member}/accessTokens`, { headers: { authorization: s } })],
    ];
    for (const [scope, use] of cases) {
      const t = await mint(o.token, { name: `pause ${scope.language}`, scope });
      assert.equal((await use(t.secret)).status, 200, scope.language);
      assert.equal((await api("POST", `/tk/v1/tokens/${t.token.id}/disable`, { token: o.token })).status, 200);
      assert.equal((await use(t.secret)).status, 401, scope.language);
      assert.equal((await api("POST", `/tk/v1/tokens/${t.token.id}/enable`, { token: o.token })).status, 200);
      assert.equal((await use(t.secret)).status, 200, scope.language);
    }
  });
});

describe("audit log", () => {
  test("tokenkit's API: each mutation once, with the actor, API, client, user agent and request id", async () => {
    const a = await account("audited");
    const ua = `audit-test/1.0 ${"x".repeat(400)}`;
    const headers = { "user-agent": ua };
    const c = await api("POST", "/tk/v1/tokens", { token: a.token, headers, body: { name: "audited", scope: POLICY("reader") } });
    const id = c.body.token.id;
    const steps = [
      c,
      await api("PATCH", `/tk/v1/tokens/${id}`, { token: a.token, headers, body: [{ op: "replace", path: "/name", value: "renamed" }] }),
      await api("POST", `/tk/v1/tokens/${id}/rotate`, { token: a.token, headers }),
      await api("POST", `/tk/v1/tokens/${id}/disable`, { token: a.token, headers }),
      await api("POST", `/tk/v1/tokens/${id}/enable`, { token: a.token, headers }),
    ];
    // refused changes leave no event: a stale If-Match, a rotation that may not hand the secret
    assertError(await api("PATCH", `/tk/v1/tokens/${id}`, { token: a.token, body: [{ op: "replace", path: "/name", value: "x" }], headers: { "if-match": '"1"' } }), 412);
    assertError(await api("POST", `/tk/v1/tokens/${id}/rotate`, { token: a.token, body: { grace: "soon" } }), 422);
    steps.push(await api("DELETE", `/tk/v1/tokens/${id}`, { token: a.token, headers }));
    const events = await history(a.token, id);
    assert.deepEqual(actions(events), ["token.created", "token.patched", "token.rotated", "token.disabled", "token.enabled", "token.revoked"]);
    events.forEach((e, i) => {
      assert.deepEqual(e.actor, { tokenId: a.tokenId, memberId: a.member });
      assert.deepEqual([e.accountId, e.api, e.target, e.subject], [a.id, "tokenkit", { type: "token", id }, a.member]);
      assert.equal(e.requestId, steps[i].headers.get("x-request-id"), "the request log's id");
      assert.equal(e.ip, "127.0.0.1");
      assert.equal(e.userAgent, ua.slice(0, 256));
    });
    assert.deepEqual(events[1].detail, { patch: [{ op: "replace", path: "/name", value: "renamed" }], versionBefore: 1, versionAfter: 2 });
    assert.deepEqual([events[2].detail.versionBefore, events[2].detail.versionAfter], [2, 3]);
    // filters: action, actor, since/until
    assert.deepEqual(actions(await audit(a.token, `?target=${id}&action=token.rotated`)), ["token.rotated"]);
    assert.equal((await audit(a.token, `?actor=${a.tokenId}&target=${id}`)).length, 6);
    assert.equal((await audit(a.token, `?actor=nobody&target=${id}`)).length, 0);
    assert.equal((await audit(a.token, `?target=${id}&since=${encodeURIComponent(events[5].at)}`)).length, 1);
    assert.equal((await audit(a.token, `?target=${id}&until=${encodeURIComponent(events[0].at)}`)).length, 0);
    for (const [q, field] of [["?action=token.exploded", "action"], ["?since=yesterday", "since"], ["?cursor=x", "cursor"], ["?limit=0", "limit"], ["?nope=1", "nope"]]) {
      assertError(await api("GET", `/tk/v1/audit${q}`, { token: a.token }), 400, "invalid_query", field);
    }
  });

  test("the four dialects: creates, LaunchDarkly's patch and reset, revokes — each once, with the dialect's name", async () => {
    const o = await account("dialect audit", OWNER);
    const s2 = await mint(o.token, { name: "s2 owner", scope: S2_ALL });
    const ak = await mint(o.token, { name: "akinon owner", scope: { language: "privileges", privileges: ["*:*"] } });
    const sp = await mint(o.token, { name: "space owner", scope: { language: "names", scopes: null } });
    const check = async (id, api_, want, actorToken) => {
      const events = await history(o.token, id);
      assert.deepEqual(actions(events), want, `${api_} ${id}`);
      for (const e of events) assert.deepEqual([e.api, e.actor.tokenId, e.actor.memberId, e.subject], [api_, actorToken, o.member, o.member]);
      return events;
    };
    // S2
    let r = await http(svc.base, "POST", "/v1/access-tokens", { headers: bearer(s2.secret), json: { id: "audit-s2", scope: { ops: ["read"] } } });
    assert.equal(r.status, 201, r.text);
    dialectSecret(r.body.access_token);
    assert.equal((await http(svc.base, "DELETE", "/v1/access-tokens/audit-s2", { headers: bearer(s2.secret) })).status, 204);
    await check("audit-s2", "s2", ["token.created", "token.revoked"], s2.token.id);
    // Akinon
    r = await http(svc.base, "POST", "/api/v1/me/tokens", { headers: bearer(ak.secret), json: { name: "audit akinon", lifetime: "one-month" } });
    assert.equal(r.status, 201, r.text);
    dialectSecret(r.body.token);
    const akId = r.body._id;
    assert.equal((await http(svc.base, "DELETE", `/api/v1/me/tokens/${akId}`, { headers: bearer(ak.secret) })).status, 204);
    await check(akId, "akinon", ["token.created", "token.revoked"], ak.token.id);
    // LaunchDarkly: create, patch, reset, delete
    const ld = { authorization: o.token };
    r = await http(svc.base, "POST", "/api/v2/tokens", { headers: ld, json: { name: "audit ld", role: "reader" } });
    assert.equal(r.status, 201, r.text);
    dialectSecret(r.body.token);
    const ldId = r.body._id;
    r = await http(svc.base, "PATCH", `/api/v2/tokens/${ldId}`, { headers: ld, json: [{ op: "replace", path: "/name", value: "audit ld renamed" }] });
    assert.equal(r.status, 200, r.text);
    r = await http(svc.base, "POST", `/api/v2/tokens/${ldId}/reset`, { headers: ld });
    assert.equal(r.status, 200, r.text);
    dialectSecret(r.body.token);
    assert.equal((await http(svc.base, "DELETE", `/api/v2/tokens/${ldId}`, { headers: ld })).status, 204);
    const ldEvents = await check(ldId, "launchdarkly", ["token.created", "token.patched", "token.rotated", "token.revoked"], o.tokenId);
    assert.deepEqual(ldEvents[1].detail.patch, [{ op: "replace", path: "/name", value: "audit ld renamed" }]);
    // Space: create, delete by the secret its create answered
    r = await http(svc.base, "POST", `/v1/accounts/${o.member}/accessTokens`, { headers: { authorization: sp.secret }, json: { ttl: 3600 } });
    assert.equal(r.status, 200, r.text);
    const spSecret = dialectSecret(r.body.id);
    const spId = (await self(spSecret)).body.id;
    assert.equal((await http(svc.base, "DELETE", `/v1/accounts/${o.member}/accessTokens/${spId}`, { headers: { authorization: sp.secret } })).status, 204);
    await check(spId, "space", ["token.created", "token.revoked"], sp.token.id);
  });

  test("members read only the events about themselves; no one reads another account's", async () => {
    const a = await account("visibility");
    const m1 = await member(a.id, "m1", "member", POLICY("writer"));
    const m2 = await member(a.id, "m2", "member", POLICY("writer"));
    const t1 = await mint(m1.token, { name: "m1's", scope: POLICY("reader") });
    const t2 = await mint(m2.token, { name: "m2's", scope: POLICY("reader") });
    const mine = await audit(m1.token, "?limit=100");
    assert.ok(mine.length >= 3, "m1's membership, its first token and t1");
    assert.ok(mine.every((e) => e.subject === m1.member && e.accountId === a.id), JSON.stringify(mine.map((e) => [e.action, e.subject])));
    assert.ok(mine.some((e) => e.target.id === t1.token.id));
    assert.deepEqual(await audit(m1.token, `?target=${t2.token.id}`), [], "not another member's token");
    assert.deepEqual(await audit(m1.token, `?target=${m2.member}`), [], "nor its membership");
    // the owner reads both members' events
    const all = await audit(a.token, "?limit=100");
    assert.ok(all.some((e) => e.target.id === t1.token.id) && all.some((e) => e.target.id === t2.token.id));
    // another account's owner reads none of them
    assert.deepEqual(await audit(globex.secret, `?target=${t1.token.id}`), []);
    assert.ok((await audit(globex.secret, "?limit=100")).every((e) => e.accountId === globex.account.id));
    // a token whose scope does not read tokens reads no audit log
    const blind = await mint(a.token, { name: "blind", scope: POLICY("no_access") });
    assertError(await api("GET", "/tk/v1/audit", { token: blind.secret }), 403, "insufficient_scope");
  });
});

describe("offboarding", () => {
  test("removing a member revokes every token of it in the same transaction, with one event each", async () => {
    const a = await account("offboard");
    const leaver = await member(a.id, "leaver", "admin", OWNER);
    const extra = [await mint(leaver.token, { name: "ci" }), await mint(leaver.token, { name: "laptop" })];
    const tokens = [leaver.token, ...extra.map((t) => t.secret)];
    for (const s of tokens) assert.equal((await self(s)).status, 200);
    const r = await api("DELETE", `/tk/v1/accounts/${a.id}/members/${leaver.member}`, { token: a.token });
    assert.equal(r.status, 204);
    for (const s of tokens) assertError(await self(s), 401, "revoked");
    for (const s of tokens) assert.equal((await http(svc.base, "GET", "/api/v2/tokens", { headers: { authorization: s } })).status, 401);
    const members = (await api("GET", `/tk/v1/accounts/${a.id}/members`, { token: a.token })).body.members;
    assert.ok(!members.some((m) => m.id === leaver.member), "no longer listed");
    assert.deepEqual(actions(await audit(a.token, `?target=${leaver.member}`)), ["member.removed", "member.added"]);
    for (const id of [leaver.tokenId, ...extra.map((t) => t.token.id)]) {
      const revoked = (await history(a.token, id)).filter((e) => e.action === "token.revoked");
      assert.equal(revoked.length, 1, id);
      assert.deepEqual([revoked[0].actor.tokenId, revoked[0].detail], [a.tokenId, { memberRemoved: true }]);
    }
    assertError(await api("DELETE", `/tk/v1/accounts/${a.id}/members/${leaver.member}`, { token: a.token }), 404, "not_found");
  });

  test("role changes: the core's rules, and the last owner stays", async () => {
    const a = await account("roles");
    const adm = await member(a.id, "adm", "admin", OWNER);
    const m = await member(a.id, "m", "member", POLICY("writer"));
    let r = await api("PATCH", `/tk/v1/accounts/${a.id}/members/${m.member}`, { token: adm.token, body: { role: "admin" } });
    assert.deepEqual([r.status, r.body.role], [200, "admin"]);
    assertError(await api("PATCH", `/tk/v1/accounts/${a.id}/members/${m.member}`, { token: adm.token, body: { role: "owner" } }), 403, "forbidden", "role");
    assertError(await api("PATCH", `/tk/v1/accounts/${a.id}/members/${a.member}`, { token: a.token, body: { role: "admin" } }), 409, "last_owner");
    assertError(await api("DELETE", `/tk/v1/accounts/${a.id}/members/${a.member}`, { token: a.token }), 409, "last_owner");
    assertError(await api("DELETE", `/tk/v1/accounts/${a.id}/members/${a.member}`, { token: adm.token }), 403, "forbidden");
    assertError(await api("PATCH", `/tk/v1/accounts/${a.id}/members/${m.member}`, { token: a.token, body: { role: "boss" } }), 422, "invalid_field", "role");
    assertError(await api("PATCH", `/tk/v1/accounts/${a.id}/members/${m.member}`, { token: globex.secret, body: { role: "member" } }), 404, "not_found");
    // the new role is the one authentication reads at once
    r = await api("GET", "/tk/v1/self", { token: m.token });
    assert.equal(r.body.role, "admin");
    const ev = await audit(a.token, `?target=${m.member}&action=member.role_changed`);
    assert.deepEqual(ev.map((e) => e.detail), [{ from: "member", to: "admin" }]);
  });

  test("bulk revoke: the matching tokens, counted, each with its event; members only their own", async () => {
    const a = await account("bulk");
    const m = await member(a.id, "m", "member", POLICY("writer"));
    const ci = [];
    for (let i = 0; i < 3; i++) ci.push(await mint(a.token, { name: `ci-runner-${i}` }));
    const keep = await mint(a.token, { name: "keep me" });
    const mine = await mint(m.token, { name: "ci-runner-m", scope: POLICY("reader") });
    assertError(await api("POST", "/tk/v1/tokens/revoke", { token: a.token, body: {} }), 422, "invalid_field", "filter");
    assertError(await api("POST", "/tk/v1/tokens/revoke", { token: m.token, body: { owner: a.member } }), 403, "forbidden", "owner");
    // a member's filter is its own tokens only
    let r = await api("POST", "/tk/v1/tokens/revoke", { token: m.token, body: { name: "ci-runner" } });
    assert.deepEqual(r.body, { revoked: 1, more: false });
    assertError(await self(mine.secret), 401, "revoked");
    for (const t of ci) assert.equal((await self(t.secret)).status, 200);
    r = await api("POST", "/tk/v1/tokens/revoke", { token: a.token, body: { name: "CI-RUNNER", createdBefore: new Date(Date.now() + 1000).toISOString() } });
    assert.deepEqual(r.body, { revoked: 3, more: false });
    for (const t of ci) assertError(await self(t.secret), 401, "revoked");
    assert.equal((await self(keep.secret)).status, 200);
    for (const t of ci) assert.equal((await history(a.token, t.token.id)).filter((e) => e.action === "token.revoked").length, 1);
    r = await api("POST", "/tk/v1/tokens/revoke", { token: a.token, body: { notUsedSince: new Date(Date.now() - DAY).toISOString(), name: "keep" } });
    assert.deepEqual(r.body, { revoked: 0, more: false }, "used today");
  });
});

describe("account policies", () => {
  test("maxLifetime and requireExpiry on every create, rotate and patch path; breaking tokens listed, not changed", async () => {
    const a = await account("policed");
    const old = await mint(a.token, { name: "never expires", lifetime: "never" });
    const s2 = await mint(a.token, { name: "s2 owner", scope: S2_ALL, lifetime: "never" });
    const ak = await mint(a.token, { name: "akinon owner", scope: { language: "privileges", privileges: ["*:*"] }, lifetime: "never" });
    const fresh = await mint(a.token, { name: "a week", lifetime: "P7D" });
    assertError(await api("PUT", `/tk/v1/accounts/${a.id}/policy`, { token: a.token, body: { maxLifetime: "never" } }), 422, "invalid_field", "maxLifetime");
    const m = await member(a.id, "m", "member", POLICY("writer"));
    assertError(await api("PUT", `/tk/v1/accounts/${a.id}/policy`, { token: m.token, body: {} }), 403, "forbidden");
    let r = await api("PUT", `/tk/v1/accounts/${a.id}/policy`, { token: a.token, body: { maxLifetime: "P30D", requireExpiry: true } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.policy, { maxLifetime: "P30D", requireExpiry: true, onLeak: "revoke" });
    const listed = r.body.violations.map((v) => v.id);
    assert.ok(listed.includes(old.token.id) && listed.includes(a.tokenId) && listed.includes(m.tokenId), JSON.stringify(r.body.violations));
    assert.ok(listed.includes(s2.token.id) && !listed.includes(fresh.token.id));
    assert.equal((await api("GET", `/tk/v1/tokens/${old.token.id}`, { token: a.token })).body.expiresAt, null, "not changed");
    assert.deepEqual((await api("GET", `/tk/v1/accounts/${a.id}/policy`, { token: a.token })).body.violations.map((v) => v.id).sort(), [...listed].sort());
    // create: asked past the maximum, or never: refused; the default is shortened
    assertError(await api("POST", "/tk/v1/tokens", { token: old.secret, body: { name: "x", scope: OWNER, lifetime: "P31D" } }), 403, "policy_violation", "lifetime");
    assertError(await api("POST", "/tk/v1/tokens", { token: old.secret, body: { name: "x", scope: OWNER, lifetime: "never" } }), 403, "policy_violation", "lifetime");
    const def = await mint(old.secret, { name: "default lifetime" });
    const at = Date.parse(def.token.expiresAt);
    assert.ok(Math.abs(at - (Date.now() + 30 * DAY)) < 60_000, def.token.expiresAt);
    // a member's first token too
    assertError(await api("POST", `/tk/v1/accounts/${a.id}/members`, { token: a.token, body: { name: "n", lifetime: "one-year" } }), 403, "policy_violation", "lifetime");
    // rotate: a token that breaks the policy gets no new secret until patched into it
    assertError(await api("POST", `/tk/v1/tokens/${old.token.id}/rotate`, { token: a.token }), 403, "policy_violation");
    assertError(await api("PATCH", `/tk/v1/tokens/${old.token.id}`, { token: a.token, body: [{ op: "replace", path: "/name", value: "still never" }] }), 403, "policy_violation");
    r = await api("PATCH", `/tk/v1/tokens/${old.token.id}`, { token: a.token, body: [{ op: "replace", path: "/expiresAt", value: new Date(Date.now() + 10 * DAY).toISOString() }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await api("POST", `/tk/v1/tokens/${old.token.id}/rotate`, { token: a.token })).status, 200);
    // the dialects: S2's and Akinon's asked expiries past the maximum are refused (their 403);
    // LaunchDarkly's tokens (no expiry of their own) get the maximum
    r = await http(svc.base, "POST", "/v1/access-tokens", { headers: bearer(s2.secret), json: { id: "policy-s2", scope: { ops: ["read"] }, expires_at: new Date(Date.now() + 6 * DAY).toISOString() } });
    assert.equal(r.status, 201, r.text);
    dialectSecret(r.body.access_token);
    r = await http(svc.base, "POST", "/v1/access-tokens", { headers: bearer(s2.secret), json: { id: "policy-s2-long", scope: { ops: ["read"] }, expires_at: new Date(Date.now() + 60 * DAY).toISOString() } });
    assert.equal(r.status, 403, r.text);
    assert.match(r.body.message, /policy/);
    r = await http(svc.base, "POST", "/api/v1/me/tokens", { headers: bearer(ak.secret), json: { name: "too long", lifetime: "one-year" } });
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /policy/);
    r = await http(svc.base, "POST", "/api/v2/tokens", { headers: { authorization: a.token }, json: { name: "ld under policy", role: "reader" } });
    assert.equal(r.status, 201, r.text);
    dialectSecret(r.body.token);
    const ldMeta = (await api("GET", `/tk/v1/tokens/${r.body._id}`, { token: a.token })).body;
    assert.ok(Math.abs(Date.parse(ldMeta.expiresAt) - (Date.now() + 30 * DAY)) < 60_000, ldMeta.expiresAt);
    const ev = await audit(a.token, `?target=${a.id}&action=account.policy_changed`);
    assert.deepEqual(ev.map((e) => e.detail), [{ before: { maxLifetime: null, requireExpiry: false, onLeak: "revoke" }, after: { maxLifetime: "P30D", requireExpiry: true, onLeak: "revoke" } }]);
  });
});

describe("Idempotency-Key", () => {
  const count = async (token, name) => (await api("GET", `/tk/v1/tokens?name=${encodeURIComponent(name)}&limit=100`, { token })).body.tokens.filter((t) => t.name === name).length;

  test("a retried create answers the first outcome without its secret and mints nothing", async () => {
    const a = await account("idempotent");
    const key = `key-${Math.random().toString(36).slice(2)}`;
    const body = { name: "once", scope: POLICY("reader") };
    const first = await api("POST", "/tk/v1/tokens", { token: a.token, body, headers: { "idempotency-key": key } });
    assert.equal(first.status, 201);
    assert.match(first.body.secret, /^tk_/);
    const again = await api("POST", "/tk/v1/tokens", { token: a.token, body, headers: { "idempotency-key": key } });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(again.body, { token: first.body.token, secret: null, replayed: true });
    assert.equal(await count(a.token, "once"), 1);
    assert.equal((await history(a.token, first.body.token.id)).length, 1, "one token.created");
    assertError(await api("POST", "/tk/v1/tokens", { token: a.token, body: { ...body, name: "other" }, headers: { "idempotency-key": key } }), 422, "idempotency_key_reused", "Idempotency-Key");
    assertError(await api("POST", "/tk/v1/tokens", { token: a.token, body, headers: { "idempotency-key": "bad key" } }), 400, "invalid_field", "Idempotency-Key");
    // keys are per credential: another caller's same key is its own
    const other = await api("POST", "/tk/v1/tokens", { token: acme.secret, body, headers: { "idempotency-key": key } });
    assert.equal(other.status, 201);
    assert.notEqual(other.body.token.id, first.body.token.id);
    // a refused request releases its key
    const k2 = `${key}-2`;
    assertError(await api("POST", "/tk/v1/tokens", { token: a.token, body: { name: "bad", scope: { language: "klingon" } }, headers: { "idempotency-key": k2 } }), 422);
    assert.equal((await api("POST", "/tk/v1/tokens", { token: a.token, body: { name: "good", scope: POLICY("reader") }, headers: { "idempotency-key": k2 } })).status, 201);
    // rotate, members, accounts
    // a key names one request: the same key on another route is reused
    assertError(await api("POST", `/tk/v1/tokens/${first.body.token.id}/rotate`, { token: a.token, headers: { "idempotency-key": key } }), 422, "idempotency_key_reused");
    const rot = await api("POST", `/tk/v1/tokens/${first.body.token.id}/rotate`, { token: a.token, headers: { "idempotency-key": "rotate-1" } });
    assert.equal(rot.status, 200);
    const rot2 = await api("POST", `/tk/v1/tokens/${first.body.token.id}/rotate`, { token: a.token, headers: { "idempotency-key": "rotate-1" } });
    assert.deepEqual([rot2.status, rot2.body.secret, rot2.body.replayed, rot2.body.token.version], [200, null, true, rot.body.token.version]);
    assert.equal((await api("GET", `/tk/v1/tokens/${first.body.token.id}`, { token: a.token })).body.version, rot.body.token.version, "rotated once");
    const mb = { name: "idem member", role: "member", scope: POLICY("reader") };
    const m1 = await api("POST", `/tk/v1/accounts/${a.id}/members`, { token: a.token, body: mb, headers: { "idempotency-key": "member-1" } });
    const m2 = await api("POST", `/tk/v1/accounts/${a.id}/members`, { token: a.token, body: mb, headers: { "idempotency-key": "member-1" } });
    assert.deepEqual([m1.status, m2.status, m2.body.member.id, m2.body.secret], [201, 201, m1.body.member.id, null]);
    assert.equal((await api("GET", `/tk/v1/accounts/${a.id}/members`, { token: a.token })).body.members.filter((m) => m.name === "idem member").length, 1);
  });

  test("concurrent requests with one key mint one token", async () => {
    const a = await account("concurrent idempotency");
    const body = { name: "raced", scope: POLICY("reader") };
    const rs = await Promise.all(Array.from({ length: 12 }, () => api("POST", "/tk/v1/tokens", { token: a.token, body, headers: { "idempotency-key": "race-1" } })));
    const statuses = rs.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join());
    assert.equal(rs.filter((r) => typeof r.body.secret === "string").length, 1, statuses.join());
    for (const r of rs.filter((r) => r.status === 409)) assert.equal(r.body.error.code, "idempotency_in_progress");
    assert.equal(await count(a.token, "raced"), 1);
    const replay = await api("POST", "/tk/v1/tokens", { token: a.token, body, headers: { "idempotency-key": "race-1" } });
    assert.deepEqual([replay.status, replay.body.secret, replay.body.replayed], [201, null, true]);
  });

  test("the dialects' creates: S2 and LaunchDarkly replay with the secret null", async () => {
    const a = await account("dialect idempotency");
    const s2 = await mint(a.token, { name: "s2 owner", scope: S2_ALL });
    const send = () => http(svc.base, "POST", "/v1/access-tokens", { headers: { ...bearer(s2.secret), "idempotency-key": "s2-1" }, json: { id: "idem-s2", scope: { ops: ["read"] } } });
    const [x, y] = [await send(), await send()];
    assert.equal(x.status, 201, x.text);
    dialectSecret(x.body.access_token);
    assert.deepEqual([y.status, y.body, y.headers.get("idempotent-replayed")], [201, { access_token: null }, "true"]);
    const ld = () => http(svc.base, "POST", "/api/v2/tokens", { headers: { authorization: a.token, "idempotency-key": "ld-1" }, json: { name: "idem ld", role: "reader" } });
    const [l1, l2] = [await ld(), await ld()];
    assert.equal(l1.status, 201, l1.text);
    dialectSecret(l1.body.token);
    assert.deepEqual([l2.status, l2.body._id, l2.body.token], [201, l1.body._id, null]);
    assert.equal(await count(a.token, "idem ld"), 1);
  });
});

function filesUnder(dir) {
  return readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? filesUnder(join(dir, e)) : [join(dir, e)]));
}

test("after the suite: no secret in D1 or the logs, no digest in the audit log or the idempotency keys", async () => {
  assert.ok(secrets.size >= 30, `secrets tracked: ${secrets.size}`);
  await svc.stop();
  const d1 = (sql) => d1Query(svc.dir, sql);
  const [events, keys] = d1("SELECT * FROM audit_events; SELECT * FROM idempotency_keys;").map((x) => JSON.stringify(x.results));
  assert.ok(events.length > 10_000 && keys.includes("fingerprint"), "the tables were read");
  assert.ok(!/sha256:|hmac-sha256:/.test(events + keys), "no digest in audit_events or idempotency_keys");
  const digests = [...secrets].map((s) => tk.digestToken(s).split(":").pop());
  for (const d of digests) assert.ok(!events.includes(d) && !keys.includes(d), "no digest body either");
  const raw = filesUnder(svc.dir).map((f) => readFileSync(f).toString("latin1"));
  const logs = svc.logs();
  assert.ok(logs.length > 10_000, `the logs were captured (${logs.length} bytes at debug level)`);
  for (const s of secrets) {
    const body = s.slice(s.indexOf("_") + 1);
    assert.ok(!events.includes(body) && !keys.includes(body), "a secret in the new tables");
    assert.ok(!raw.some((t) => t.includes(body)), "a secret in the D1 state files");
    assert.ok(!logs.includes(body), "a secret in the logs");
  }
  console.log(`checked ${secrets.size} secrets against ${raw.length} state files, ${events.length} bytes of audit events, ${keys.length} bytes of idempotency keys and ${logs.length} bytes of logs`);
});
