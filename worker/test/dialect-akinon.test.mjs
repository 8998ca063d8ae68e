// Akinon AppMaker /api/v1/me/tokens against a real `wrangler dev`: the documented requests
// (seed 002, OpenAPI fragments) with both auth styles, and every error path.
// Decisions on what Akinon leaves open: docs/dialects.md, "6. Akinon AppMaker".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startService } from "./harness.mjs";
import { http, newAccount, newMember, tk, self, HEX24, SECRET, addMonths, rotateWithGrace, OVERSIZED } from "./dialect-helpers.mjs";

let svc;
let owner; // privileges product:read, product:write, order:*
let member; // privileges product:read, short-lived
let admin; // a tokenkit (policy) admin of the same account
let orgCreatedAt;
let outlivesId; // the member's token made by "create: expiresOn never passes…"

const PATH = "/api/v1/me/tokens";
const ak = (method, path, token, opts = {}) =>
  http(svc.base, method, path, { ...opts, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(opts.headers ?? {}) } });
const create = (token, body) => ak("POST", PATH, token, { json: body });
const TOKEN_KEYS = ["_id", "createdAt", "expiresOn", "name", "organizationId", "privileges", "token", "updatedAt", "userId"];

function apiError(r, status, message) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body), ["apiError"], r.text);
  assert.equal(r.body.apiError.length, 1);
  if (message instanceof RegExp) assert.match(r.body.apiError[0], message);
  else if (message !== undefined) assert.equal(r.body.apiError[0], message);
}

function validation(r, fields) {
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.body.apiError, []);
  assert.deepEqual(Object.keys(r.body.validationError).sort(), Object.keys(fields).sort(), r.text);
  for (const [f, m] of Object.entries(fields)) {
    if (m instanceof RegExp) assert.match(r.body.validationError[f], m, f);
    else assert.equal(r.body.validationError[f], m, f);
  }
}

before(async () => {
  svc = await startService();
  owner = await newAccount(svc, "Acme Store", { language: "privileges", privileges: ["product:read", "product:write", "order:*"] }, "one-year");
  orgCreatedAt = owner.createdAt;
  member = await newMember(svc, owner.account, "member", "member", { language: "privileges", privileges: ["product:read"] }, "7-days");
  admin = await newMember(svc, owner.account, "tokenkit admin", "admin", { language: "policy", role: "admin" });
});
after(() => svc?.cleanup());

test("create: the documented request is 201 with the full token, once; expiresOn = createdAt + lifetime", async () => {
  const r = await create(owner.token, { name: "CI token", lifetime: "one-month", privileges: ["product:read"] });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), TOKEN_KEYS);
  const t = r.body;
  assert.match(t._id, HEX24);
  assert.equal(t.name, "CI token");
  assert.match(t.token, SECRET);
  assert.equal(r.headers.get("cache-control"), "no-store", "a secret is never cached");
  assert.deepEqual(t.privileges, ["product:read"]);
  assert.equal(t.userId, owner.member);
  assert.equal(t.organizationId, owner.account);
  assert.match(t.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(t.updatedAt, t.createdAt);
  assert.equal(t.expiresOn, new Date(addMonths(Date.parse(t.createdAt), 1)).toISOString());
  // The token is a working credential with exactly the privileges asked for.
  const me = await self(svc, t.token);
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.body.scope, { language: "privileges", privileges: ["product:read"] });
  assert.equal(me.body.dialect, "akinon");
  // Listed afterwards, it is masked: never the full value again.
  const l = await ak("GET", PATH, owner.token);
  const item = l.body.find((x) => x._id === t._id);
  assert.equal(item.token, `********${t.token.slice(-4)}`);
  assert.ok(!l.text.includes(t.token));
});

test("create: every lifetime of the enum, in calendar units (a week is 7 days)", async () => {
  const want = { "one-week": (c) => c + 7 * 86_400_000, "one-month": (c) => addMonths(c, 1), "three-months": (c) => addMonths(c, 3), "six-months": (c) => addMonths(c, 6) };
  for (const [lifetime, f] of Object.entries(want)) {
    const r = await create(owner.token, { name: `life ${lifetime}`, lifetime });
    assert.equal(r.status, 201, r.text);
    assert.equal(Date.parse(r.body.expiresOn), f(Date.parse(r.body.createdAt)), lifetime);
    assert.deepEqual(r.body.privileges, [], "privileges omitted means none");
  }
  // one-year outlives the owner's own one-year token by the milliseconds between the two: capped.
  const y = await create(owner.token, { name: "a year", lifetime: "one-year" });
  assert.equal(y.status, 201, y.text);
  assert.equal(Date.parse(y.body.expiresOn), Date.parse(owner.meta.expiresAt));
});

test("create: expiresOn never passes the caller's own expiry", async () => {
  const r = await create(member.token, { name: "outlives?", lifetime: "one-year", privileges: ["product:read"] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.expiresOn, member.meta.expiresAt);
  outlivesId = r.body._id;
});

test("create: privileges are validated against the caller's — a member cannot grant what it lacks", async () => {
  const lacks = await create(member.token, { name: "escalate", lifetime: "one-week", privileges: ["product:read", "product:write"] });
  validation(lacks, { privileges: '"privileges" contains privileges you do not have: product:write' });
  // A held domain wildcard grants each action of the domain, but not the wildcard *:*.
  const ok = await create(owner.token, { name: "orders", lifetime: "one-week", privileges: ["order:create", "order:*", "order:create"] });
  assert.equal(ok.status, 201, ok.text);
  assert.deepEqual(ok.body.privileges, ["order:create", "order:*"], "duplicates dropped, order kept");
  validation(await create(owner.token, { name: "all", lifetime: "one-week", privileges: ["*:*"] }), { privileges: /do not have: \*:\*/ });
  validation(await create(owner.token, { name: "bad", lifetime: "one-week", privileges: ["product"] }), { privileges: '"privileges[0]" must be a string formatted as <domain>:<action>' });
  // Nothing was stored for the refused requests.
  const names = (await ak("GET", PATH, member.token)).body.map((t) => t.name);
  assert.ok(!names.includes("escalate"));
});

test("create: validationError names every bad field", async () => {
  validation(await create(owner.token, {}), { name: '"name" is required', lifetime: '"lifetime" is required' });
  validation(await create(owner.token, { name: "", lifetime: "two-weeks", privileges: "product:read", extra: 1 }), {
    name: '"name" is not allowed to be empty',
    lifetime: '"lifetime" must be one of [one-week, one-month, three-months, six-months, one-year]',
    privileges: '"privileges" must be an array',
    extra: '"extra" is not allowed',
  });
  validation(await create(owner.token, { name: "x".repeat(257), lifetime: 7 }), {
    name: '"name" length must be less than or equal to 256 characters long',
    lifetime: /must be one of/,
  });
  // Not JSON, or not an object: 400 with an apiError message and an empty validationError.
  for (const raw of ["{", "[]", '"text"']) {
    const r = await ak("POST", PATH, owner.token, { raw, headers: { "content-type": "application/json" } });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body.validationError, {});
    assert.equal(r.body.apiError.length, 1);
  }
});

test("list: own tokens only, oldest first, masked, each with the organization", async () => {
  const mine = await create(member.token, { name: "member's", lifetime: "one-week", privileges: ["product:read"] });
  assert.equal(mine.status, 201, mine.text);
  const l = await ak("GET", PATH, member.token);
  assert.equal(l.status, 200, l.text);
  assert.ok(Array.isArray(l.body));
  assert.ok(l.body.every((t) => t.userId === member.member), "only the caller's own tokens");
  // The member's first token (issued by tokenkit's admin API, in Akinon's language) is its own too.
  assert.deepEqual(l.body.map((t) => t._id), [member.tokenId, outlivesId, mine.body._id]);
  const item = l.body.at(-1);
  assert.deepEqual(Object.keys(item).sort(), [...TOKEN_KEYS, "organization"].sort());
  assert.equal(item.token, `********${mine.body.token.slice(-4)}`);
  assert.deepEqual(item.organization, {
    _id: owner.account,
    name: "Acme Store",
    slug: "acme-store",
    description: "Acme Store",
    owner: owner.member,
    isExecutive: false,
    status: 1,
    privileges: ["product:read"],
    createdAt: orgCreatedAt,
    updatedAt: orgCreatedAt,
  });
  const times = l.body.map((t) => Date.parse(t.createdAt));
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  // The owner sees its own, not the member's.
  const o = await ak("GET", PATH, owner.token);
  assert.ok(o.body.length >= 6);
  assert.ok(o.body.every((t) => t.userId === owner.member));
  assert.ok(!o.body.some((t) => t._id === mine.body._id));
});

test("auth: Authorization: Bearer or x-access-token; anything else is 401 {apiError}", async () => {
  const viaHeader = await http(svc.base, "GET", PATH, { headers: { "x-access-token": member.token } });
  assert.equal(viaHeader.status, 200, viaHeader.text);
  const made = await http(svc.base, "POST", PATH, { headers: { "x-access-token": member.token }, json: { name: "via x-access-token", lifetime: "one-week" } });
  assert.equal(made.status, 201, made.text);
  const del = await http(svc.base, "DELETE", `${PATH}/${made.body._id}`, { headers: { "x-access-token": member.token } });
  assert.equal(del.status, 204, del.text);
  for (const headers of [{}, { authorization: member.token }, { authorization: "Bearer tk_forged" }, { "x-access-token": "nope" }]) {
    for (const [method, path, json] of [["GET", PATH], ["POST", PATH, { name: "n", lifetime: "one-week" }], ["DELETE", `${PATH}/${"a".repeat(24)}`]]) {
      const r = await http(svc.base, method, path, { headers, json });
      assert.equal(r.status, 401, `${method} ${JSON.stringify(headers)} ${r.text}`);
      assert.deepEqual(r.body, { apiError: ["Unauthorized"] });
    }
  }
});

test("auth: a valid token that is not a privileges token is 403 {apiError} on every route", async () => {
  apiError(await ak("GET", PATH, admin.token), 403, /not in the privileges language/);
  apiError(await ak("POST", PATH, admin.token, { json: { name: "n", lifetime: "one-week" } }), 403);
  apiError(await ak("DELETE", `${PATH}/${member.tokenId}`, admin.token), 403);
  // …but a universal one (the root token) speaks every dialect (issue #20, first run).
  assert.equal((await ak("GET", PATH, svc.root.token)).status, 200);
  assert.equal((await self(svc, member.token)).status, 200, "the refused DELETE changed nothing");
});

test("delete: 204 for an own token (any hex case); the secret stops working; it leaves the list", async () => {
  const r = await create(owner.token, { name: "to delete", lifetime: "one-week" });
  assert.equal((await self(svc, r.body.token)).status, 200);
  const d = await ak("DELETE", `${PATH}/${r.body._id.toUpperCase()}`, owner.token);
  assert.equal(d.status, 204, d.text);
  assert.equal(d.text, "");
  assert.equal((await self(svc, r.body.token)).status, 401);
  assert.ok(!(await ak("GET", PATH, owner.token)).body.some((t) => t._id === r.body._id));
  apiError(await ak("DELETE", `${PATH}/${r.body._id}`, owner.token), 404, "Token not found");
});

test("delete: unknown, another member's and another language's ids are the same 404; a malformed id is 400", async () => {
  apiError(await ak("DELETE", `${PATH}/${"0".repeat(24)}`, owner.token), 404, "Token not found");
  const theirs = await create(member.token, { name: "member keeps", lifetime: "one-week" });
  apiError(await ak("DELETE", `${PATH}/${theirs.body._id}`, owner.token), 404, "Token not found");
  assert.equal((await self(svc, theirs.body.token)).status, 200);
  // A policy token of the owner's own member… does not exist; the admin's policy token is another member's.
  const own = await tk(svc, "POST", "/tk/v1/tokens", admin.token, { name: "policy", scope: { language: "policy", role: "reader" } });
  assert.equal(own.status, 201, own.text);
  apiError(await ak("DELETE", `${PATH}/${own.body.token.id}`, owner.token), 404, "Token not found");
  for (const bad of ["123", "z".repeat(24), "a".repeat(25), "%20"]) {
    const r = await ak("DELETE", `${PATH}/${bad}`, owner.token);
    apiError(r, 400, /fails to match the required pattern/);
  }
});

test("tokenkit's own API sees an Akinon token in the privileges language", async () => {
  const r = await create(owner.token, { name: "visible", lifetime: "three-months", privileges: ["order:read"] });
  const g = await tk(svc, "GET", `/tk/v1/tokens/${r.body._id}`, admin.token);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.body.dialect, "akinon");
  assert.equal(g.body.name, "visible");
  assert.equal(g.body.ownerId, owner.member);
  assert.deepEqual(g.body.scope, { language: "privileges", privileges: ["order:read"] });
  assert.equal(g.body.expiresAt, r.body.expiresOn);
  assert.equal(g.body.createdAt, r.body.createdAt);
  assert.ok(g.body.hint.endsWith(r.body.token.slice(-4)));
  assert.ok(!g.text.includes(r.body.token));
  // Revoked through tokenkit's API, it is gone from Akinon's list.
  assert.equal((await tk(svc, "DELETE", `/tk/v1/tokens/${r.body._id}`, admin.token)).status, 204);
  assert.ok(!(await ak("GET", PATH, owner.token)).body.some((t) => t._id === r.body._id));
});

test("Akinon's shape for the rest: 405 with Allow, 413 for an oversized body, 403 for a secret in its rotation grace", async () => {
  for (const [method, p, allow] of [["PUT", PATH, "GET, POST"], ["GET", `${PATH}/${"a".repeat(24)}`, "DELETE"]]) {
    const r = await ak(method, p, owner.token);
    apiError(r, 405, new RegExp(`^${method} is not allowed`));
    assert.equal(r.headers.get("allow"), allow);
  }
  // The rest of /api/v1/ is Akinon's namespace: its 404 shape.
  apiError(await ak("GET", "/api/v1/me/profile", owner.token), 404, "Not found");
  const big = await ak("POST", PATH, owner.token, { raw: OVERSIZED, headers: { "content-type": "application/json" } });
  const notUtf8 = await ak("POST", PATH, owner.token, { raw: Buffer.from([0x7b, 0xff, 0x7d]), headers: { "content-type": "application/json" } });
  assert.equal(notUtf8.status, 400, notUtf8.text);
  assert.match(notUtf8.body.apiError[0], /UTF-8/);
  assert.equal(big.status, 413, big.text);
  assert.deepEqual(big.body, { validationError: {}, apiError: ["request body is over 65536 bytes"] });
  const m = await newMember(svc, owner.account, "rotator", "member", { language: "privileges", privileges: ["product:read"] });
  const fresh = await rotateWithGrace(svc, m.token);
  assert.equal((await ak("GET", PATH, m.token)).status, 200, "the old secret still reads during its grace");
  apiError(await create(m.token, { name: "from grace", lifetime: "one-week" }), 403, /grace/);
  assert.equal((await create(fresh, { name: "from the new secret", lifetime: "one-week" })).status, 201);
});

test("privileges mean what they say: an empty list grants nothing, a domain wildcard each action (tokenkit's verify)", async () => {
  const verify = async (secret, action) => {
    const v = await tk(svc, "POST", "/tk/v1/verify", admin.token, { token: secret, request: { action } });
    assert.equal(v.status, 200, v.text);
    return v.body.valid;
  };
  const none = await create(owner.token, { name: "nothing", lifetime: "one-week", privileges: [] });
  assert.equal(none.status, 201, none.text);
  assert.deepEqual(none.body.privileges, []);
  assert.equal(await verify(none.body.token, "product:read"), false);
  assert.equal((await ak("GET", PATH, none.body.token)).status, 200, "it still authenticates");
  const orders = await create(owner.token, { name: "orders", lifetime: "one-week", privileges: ["order:*", "product:read"] });
  assert.equal(await verify(orders.body.token, "order:refund"), true);
  assert.equal(await verify(orders.body.token, "product:read"), true);
  assert.equal(await verify(orders.body.token, "product:write"), false);
});
