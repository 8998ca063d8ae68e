// Space Invoices /v1/accounts/{id}/accessTokens against a real `wrangler dev`: the requests the
// .NET SDK (SpaceInvoices 1.0.1, the only client with an access-token service) sends — raw
// `Authorization: <token>`, `{"ttl":0}` when Ttl is left unset — and every error path.
// Decisions on what Space leaves open: docs/dialects.md, "1–2. Space Invoices".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startService } from "./harness.mjs";
import { http, newAccount, newMember, tk, self, HEX24, SECRET, rotateWithGrace, OVERSIZED } from "./dialect-helpers.mjs";

let svc;
let owner; // the account owner: names scope null (LoopBack's default: full access), never expires
let shortLived; // same account, full access, 30 days
let scoped; // same account, scopes invoices:read, invoices:write
let policy; // same account, a tokenkit policy admin

const DEFAULT_TTL = 5_184_000; // 60 days, the documented "2 months"
const path = (member) => `/v1/accounts/${member.member}/accessTokens`;
const sp = (method, p, token, opts = {}) => http(svc.base, method, p, { ...opts, headers: { ...(token === undefined ? {} : { authorization: token }), ...(opts.headers ?? {}) } });
const create = (who, body, token = who.token) => sp("POST", path(who), token, { json: body });

function spaceError(r, status, code, message) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body), ["error"], r.text);
  const e = r.body.error;
  assert.equal(e.statusCode, status);
  assert.equal(e.code, code);
  assert.equal(typeof e.message, "string");
  if (message instanceof RegExp) assert.match(e.message, message);
  else if (message !== undefined) assert.equal(e.message, message);
  if (code === "VALIDATION_ERROR") {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.details.context, "AccessToken");
  } else {
    assert.deepEqual(Object.keys(e).sort(), ["code", "message", "name", "statusCode"]);
    assert.equal(e.name, "Error");
  }
  return e;
}
const AUTH_REQUIRED = "Authorization Required";

before(async () => {
  svc = await startService();
  owner = await newAccount(svc, "space account", { language: "names", scopes: null }, "never");
  shortLived = await newMember(svc, owner.account, "short", "member", { language: "names", scopes: null }, "30-days");
  scoped = await newMember(svc, owner.account, "scoped", "member", { language: "names", scopes: ["invoices:read", "invoices:write"] });
  policy = await newMember(svc, owner.account, "tokenkit admin", "admin", { language: "policy", role: "admin" });
});
after(() => svc?.cleanup());

test("create: the documented request is 200 (not 201), the secret as id, ttl in seconds from created", async () => {
  const r = await create(owner, { ttl: 15552000 });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ["created", "id", "ttl", "userId"]);
  assert.match(r.body.id, SECRET);
  assert.equal(r.headers.get("cache-control"), "no-store", "a secret is never cached");
  assert.equal(r.body.ttl, 15552000);
  assert.equal(r.body.userId, owner.member);
  assert.match(r.body.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // The launch code works, raw, with ?access_token= too, and expires ttl seconds after created.
  const me = await self(svc, r.body.id);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.dialect, "space");
  assert.equal(Date.parse(me.body.expiresAt), Date.parse(r.body.created) + 15552000 * 1000);
  assert.deepEqual(me.body.scope, { language: "names", scopes: null });
  assert.equal((await sp("GET", path(owner), r.body.id)).status, 200);
  assert.equal((await sp("GET", `${path(owner)}?access_token=${r.body.id}`)).status, 200);
});

test("create: ttl 0 (the .NET SDK's unset Ttl), a missing ttl, null and an empty body all mean the default, 60 days", async () => {
  for (const [what, opts] of [
    ["ttl 0", { json: { ttl: 0 } }],
    ["no ttl", { json: {} }],
    ["ttl null", { json: { ttl: null, scopes: null } }],
    ["empty body", { raw: "" }],
  ]) {
    const r = await sp("POST", path(owner), owner.token, opts);
    assert.equal(r.status, 200, `${what}: ${r.text}`);
    assert.equal(r.body.ttl, DEFAULT_TTL, what);
    const me = await self(svc, r.body.id);
    assert.equal(Date.parse(me.body.expiresAt), Date.parse(r.body.created) + DEFAULT_TTL * 1000, what);
  }
});

test("create: ttl -1 never expires; a caller that expires cannot issue it, nor a ttl outliving it (422); its default is shortened", async () => {
  const r = await create(owner, { ttl: -1 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.ttl, -1);
  assert.equal((await self(svc, r.body.id)).body.expiresAt, null);

  const e = spaceError(await create(shortLived, { ttl: -1 }), 422, "VALIDATION_ERROR", /ttl/);
  assert.deepEqual(e.details.codes, { ttl: ["invalid"] });
  assert.deepEqual(e.details.messages, { ttl: ["cannot be -1: the calling token expires"] });
  spaceError(await create(shortLived, { ttl: 31 * 86_400 }), 422, "VALIDATION_ERROR", /must not outlive the calling token/);
  const d = await create(shortLived, { ttl: 0 });
  assert.equal(d.status, 200, d.text);
  const left = (Date.parse(shortLived.meta.expiresAt) - Date.parse(d.body.created)) / 1000;
  assert.ok(d.body.ttl <= left && d.body.ttl > left - 5, `${d.body.ttl} vs ${left}`);
  assert.ok(Date.parse((await self(svc, d.body.id)).body.expiresAt) <= Date.parse(shortLived.meta.expiresAt));
  // A ttl within the caller's lifetime is kept.
  assert.equal((await create(shortLived, { ttl: 3600 })).body.ttl, 3600);
});

test("create: bad ttl, scopes or body are 422 ValidationError naming the field; not JSON is 400; nothing is stored", async () => {
  const count = async () => (await sp("GET", path(owner), owner.token)).body.length;
  const before = await count();
  for (const [body, field] of [
    [{ ttl: -2 }, "ttl"],
    [{ ttl: 1.5 }, "ttl"],
    [{ ttl: "3600" }, "ttl"],
    [{ ttl: 2 ** 31 }, "ttl"],
    [{ scopes: "invoices:read" }, "scopes"],
    [{ scopes: [""] }, "scopes"],
    [{ scopes: ["has space"] }, "scopes"],
    [[1, 2], "body"],
  ]) {
    const e = spaceError(await create(owner, body), 422, "VALIDATION_ERROR");
    assert.deepEqual(Object.keys(e.details.codes), [field], JSON.stringify(body));
    assert.match(e.message, new RegExp(`^The \`AccessToken\` instance is not valid. Details: \`${field}\``));
  }
  spaceError(await sp("POST", path(owner), owner.token, { raw: "{", headers: { "content-type": "application/json" } }), 400, "BAD_REQUEST");
  assert.equal(await count(), before);
});

test("create: server-set fields in the body are ignored", async () => {
  const r = await create(owner, { id: "EYPtaMp41SkR7LRat50aq2GD3iz46crmYooxwcZNHoD89yFqPRGKTwk5JYqrvoYi", userId: "5a3683ea12d5a67dd0ef2f4c", created: "2020-04-26T11:55:44.346Z", ttl: 60 });
  assert.equal(r.status, 200, r.text);
  assert.match(r.body.id, SECRET);
  assert.equal(r.body.userId, owner.member);
  assert.notEqual(r.body.created, "2020-04-26T11:55:44.346Z");
});

test("create: scopes are stored and attenuated — a scoped caller issues subsets only, never an unscoped token (401)", async () => {
  const ok = await create(scoped, { ttl: 3600, scopes: ["invoices:read"] });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.body.scopes, ["invoices:read"]);
  assert.deepEqual((await self(svc, ok.body.id)).body.scope, { language: "names", scopes: ["invoices:read"] });
  const verify = async (secret, action) => (await tk(svc, "POST", "/tk/v1/verify", owner.token, { token: secret, request: { action } })).body.valid;
  assert.equal(await verify(ok.body.id, "invoices:read"), true);
  assert.equal(await verify(ok.body.id, "invoices:write"), false);
  spaceError(await create(scoped, { ttl: 3600 }), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
  spaceError(await create(scoped, { ttl: 3600, scopes: ["invoices:read", "documents:write"] }), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
  // The full-access owner may issue any scopes, and an empty list (no access at all).
  const none = await create(owner, { ttl: 60, scopes: [] });
  assert.equal(none.status, 200, none.text);
  assert.deepEqual(none.body.scopes, []);
  assert.equal(await verify(none.body.id, "invoices:read"), false, "an empty list grants nothing");
  assert.equal(await verify(owner.token, "anything:at-all"), true, "null scopes are LoopBack's full access");
});

test("auth: raw Authorization, Bearer, X-Access-Token or ?access_token=; the header wins; anything else is 401", async () => {
  const p = path(owner);
  for (const headers of [{ authorization: owner.token }, { authorization: `Bearer ${owner.token}` }, { "x-access-token": owner.token }]) {
    assert.equal((await http(svc.base, "GET", p, { headers })).status, 200, JSON.stringify(Object.keys(headers)));
  }
  assert.equal((await http(svc.base, "GET", `${p}?access_token=${owner.token}`)).status, 200);
  // The header wins over the query: a bad header with a good query is refused.
  spaceError(await http(svc.base, "GET", `${p}?access_token=${owner.token}`, { headers: { authorization: "tk_bogus" } }), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
  for (const [method, q] of [["GET", ""], ["POST", ""], ["DELETE", `/${"a".repeat(24)}`]]) {
    for (const headers of [{}, { authorization: "" }, { authorization: "EYPtaMp41SkR7LRat50aq2GD3iz46crmYooxwcZNHoD89yFqPRGKTwk5JYqrvoYi" }]) {
      spaceError(await http(svc.base, method, p + q, { headers, json: method === "POST" ? { ttl: 60 } : undefined }), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
    }
  }
  // A valid token in another scope language gets LoopBack's ACL answer, 401.
  for (const [method, q] of [["GET", ""], ["POST", ""], ["DELETE", `/${owner.tokenId}`]]) {
    spaceError(await sp(method, path(policy) + q, policy.token, { json: method === "POST" ? {} : undefined }), 401, "AUTHORIZATION_REQUIRED");
  }
  assert.equal((await self(svc, owner.token)).status, 200);
});

test("only the account's own tokens: another account's path is 401 on every route", async () => {
  const other = await newAccount(svc, "other space account", { language: "names", scopes: null }, "never");
  for (const target of [shortLived, other]) {
    spaceError(await sp("GET", path(target), owner.token), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
    spaceError(await sp("POST", path(target), owner.token, { json: { ttl: 60 } }), 401, "AUTHORIZATION_REQUIRED");
    spaceError(await sp("DELETE", `${path(target)}/${target.tokenId}`, owner.token), 401, "AUTHORIZATION_REQUIRED");
    assert.equal((await self(svc, target.token)).status, 200, "nothing was deleted");
  }
  spaceError(await sp("GET", "/v1/accounts/nobody/accessTokens", owner.token), 401, "AUTHORIZATION_REQUIRED");
});

test("list: a JSON array of the caller's own tokens, oldest first, with public ids (never secrets)", async () => {
  const a = (await create(shortLived, { ttl: 120 })).body;
  const b = (await create(shortLived, { ttl: 240, scopes: ["x"] })).body;
  const r = await sp("GET", path(shortLived), shortLived.token);
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.body));
  assert.ok(r.body.every((t) => t.userId === shortLived.member));
  assert.ok(r.body.every((t) => HEX24.test(t.id)), "public ids");
  assert.ok(!r.text.includes(a.id) && !r.text.includes(b.id) && !r.text.includes(shortLived.token), "no secret is listed");
  assert.equal(r.body[0].id, shortLived.tokenId);
  assert.deepEqual(r.body.at(-2), { id: r.body.at(-2).id, ttl: 120, created: a.created, userId: shortLived.member });
  assert.deepEqual(r.body.at(-1), { id: r.body.at(-1).id, ttl: 240, scopes: ["x"], created: b.created, userId: shortLived.member });
  // LoopBack's `filter` (the SDK's List(accountId, filter)) is not interpreted: the list is the same.
  const filtered = await sp("GET", `${path(shortLived)}?filter=${encodeURIComponent(JSON.stringify({ limit: 1, order: "created DESC" }))}`, shortLived.token);
  assert.deepEqual(filtered.body, r.body);
  const times = r.body.map((t) => Date.parse(t.created));
  assert.deepEqual(times, [...times].sort((x, y) => x - y));
  // The member's first token (tokenkit's admin API, no Space ttl) shows its ttl from its expiry.
  const first = r.body[0];
  assert.equal(first.ttl, Math.floor((Date.parse(shortLived.meta.expiresAt) - Date.parse(first.created)) / 1000));
  // The owner's list holds none of the member's.
  const mine = (await sp("GET", path(owner), owner.token)).body;
  assert.ok(mine.every((t) => t.userId === owner.member));
  assert.ok(!mine.some((t) => t.id === r.body.at(-1).id));
  assert.ok(!mine.some((t) => t.id === policy.tokenId));
});

test("delete: 204 by public id or by the launch code itself; the code stops working; unknown and others' are 404", async () => {
  const a = (await create(owner, { ttl: 600 })).body;
  const b = (await create(owner, { ttl: 600 })).body;
  const listed = (await sp("GET", path(owner), owner.token)).body;
  const aId = listed.at(-2).id;
  const d = await sp("DELETE", `${path(owner)}/${aId}`, owner.token);
  assert.equal(d.status, 204, d.text);
  assert.equal(d.text, "");
  assert.equal((await self(svc, a.id)).status, 401);
  const byCode = await sp("DELETE", `${path(owner)}/${encodeURIComponent(b.id)}`, owner.token);
  assert.equal(byCode.status, 204, byCode.text);
  assert.equal((await self(svc, b.id)).status, 401);
  assert.ok(!(await sp("GET", path(owner), owner.token)).body.some((t) => t.id === aId));

  const e = spaceError(await sp("DELETE", `${path(owner)}/${aId}`, owner.token), 404, "MODEL_NOT_FOUND");
  assert.ok(!e.message.includes(aId));
  const probe = "tk_" + "A".repeat(36);
  assert.ok(!spaceError(await sp("DELETE", `${path(owner)}/${probe}`, owner.token), 404, "MODEL_NOT_FOUND").message.includes(probe), "never echo what may be a secret");
  // Another member's token (by id or by code), and a token in another language, are the same 404.
  const theirs = (await create(shortLived, { ttl: 600 })).body;
  spaceError(await sp("DELETE", `${path(owner)}/${theirs.id}`, owner.token), 404, "MODEL_NOT_FOUND");
  spaceError(await sp("DELETE", `${path(owner)}/${shortLived.tokenId}`, owner.token), 404, "MODEL_NOT_FOUND");
  spaceError(await sp("DELETE", `${path(owner)}/${policy.tokenId}`, owner.token), 404, "MODEL_NOT_FOUND");
  assert.equal((await self(svc, theirs.id)).status, 200);
  assert.equal((await self(svc, policy.token)).status, 200);
  spaceError(await sp("DELETE", `${path(owner)}/%zz`, owner.token), 400, "BAD_REQUEST");
});

test("tokenkit's own API sees a Space token in the names language, and a Space token may delete itself", async () => {
  const r = (await create(scoped, { ttl: 3600, scopes: ["invoices:write"] })).body;
  const id = (await sp("GET", path(scoped), scoped.token)).body.at(-1).id;
  const g = await tk(svc, "GET", `/tk/v1/tokens/${id}`, policy.token);
  assert.equal(g.status, 200, g.text);
  assert.equal(g.body.dialect, "space");
  assert.equal(g.body.ownerId, scoped.member);
  assert.deepEqual(g.body.scope, { language: "names", scopes: ["invoices:write"] });
  assert.equal(g.body.createdAt, r.created);
  assert.equal(Date.parse(g.body.expiresAt), Date.parse(r.created) + 3600_000);
  assert.ok(g.body.hint.endsWith(r.id.slice(-4)));
  assert.ok(!g.text.includes(r.id));
  // Space tokens have no name; tokenkit's API (and the dashboard) can still edit them.
  assert.equal(g.body.name, "");
  const p = await http(svc.base, "PATCH", `/tk/v1/tokens/${id}`, { headers: { authorization: `Bearer ${policy.token}`, "content-type": "application/json-patch+json" }, raw: JSON.stringify([{ op: "add", path: "/description", value: "billing export" }]) });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.description, "billing export");
  assert.equal((await sp("GET", path(scoped), scoped.token)).body.at(-1).ttl, 3600, "the Space fields survive the edit");
  const d = await sp("DELETE", `${path(scoped)}/${id}`, r.id);
  assert.equal(d.status, 204, d.text);
  assert.equal((await tk(svc, "GET", `/tk/v1/tokens/${id}`, policy.token)).status, 404);
});

test("Space's shape for the rest: 405 with Allow, 413 for an oversized body, 401 for a secret in its rotation grace", async () => {
  for (const [method, p, allow] of [["PUT", path(owner), "GET, POST"], ["GET", `${path(owner)}/${owner.tokenId}`, "DELETE"]]) {
    const r = await sp(method, p, owner.token);
    spaceError(r, 405, "BAD_REQUEST", new RegExp(`^${method} is not allowed`));
    assert.equal(r.headers.get("allow"), allow);
  }
  spaceError(await sp("POST", path(owner), owner.token, { raw: OVERSIZED, headers: { "content-type": "application/json" } }), 413, "BAD_REQUEST", /over 65536 bytes/);
  spaceError(await sp("POST", path(owner), owner.token, { raw: Buffer.from([0x7b, 0xff, 0x7d]), headers: { "content-type": "application/json" } }), 400, "BAD_REQUEST", /UTF-8/);
  const m = await newMember(svc, owner.account, "rotator", "member", { language: "names", scopes: null }, "never");
  const fresh = await rotateWithGrace(svc, m.token);
  assert.equal((await sp("GET", path(m), m.token)).status, 200, "the old secret still reads during its grace");
  spaceError(await create(m, { ttl: 60 }), 401, "AUTHORIZATION_REQUIRED", AUTH_REQUIRED);
  assert.equal((await create(m, { ttl: 60 }, fresh)).status, 200);
});
