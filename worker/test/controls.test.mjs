// Token controls (issue #17) against a real `wrangler dev`: not-before, IP allow-lists, usage
// limits with refill, rate limits — on tokenkit's own API (create, patch, TokenMeta, verify) and
// on every dialect's routes (vendor shapes), attenuation, the atomic spend under concurrency,
// the rate-limit burst and Retry-After, and the client address: CF-Connecting-IP only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { startService } from "./harness.mjs";
import { http, newAccount } from "./dialect-helpers.mjs";

let svc;
let owner; // acme's owner: policy owner scope, no conditions

const OWNER_SCOPE = { language: "policy", role: "owner" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const from = (ip) => (ip === undefined ? {} : { "cf-connecting-ip": ip });

/** tokenkit's own API with `token`, from `ip` (CF-Connecting-IP), extra `headers`. */
const api = (method, path, token, { json, ip, headers = {}, raw } = {}) => http(svc.base, method, path, { json, raw, headers: { authorization: `Bearer ${token}`, ...from(ip), ...headers } });

/** Creates a token (as `by`, from `ip`) with `body` merged into a name and the owner scope; returns {secret, meta}. */
async function mint(body, { by = owner.token, ip } = {}) {
  const r = await api("POST", "/tk/v1/tokens", by, { json: { name: "controlled", scope: OWNER_SCOPE, ...body }, ip });
  assert.equal(r.status, 201, r.text);
  return { secret: r.body.secret, meta: r.body.token };
}

const verify = (token, ip) => api("POST", "/tk/v1/verify", owner.token, { json: ip === undefined ? { token } : { token, ip } });

before(async () => {
  svc = await startService();
  owner = await newAccount(svc, "acme", OWNER_SCOPE);
});

after(async () => {
  await svc?.cleanup();
});

test("create: the four controls are stored normalised and shown in TokenMeta (create, get, list)", async () => {
  const notBefore = new Date(Date.now() - 60_000).toISOString();
  const { meta } = await mint({
    notBefore,
    allowedIps: ["10.1.2.3/8", "2001:DB8::1", "::ffff:192.0.2.0/120", "10.0.0.0/8"],
    remaining: 5,
    refill: { amount: 7, interval: "daily" },
    rateLimit: { limit: 3, periodSeconds: 60 },
  });
  assert.equal(meta.notBefore, notBefore);
  assert.deepEqual(meta.allowedIps, ["10.0.0.0/8", "2001:db8::1/128", "192.0.2.0/24"]);
  assert.equal(meta.remaining, 5);
  assert.deepEqual(meta.refill, { amount: 7, interval: "daily" });
  assert.deepEqual(meta.rateLimit, { limit: 3, periodSeconds: 60 });
  const got = await api("GET", `/tk/v1/tokens/${meta.id}`, owner.token);
  assert.equal(got.status, 200);
  for (const k of ["notBefore", "allowedIps", "remaining", "refill", "rateLimit"]) assert.deepEqual(got.body[k], meta[k], k);
  const plain = await mint({});
  for (const k of ["notBefore", "allowedIps", "remaining", "refill", "rateLimit"]) assert.equal(plain.meta[k], null, k);
  const list = await api("GET", "/tk/v1/tokens?limit=100", owner.token);
  assert.deepEqual(list.body.tokens.find((t) => t.id === meta.id).allowedIps, meta.allowedIps);
});

test("create: bad controls are 422 naming the field", async () => {
  const cases = [
    [{ allowedIps: ["10.0.0.0/8", "::1", "1.2.3.4", "10.0.0.0/33"] }, "allowedIps[3]"],
    [{ allowedIps: ["10.0.0.1 "] }, "allowedIps[0]"],
    [{ allowedIps: [] }, "allowedIps"],
    [{ allowedIps: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) }, "allowedIps"],
    [{ notBefore: "tomorrow" }, "notBefore"],
    [{ remaining: -1 }, "remaining"],
    [{ remaining: 1.5 }, "remaining"],
    [{ refill: { amount: 5, interval: "daily" } }, "refill"],
    [{ remaining: 1, refill: { amount: 5, interval: "hourly" } }, "refill.interval"],
    [{ rateLimit: { limit: 1, periodSeconds: 0 } }, "rateLimit.periodSeconds"],
    [{ rateLimit: { limit: 0, periodSeconds: 1 } }, "rateLimit.limit"],
  ];
  for (const [body, field] of cases) {
    const r = await api("POST", "/tk/v1/tokens", owner.token, { json: { name: "bad", scope: OWNER_SCOPE, ...body } });
    assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.body.error.field, field, r.text);
  }
});

test("notBefore: 401 not_yet_valid before it (API and verify); a patch that clears it lets the token in", async () => {
  const { secret, meta } = await mint({ notBefore: new Date(Date.now() + 3_600_000).toISOString() });
  const r = await api("GET", "/tk/v1/self", secret);
  assert.equal(r.status, 401, r.text);
  assert.equal(r.body.error.code, "not_yet_valid");
  const v = await verify(secret);
  assert.deepEqual([v.status, v.body.valid, v.body.code, v.body.rule], [200, false, "not_yet_valid", "not_before"]);
  const p = await api("PATCH", `/tk/v1/tokens/${meta.id}`, owner.token, { json: [{ op: "remove", path: "/notBefore" }], headers: { "content-type": "application/json-patch+json" } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.notBefore, null);
  assert.equal((await api("GET", "/tk/v1/self", secret)).status, 200);
});

test("allowedIps: CF-Connecting-IP decides (v4, v6, v4-mapped); X-Forwarded-For is never trusted", async () => {
  const { secret } = await mint({ allowedIps: ["203.0.113.0/24", "2001:db8::/32"] });
  const self = (headers) => http(svc.base, "GET", "/tk/v1/self", { headers: { authorization: `Bearer ${secret}`, ...headers } });
  assert.equal((await self(from("203.0.113.9"))).status, 200);
  assert.equal((await self(from("::ffff:203.0.113.9"))).status, 200);
  assert.equal((await self(from("2001:db8:5::1"))).status, 200);
  const out = await self(from("198.51.100.1"));
  assert.equal(out.status, 403, out.text);
  assert.deepEqual(out.body.error.code, "ip_not_allowed");
  // spoofed forwarding headers change nothing: the allowed address in them is ignored
  for (const spoof of [{ "x-forwarded-for": "203.0.113.9" }, { "x-real-ip": "203.0.113.9" }, { forwarded: "for=203.0.113.9" }, { "true-client-ip": "203.0.113.9" }]) {
    const r = await self({ ...from("198.51.100.1"), ...spoof });
    assert.equal(r.status, 403, JSON.stringify(spoof));
    // without CF-Connecting-IP, wrangler dev sets the socket's address (loopback): not allowed either
    const bare = await self(spoof);
    assert.equal(bare.status, 403, `${JSON.stringify(spoof)} alone`);
  }
  // verify: the address is the body's `ip`; none given is not allowed
  const ok = await verify(secret, "203.0.113.200");
  assert.deepEqual([ok.body.valid, ok.body.code], [true, "ok"]);
  const none = await verify(secret);
  assert.deepEqual([none.body.valid, none.body.code, none.body.rule], [false, "ip_not_allowed", "allowed_ips"]);
  const bad = await verify(secret, "203.0.113.0/24");
  assert.equal(bad.status, 422, bad.text);
  assert.equal(bad.body.error.field, "ip");
});

test("remaining: each use spends one; at 0 every API answers 429 usage_exhausted; the count is shown", async () => {
  const { secret, meta } = await mint({ remaining: 3 });
  for (let i = 2; i >= 0; i--) {
    const r = await api("GET", "/tk/v1/self", secret);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.remaining, i);
  }
  const r = await api("GET", "/tk/v1/self", secret);
  assert.equal(r.status, 429, r.text);
  assert.equal(r.body.error.code, "usage_exhausted");
  assert.equal(r.headers.get("retry-after"), null);
  const v = await verify(secret);
  assert.deepEqual([v.body.valid, v.body.code, v.body.remaining], [false, "usage_exhausted", 0]);
  const got = await api("GET", `/tk/v1/tokens/${meta.id}`, owner.token);
  assert.equal(got.body.remaining, 0);
  // the owner tops it up by a patch; the token works again
  const p = await api("PATCH", `/tk/v1/tokens/${meta.id}`, owner.token, { json: [{ op: "replace", path: "/remaining", value: 1 }], headers: { "content-type": "application/json-patch+json" } });
  assert.equal(p.status, 200, p.text);
  assert.equal((await api("GET", "/tk/v1/self", secret)).status, 200);
  assert.equal((await api("GET", "/tk/v1/self", secret)).status, 429);
});

test("remaining under concurrency: 50 concurrent verifies of a token with remaining 10 → exactly 10 valid, 0 left", async () => {
  const { secret, meta } = await mint({ remaining: 10 });
  const answers = await Promise.all(Array.from({ length: 50 }, () => verify(secret)));
  for (const a of answers) assert.equal(a.status, 200, a.text);
  const valid = answers.filter((a) => a.body.valid);
  const exhausted = answers.filter((a) => a.body.code === "usage_exhausted");
  console.log(`# concurrency: 50 verifies, remaining 10 → ${valid.length} valid, ${exhausted.length} usage_exhausted`);
  assert.equal(valid.length, 10);
  assert.equal(exhausted.length, 40);
  assert.deepEqual(valid.map((a) => a.body.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const got = await api("GET", `/tk/v1/tokens/${meta.id}`, owner.token);
  assert.equal(got.body.remaining, 0);
});

test("remaining: a patch of another field never gives back the uses spent while it ran", async () => {
  const { secret, meta } = await mint({ remaining: 20 });
  // The patch's body arrives in two parts: the route has read the token (remaining 20) and waits
  // for the rest of the body while 5 uses are spent; then the patch (a new name) is applied.
  const ops = JSON.stringify([{ op: "replace", path: "/name", value: "renamed while in use" }]);
  const { port } = new URL(svc.base);
  const answer = new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "PATCH", path: `/tk/v1/tokens/${meta.id}`, headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json-patch+json" } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.write(ops.slice(0, 10));
    setTimeout(async () => {
      for (let i = 0; i < 5; i++) assert.equal((await api("GET", "/tk/v1/self", secret)).status, 200);
      req.end(ops.slice(10));
    }, 500);
  });
  const patched = await answer;
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.name, "renamed while in use");
  assert.equal(patched.body.remaining, 15);
  assert.equal((await api("GET", `/tk/v1/tokens/${meta.id}`, owner.token)).body.remaining, 15);
});

/** Waits until the start of a fixed window of `period` s has at least `need` ms left. */
async function windowWithRoom(period, need) {
  const p = period * 1000;
  const left = p - (Date.now() % p);
  if (left < need) await sleep(left + 50);
}

test("rateLimit: a burst of 2 × limit within one window → exactly limit successes, then Retry-After is honoured", async () => {
  const limit = 5;
  const period = 6;
  const { secret } = await mint({ rateLimit: { limit, periodSeconds: period } });
  await windowWithRoom(period, 4000);
  const burst = await Promise.all(Array.from({ length: 2 * limit }, () => api("GET", "/tk/v1/self", secret)));
  const ok = burst.filter((r) => r.status === 200);
  const limited = burst.filter((r) => r.status === 429);
  console.log(`# burst: ${2 * limit} requests, limit ${limit} per ${period} s → ${ok.length} ok, ${limited.length} rate_limited`);
  assert.equal(ok.length, limit);
  assert.equal(limited.length, limit);
  const retry = Math.max(...limited.map((r) => Number(r.headers.get("retry-after"))));
  for (const r of limited) {
    assert.equal(r.body.error.code, "rate_limited");
    const s = Number(r.headers.get("retry-after"));
    assert.ok(Number.isInteger(s) && s >= 1 && s <= period, `Retry-After ${s}`);
  }
  // verify says so too, with retryAfterSeconds
  const v = await verify(secret);
  assert.deepEqual([v.body.valid, v.body.code, v.body.rule], [false, "rate_limited", "rate_limit"]);
  assert.ok(v.body.retryAfterSeconds >= 1 && v.body.retryAfterSeconds <= period);
  await sleep(retry * 1000 + 100);
  const again = await api("GET", "/tk/v1/self", secret);
  assert.equal(again.status, 200, `after Retry-After ${retry} s: ${again.text}`);
});

test("rate limit and remaining together: a rate-limited use spends nothing", async () => {
  const { secret, meta } = await mint({ remaining: 100, rateLimit: { limit: 2, periodSeconds: 30 } });
  await windowWithRoom(30, 5000);
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await api("GET", "/tk/v1/self", secret)).status);
  assert.deepEqual(codes, [200, 200, 429, 429]);
  assert.equal((await api("GET", `/tk/v1/tokens/${meta.id}`, owner.token)).body.remaining, 98);
});

test("attenuation: a token may not issue or edit a child laxer than itself; omitted controls are inherited", async () => {
  const parent = await mint({ allowedIps: ["10.0.0.0/8"], remaining: 100, rateLimit: { limit: 50, periodSeconds: 60 }, notBefore: new Date(Date.now() - 1000).toISOString() });
  const as = { by: parent.secret, ip: "10.9.8.7" };
  const child = await mint({}, as);
  assert.deepEqual(child.meta.allowedIps, ["10.0.0.0/8"]);
  assert.deepEqual(child.meta.rateLimit, { limit: 50, periodSeconds: 60 });
  assert.equal(child.meta.notBefore, parent.meta.notBefore);
  assert.ok(child.meta.remaining <= 100 && child.meta.remaining >= 90, String(child.meta.remaining));
  const narrower = await mint({ allowedIps: ["10.1.0.0/16"], remaining: 5, rateLimit: { limit: 10, periodSeconds: 120 } }, as);
  assert.deepEqual(narrower.meta.allowedIps, ["10.1.0.0/16"]);
  const refused = [
    [{ allowedIps: ["10.1.0.0/16", "11.0.0.0/8"] }, "allowedIps[1]"],
    [{ allowedIps: null }, "allowedIps"],
    [{ remaining: 1000 }, "remaining"],
    [{ remaining: null }, "remaining"],
    [{ rateLimit: { limit: 51, periodSeconds: 60 } }, "rateLimit"],
    [{ rateLimit: { limit: 50, periodSeconds: 30 } }, "rateLimit"],
    [{ rateLimit: null }, "rateLimit"],
    [{ notBefore: null }, "notBefore"],
  ];
  for (const [body, field] of refused) {
    const r = await api("POST", "/tk/v1/tokens", parent.secret, { json: { name: "laxer", scope: OWNER_SCOPE, ...body }, ip: "10.9.8.7" });
    assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
    assert.deepEqual([r.body.error.code, r.body.error.field], ["conditions_not_covered", field]);
  }
  // a patch by the parent may tighten the child, not loosen it past the parent
  const patch = (ops) => api("PATCH", `/tk/v1/tokens/${narrower.meta.id}`, parent.secret, { json: ops, ip: "10.9.8.7", headers: { "content-type": "application/json-patch+json" } });
  assert.equal((await patch([{ op: "replace", path: "/rateLimit/limit", value: 3 }])).status, 200);
  const lift = await patch([{ op: "remove", path: "/allowedIps" }]);
  assert.equal(lift.status, 403, lift.text);
  assert.equal(lift.body.error.field, "allowedIps");
  const wider = await patch([{ op: "add", path: "/allowedIps/-", value: "192.0.2.0/24" }]);
  assert.deepEqual([wider.status, wider.body.error?.field], [403, "allowedIps[1]"]);
  // the parent used from elsewhere is refused before anything else
  const elsewhere = await api("POST", "/tk/v1/tokens", parent.secret, { json: { name: "x", scope: OWNER_SCOPE } , ip: "192.0.2.1" });
  assert.equal(elsewhere.status, 403);
});

test("a rotation or a LaunchDarkly reset may not hand a caller the secret of a token laxer than itself", async () => {
  const open = await mint({});
  const narrower = await mint({ allowedIps: ["10.1.0.0/16"] });
  // made last, so neither of the others outlives it (the other half of "holds")
  const fenced = await mint({ allowedIps: ["10.0.0.0/8"] });
  const as = { ip: "10.9.8.7" };
  const r = await api("POST", `/tk/v1/tokens/${open.meta.id}/rotate`, fenced.secret, { ...as, json: {} });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.body.error.code, "conditions_not_covered");
  assert.equal((await api("POST", `/tk/v1/tokens/${narrower.meta.id}/rotate`, fenced.secret, { ...as, json: {} })).status, 200);
  const reset = await http(svc.base, "POST", `/api/v2/tokens/${open.meta.id}/reset`, { headers: { authorization: fenced.secret, ...from("10.9.8.7") } });
  assert.equal(reset.status, 403, reset.text);
  assert.equal(reset.body.code, "forbidden");
});

// ---- every dialect route honours the controls, in its vendor's error shape ----

const DIALECTS = [
  ["s2", () => ["/v1/access-tokens", (t) => ({ authorization: `Bearer ${t}` })], (b) => b.code, { 403: "permission_denied", 429: "rate_limited", 401: "authn" }],
  ["akinon", () => ["/api/v1/me/tokens", (t) => ({ "x-access-token": t })], (b) => (Array.isArray(b.apiError) ? "apiError" : null), { 403: "apiError", 429: "apiError", 401: "apiError" }],
  ["launchdarkly", () => ["/api/v2/tokens", (t) => ({ authorization: t })], (b) => b.code, { 403: "forbidden", 429: "rate_limited", 401: "unauthorized" }],
  ["space", () => [`/v1/accounts/${owner.member}/accessTokens`, (t) => ({ authorization: t })], (b) => b.error?.code, { 403: "ACCESS_DENIED", 429: "TOO_MANY_REQUESTS", 401: "AUTHORIZATION_REQUIRED" }],
];

test("every dialect's routes: not yet valid → its 401, another address → its 403, no uses left or rate limited → its 429", async () => {
  const notYet = await mint({ notBefore: new Date(Date.now() + 3_600_000).toISOString() });
  const fenced = await mint({ allowedIps: ["203.0.113.0/24"] });
  for (const [name, route, codeOf, want] of DIALECTS) {
    const [path, auth] = route();
    const get = (secret, ip) => http(svc.base, "GET", path, { headers: { ...auth(secret), ...from(ip) } });
    const early = await get(notYet.secret);
    assert.equal(early.status, 401, `${name}: ${early.text}`);
    assert.equal(codeOf(early.body), want[401], `${name}: ${early.text}`);
    const inside = await get(fenced.secret, "203.0.113.5");
    // inside the blocks the request goes on to the route (whose scope check may refuse it)
    assert.doesNotMatch(inside.text, /address|not valid yet/, `${name} inside: ${inside.text}`);
    assert.notEqual(inside.status, 429, `${name} inside: ${inside.text}`);
    const outside = await http(svc.base, "GET", path, { headers: { ...auth(fenced.secret), ...from("198.51.100.7"), "x-forwarded-for": "203.0.113.5" } });
    assert.equal(outside.status, 403, `${name} outside: ${outside.text}`);
    assert.match(outside.text, /address/, `${name} outside: ${outside.text}`);
    assert.equal(codeOf(outside.body), want[403], `${name}: ${outside.text}`);
    const once = await mint({ remaining: 1 });
    assert.notEqual((await get(once.secret)).status, 429, name);
    const spent = await get(once.secret);
    assert.equal(spent.status, 429, `${name} spent: ${spent.text}`);
    assert.equal(codeOf(spent.body), want[429], `${name}: ${spent.text}`);
    const rated = await mint({ rateLimit: { limit: 1, periodSeconds: 3600 } });
    assert.notEqual((await get(rated.secret)).status, 429, name);
    const limited = await get(rated.secret);
    assert.equal(limited.status, 429, `${name} rate: ${limited.text}`);
    assert.equal(codeOf(limited.body), want[429], `${name}: ${limited.text}`);
    const retry = Number(limited.headers.get("retry-after"));
    assert.ok(retry >= 1 && retry <= 3600, `${name}: Retry-After ${retry}`);
  }
});

test("a dialect-issued token carries its issuer's controls", async () => {
  const ALL = { language: "names", scopes: null };
  const space = await newAccount(svc, "space", ALL);
  const issuer = await mint({ allowedIps: ["203.0.113.0/24"], scope: ALL }, { by: space.token });
  const path = `/v1/accounts/${space.member}/accessTokens`;
  const r = await http(svc.base, "POST", path, { headers: { authorization: issuer.secret, ...from("203.0.113.1") }, json: { ttl: 3600 } });
  assert.equal(r.status, 200, r.text);
  // Space answers the new secret as `id`: it works from inside the issuer's blocks only
  assert.equal((await http(svc.base, "GET", path, { headers: { authorization: r.body.id, ...from("203.0.113.2") } })).status, 200);
  const use = await http(svc.base, "GET", path, { headers: { authorization: r.body.id, ...from("198.51.100.1") } });
  assert.equal(use.status, 403, use.text);
  assert.equal(use.body.error.code, "ACCESS_DENIED");
});
