// LaunchDarkly REST API v2 /api/v2/tokens against a real `wrangler dev`: the requests the
// vendor's client (launchdarkly-api-typescript 17.2.0) was recorded sending — raw
// `Authorization: <key>`, the reset with an empty form-urlencoded body — and every error path.
// Decisions on what LaunchDarkly leaves open: docs/dialects.md, "7. LaunchDarkly".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startService } from "./harness.mjs";
import { http, newAccount, newMember, tk, self, HEX24, SECRET, OVERSIZED } from "./dialect-helpers.mjs";

let svc;
let owner; // the account owner: policy role owner (an LD admin)
let writer; // a member with the built-in writer role
let reader; // a member with the built-in reader role
let custom; // a member with custom roles devs, ops
let privileged; // a member whose token is in Akinon's privileges language

const ld = (method, path, key, opts = {}) => http(svc.base, method, path, { ...opts, headers: { ...(key === undefined ? {} : { authorization: key }), ...(opts.headers ?? {}) } });
const create = (key, body) => ld("POST", "/api/v2/tokens", key, { json: body });
const get = (key, id) => ld("GET", `/api/v2/tokens/${id}`, key);
const patch = (key, id, body) => ld("PATCH", `/api/v2/tokens/${id}`, key, { json: body });
const reset = (key, id, query = "") =>
  ld("POST", `/api/v2/tokens/${id}/reset${query}`, key, { raw: "", headers: { "content-type": "application/x-www-form-urlencoded" } });
const TOKEN_KEYS = ["_id", "_links", "creationDate", "lastModified", "memberId", "name", "ownerId", "role", "serviceToken", "token"];

function ldError(r, status, code, message) {
  assert.equal(r.status, status, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ["code", "message"], r.text);
  assert.equal(r.body.code, code, r.text);
  if (message instanceof RegExp) assert.match(r.body.message, message);
  else if (message !== undefined) assert.equal(r.body.message, message);
}
const FORBIDDEN = "Forbidden. Access to the requested resource was denied.";
const NOT_FOUND = "Invalid resource identifier";

before(async () => {
  svc = await startService();
  owner = await newAccount(svc, "ld account", { language: "policy", role: "owner" }, "never");
  writer = await newMember(svc, owner.account, "writer", "member", { language: "policy", role: "writer" });
  reader = await newMember(svc, owner.account, "reader", "member", { language: "policy", role: "reader" });
  custom = await newMember(svc, owner.account, "custom", "member", { language: "policy", customRoleIds: ["devs", "ops"] });
  // Not universal: a universal token of any language speaks every dialect (issue #20).
  privileged = await newMember(svc, owner.account, "akinon-ish", "member", { language: "privileges", privileges: ["orders:*"] });
});
after(() => svc?.cleanup());

test("create: the client's recorded request is 201 with the whole secret; get shows only the last four", async () => {
  const r = await create(owner.token, { name: "n", role: "reader", serviceToken: false, defaultApiVersion: 20220603 });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), [...TOKEN_KEYS, "defaultApiVersion"].sort());
  const t = r.body;
  assert.match(t._id, HEX24);
  assert.equal(t.ownerId, owner.account);
  assert.equal(t.memberId, owner.member);
  assert.equal(t.name, "n");
  assert.equal(t.role, "reader");
  assert.equal(t.serviceToken, false);
  assert.equal(t.defaultApiVersion, 20220603);
  assert.equal(typeof t.creationDate, "number");
  assert.equal(t.lastModified, t.creationDate);
  assert.ok(Math.abs(t.creationDate - Date.now()) < 60_000);
  assert.match(t.token, SECRET);
  assert.equal(r.headers.get("cache-control"), "no-store");
  assert.deepEqual(t._links, { parent: { href: "/api/v2/tokens", type: "application/json" }, self: { href: `/api/v2/tokens/${t._id}`, type: "application/json" } });

  const g = await get(owner.token, t._id);
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.body, { ...t, token: t.token.slice(-4) });
  // The new key works, raw, and sees its own token.
  // v5's 409 on create is never produced: ids are the server's, so the same request again is another token.
  const again = await create(owner.token, { name: "n", role: "reader", serviceToken: false, defaultApiVersion: 20220603 });
  assert.equal(again.status, 201, again.text);
  assert.notEqual(again.body._id, t._id);
  const own = await get(t.token, t._id);
  assert.equal(own.status, 200, own.text);
  assert.equal(own.body.token, t.token.slice(-4));
});

test("create: an empty body is a reader token with no name; role/customRoleIds/inlineRole map to the policy scope", async () => {
  const empty = await create(owner.token, {});
  assert.equal(empty.status, 201, empty.text);
  assert.equal(empty.body.role, "reader");
  assert.equal(empty.body.name, "");
  assert.equal(empty.body.serviceToken, false);
  assert.ok(!("defaultApiVersion" in empty.body));
  // tokenkit's API (and the dashboard) can edit a token with no name, and LaunchDarkly sees it.
  const edit = await http(svc.base, "PATCH", `/tk/v1/tokens/${empty.body._id}`, {
    headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json-patch+json" },
    raw: JSON.stringify([{ op: "add", path: "/description", value: "edited by tokenkit" }]),
  });
  assert.equal(edit.status, 200, edit.text);
  const after = (await get(owner.token, empty.body._id)).body;
  assert.equal(after.description, "edited by tokenkit");
  assert.equal(after.name, "");
  assert.equal(after.role, "reader");

  const inlineRole = [{ effect: "allow", resources: ["proj/*:env/production:flag/*"], actions: ["updateOn"] }, { effect: "deny", notResources: ["proj/*"], notActions: ["*"] }];
  const inl = await create(owner.token, { name: "inline", description: "d", inlineRole, serviceToken: true });
  assert.equal(inl.status, 201, inl.text);
  assert.deepEqual(inl.body.inlineRole, inlineRole);
  assert.ok(!("role" in inl.body) && !("customRoleIds" in inl.body));
  assert.equal(inl.body.description, "d");
  assert.equal(inl.body.serviceToken, true);
  const seen = await tk(svc, "GET", `/tk/v1/tokens/${inl.body._id}`, owner.token);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.body.dialect, "launchdarkly");
  assert.deepEqual(seen.body.scope, { language: "policy", role: null, customRoleIds: [], inlineRole });
  // The statements mean what LaunchDarkly says: allow, and a deny that overrides it.
  const verify = async (action, resource) => (await tk(svc, "POST", "/tk/v1/verify", owner.token, { token: inl.body.token, request: { action, resource } })).body.valid;
  assert.equal(await verify("updateOn", "proj/mobile:env/production:flag/new-ui"), true);
  assert.equal(await verify("updateOn", "proj/mobile:env/staging:flag/new-ui"), false);
  assert.equal(await verify("deleteFlag", "proj/mobile:env/production:flag/new-ui"), false);

  const cr = await create(custom.token, { name: "subset", customRoleIds: ["devs"] });
  assert.equal(cr.status, 201, cr.text);
  assert.deepEqual(cr.body.customRoleIds, ["devs"]);
  assert.equal((await tk(svc, "GET", `/tk/v1/tokens/${cr.body._id}`, owner.token)).body.scope.customRoleIds[0], "devs");
});

test("create: bad bodies are 400 invalid_request naming the problem; nothing is stored", async () => {
  const before = (await ld("GET", "/api/v2/tokens?showAll=true&limit=1000", owner.token)).body.totalCount;
  const cases = [
    [{ role: "reader", customRoleIds: ["devs"] }, /only one of role, customRoleIds or inlineRole/],
    [{ role: "owner" }, /owner role cannot be given/],
    [{ role: "superuser" }, /role must be one of/],
    [{ inlineRole: [{ resources: ["proj/*"], actions: ["*"] }] }, /effect/],
    [{ inlineRole: [{ effect: "allow", resources: ["a"], notResources: ["b"], actions: ["*"] }] }, /exactly one of resources or notResources/],
    [{ inlineRole: [{ effect: "allow", resources: ["a"], actions: [] }] }, /must not be empty/],
    [{ inlineRole: [{ effect: "allow", resources: ["a"], actions: ["*"], when: 1 }] }, /unknown field/],
    [{ inline_role: [] }, /unknown field inline_role/],
    [{ defaultApiVersion: 123 }, /defaultApiVersion/],
    [{ serviceToken: "yes" }, /serviceToken must be a boolean/],
    [{ name: 5 }, /name must be a string/],
  ];
  for (const [body, message] of cases) ldError(await create(owner.token, body), 400, "invalid_request", message);
  for (const raw of ["{", "[]", "null"]) ldError(await ld("POST", "/api/v2/tokens", owner.token, { raw, headers: { "content-type": "application/json" } }), 400, "invalid_request");
  assert.equal((await ld("GET", "/api/v2/tokens?showAll=true&limit=1000", owner.token)).body.totalCount, before);
});

test("create: a caller can only grant what it holds (403 forbidden)", async () => {
  ldError(await create(writer.token, { role: "admin" }), 403, "forbidden", FORBIDDEN);
  ldError(await create(reader.token, { role: "writer" }), 403, "forbidden", FORBIDDEN);
  ldError(await create(writer.token, { customRoleIds: ["devs"] }), 403, "forbidden", FORBIDDEN);
  ldError(await create(custom.token, { customRoleIds: ["devs", "admins"] }), 403, "forbidden", FORBIDDEN);
  ldError(await create(custom.token, { role: "reader" }), 403, "forbidden", FORBIDDEN);
  assert.equal((await create(writer.token, { role: "writer" })).status, 201);
  assert.equal((await create(reader.token, { role: "reader" })).status, 201);
  // A token in another scope language is not a LaunchDarkly caller.
  ldError(await create(privileged.token, { role: "reader" }), 403, "forbidden", FORBIDDEN);
  ldError(await ld("GET", "/api/v2/tokens", privileged.token), 403, "forbidden");
});

test("auth: the raw key only; Bearer, none, a forged or revoked key are 401 unauthorized", async () => {
  for (const headers of [{}, { authorization: `Bearer ${owner.token}` }, { authorization: "api-key-xyz" }, { "x-access-token": owner.token }]) {
    for (const [method, path] of [["GET", "/api/v2/tokens"], ["POST", "/api/v2/tokens"], ["GET", `/api/v2/tokens/${owner.tokenId}`], ["DELETE", `/api/v2/tokens/${owner.tokenId}`]]) {
      const r = await http(svc.base, method, path, { headers, json: method === "POST" ? {} : undefined });
      ldError(r, 401, "unauthorized", "Invalid access token");
    }
  }
  const t = (await create(writer.token, { name: "short-lived" })).body;
  assert.equal((await ld("DELETE", `/api/v2/tokens/${t._id}`, writer.token)).status, 204);
  ldError(await ld("GET", "/api/v2/tokens", t.token), 401, "unauthorized");
});

test("list: the caller's own tokens, oldest first; limit/offset page with totalCount and _links; the client's recorded query", async () => {
  const mine = [];
  for (let i = 0; i < 5; i++) mine.push((await create(writer.token, { name: `page ${i}` })).body._id);
  const all = await ld("GET", "/api/v2/tokens", writer.token);
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(Object.keys(all.body).sort(), ["_links", "items", "totalCount"]);
  assert.ok(all.body.items.every((t) => t.memberId === writer.member), "only the caller's own");
  const ids = all.body.items.map((t) => t._id);
  assert.deepEqual(ids.slice(-5), mine);
  assert.equal(ids[0], writer.tokenId, "the writer's first token is a policy token, so it is LaunchDarkly's too");
  assert.equal(all.body.totalCount, ids.length);
  assert.ok(all.body.items.every((t) => /^[A-Za-z0-9]{4}$/.test(t.token)), "only the last four characters");
  assert.deepEqual(all.body._links, { self: { href: "/api/v2/tokens?limit=25&offset=0", type: "application/json" } });

  const n = ids.length;
  const p = await ld("GET", "/api/v2/tokens?limit=2&offset=2", writer.token);
  assert.deepEqual(p.body.items.map((t) => t._id), ids.slice(2, 4));
  assert.equal(p.body.totalCount, n);
  assert.deepEqual(p.body._links, {
    self: { href: "/api/v2/tokens?limit=2&offset=2", type: "application/json" },
    next: { href: "/api/v2/tokens?limit=2&offset=4", type: "application/json" },
    prev: { href: "/api/v2/tokens?limit=2&offset=0", type: "application/json" },
  });
  const past = await ld("GET", `/api/v2/tokens?limit=2&offset=${n + 3}`, writer.token);
  assert.deepEqual(past.body.items, []);
  assert.equal(past.body.totalCount, n);

  // The recorded query (showAll=true&limit=10&offset=5) by an admin: every member's tokens.
  const everyone = await ld("GET", "/api/v2/tokens?showAll=true&limit=1000", owner.token);
  const members = new Set(everyone.body.items.map((t) => t.memberId));
  for (const m of [owner.member, writer.member, reader.member, custom.member]) assert.ok(members.has(m), m);
  assert.ok(!everyone.body.items.some((t) => t.memberId === privileged.member), "a privileges token has no LaunchDarkly shape");
  const rec = await ld("GET", "/api/v2/tokens?showAll=true&limit=10&offset=5", owner.token);
  assert.equal(rec.status, 200, rec.text);
  assert.deepEqual(rec.body.items.map((t) => t._id), everyone.body.items.slice(5, 15).map((t) => t._id));
  assert.equal(rec.body.totalCount, everyone.body.totalCount);
  assert.equal(rec.body._links.self.href, "/api/v2/tokens?limit=10&offset=5&showAll=true");
  // showAll=false is the caller's own.
  assert.equal((await ld("GET", "/api/v2/tokens?showAll=false", owner.token)).body.items.every((t) => t.memberId === owner.member), true);
});

test("list: showAll is for admins only (403); bad limit, offset or showAll are 400", async () => {
  ldError(await ld("GET", "/api/v2/tokens?showAll=true", writer.token), 403, "forbidden", FORBIDDEN);
  ldError(await ld("GET", "/api/v2/tokens?showAll=true", custom.token), 403, "forbidden", FORBIDDEN);
  for (const q of ["limit=0", "limit=1001", "limit=ten", "offset=-1", "offset=1.5", "showAll=yes"]) {
    ldError(await ld("GET", `/api/v2/tokens?${q}`, owner.token), 400, "invalid_request");
  }
  assert.equal((await ld("GET", "/api/v2/tokens?limit=1000", owner.token)).status, 200);
});

test("get: another member's token is 404 for a non-admin, visible to an admin; unknown and foreign-language ids are 404", async () => {
  const w = (await create(writer.token, { name: "writer's" })).body;
  ldError(await get(reader.token, w._id), 404, "not_found", NOT_FOUND);
  assert.equal((await get(owner.token, w._id)).status, 200);
  ldError(await get(owner.token, "0".repeat(24)), 404, "not_found", NOT_FOUND);
  ldError(await get(owner.token, privileged.tokenId), 404, "not_found", NOT_FOUND);
  const other = await newAccount(svc, "another ld account", { language: "policy", role: "owner" }, "never");
  ldError(await get(other.token, w._id), 404, "not_found", NOT_FOUND);
  ldError(await patch(reader.token, w._id, [{ op: "replace", path: "/name", value: "mine now" }]), 404, "not_found");
  ldError(await reset(reader.token, w._id), 404, "not_found");
  ldError(await ld("DELETE", `/api/v2/tokens/${w._id}`, reader.token), 404, "not_found");
  assert.equal((await get(w.token, w._id)).body.name, "writer's", "refused requests changed nothing");
});

test("patch: the client's recorded request; the {comment, patch} envelope; the result is re-checked against the caller's policy", async () => {
  const t = (await create(writer.token, { name: "before", role: "reader" })).body;
  const r = await patch(writer.token, t._id, [{ op: "replace", path: "/name", value: "x" }]);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, "x");
  assert.equal(r.body.token, t.token.slice(-4));
  assert.ok(r.body.lastModified >= t.lastModified);
  assert.equal(r.body.creationDate, t.creationDate);

  const env = await patch(writer.token, t._id, { comment: "promote", patch: [{ op: "add", path: "/description", value: "ci" }, { op: "replace", path: "/role", value: "writer" }] });
  assert.equal(env.status, 200, env.text);
  assert.equal(env.body.description, "ci");
  assert.equal(env.body.role, "writer");
  // The change is stored, and tokenkit's API sees it.
  assert.equal((await get(writer.token, t._id)).body.role, "writer");
  assert.equal((await tk(svc, "GET", `/tk/v1/tokens/${t._id}`, owner.token)).body.scope.role, "writer");

  ldError(await patch(writer.token, t._id, [{ op: "replace", path: "/role", value: "admin" }]), 403, "forbidden", FORBIDDEN);
  // An admin may switch it to custom roles or an inline role.
  const cr = await patch(owner.token, t._id, [{ op: "remove", path: "/role" }, { op: "add", path: "/customRoleIds", value: ["devs"] }]);
  assert.equal(cr.status, 200, cr.text);
  assert.deepEqual(cr.body.customRoleIds, ["devs"]);
  assert.ok(!("role" in cr.body));
  const inl = await patch(owner.token, t._id, [
    { op: "remove", path: "/customRoleIds" },
    { op: "add", path: "/inlineRole", value: [{ effect: "allow", resources: ["proj/*"], actions: ["*"] }] },
    { op: "replace", path: "/inlineRole/0/resources/0", value: "proj/mobile" },
  ]);
  assert.equal(inl.status, 200, inl.text);
  assert.deepEqual(inl.body.inlineRole, [{ effect: "allow", resources: ["proj/mobile"], actions: ["*"] }]);
});

test("patch: forbidden paths and ops are 422, malformed patches 400, and a failed patch changes nothing", async () => {
  const t = (await create(owner.token, { name: "keep", role: "reader" })).body;
  const unprocessable = [
    [{ op: "replace", path: "/serviceToken", value: true }],
    [{ op: "replace", path: "/_id", value: "0".repeat(24) }],
    [{ op: "replace", path: "/token", value: "abcd" }],
    [{ op: "replace", path: "/nameX", value: "y" }],
    [{ op: "move", from: "/name", path: "/description" }],
    [{ op: "replace", path: "/name", value: "changed" }, { op: "test", path: "/role", value: "writer" }],
    [{ op: "replace", path: "/description", value: "nope" }],
    [{ op: "add", path: "/customRoleIds", value: ["devs"] }],
    [{ op: "replace", path: "/name", value: 7 }],
  ];
  for (const p of unprocessable) ldError(await patch(owner.token, t._id, p), 422, "invalid_request", /^Invalid patch content/);
  for (const p of [[{ op: "frobnicate", path: "/name" }], [{ op: "replace", path: "/name" }], { name: "x" }, { comment: 1, patch: [] }]) {
    ldError(await patch(owner.token, t._id, p), 400, "invalid_request");
  }
  ldError(await ld("PATCH", `/api/v2/tokens/${t._id}`, owner.token, { raw: "[", headers: { "content-type": "application/json" } }), 400, "invalid_request");
  const after = (await get(owner.token, t._id)).body;
  assert.equal(after.name, "keep");
  assert.equal(after.role, "reader");
  assert.equal(after.lastModified, t.lastModified);
  ldError(await patch(owner.token, "0".repeat(24), [{ op: "replace", path: "/name", value: "y" }]), 404, "not_found");
});

test("patch: concurrent patches either apply or get 409 optimistic_locking_error, never lose an update", async () => {
  const t = (await create(owner.token, { name: "race", role: "reader" })).body;
  const before = (await tk(svc, "GET", `/tk/v1/tokens/${t._id}`, owner.token)).body.version;
  const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => patch(owner.token, t._id, [{ op: "replace", path: "/name", value: `race ${i}` }])));
  const ok = rs.filter((r) => r.status === 200);
  for (const r of rs) {
    if (r.status !== 200) ldError(r, 409, "optimistic_locking_error", "Conflict. Optimistic lock error. Try again later.");
  }
  assert.ok(ok.length >= 1);
  const after = (await tk(svc, "GET", `/tk/v1/tokens/${t._id}`, owner.token)).body;
  assert.equal(after.version, before + ok.length, "every 200 is one stored version");
  assert.ok(ok.some((r) => r.body.name === after.name));
});

test("reset: the client's recorded call (empty form-urlencoded body, expiry in the past) — new secret in full, the old one invalid at once, and presenting it revokes the token", async () => {
  const t = (await create(writer.token, { name: "reset me" })).body;
  const r = await reset(writer.token, t._id, "?expiry=1700000000000");
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), TOKEN_KEYS);
  assert.match(r.body.token, SECRET);
  assert.equal(r.headers.get("cache-control"), "no-store", "a secret is never cached");
  assert.notEqual(r.body.token, t.token);
  assert.equal(r.body._id, t._id);
  assert.equal((await get(r.body.token, t._id)).body.token, r.body.token.slice(-4));
  // Without expiry: the same.
  const r2 = await reset(r.body.token, t._id);
  assert.equal(r2.status, 200, r2.text);
  assert.equal((await get(r2.body.token, t._id)).status, 200);
  // A reset by the admin of a member's token works too.
  const r3 = await reset(owner.token, t._id);
  assert.equal(r3.status, 200, r3.text);
  assert.equal(r3.body.memberId, writer.member);
  assert.equal((await get(r3.body.token, t._id)).status, 200);
  // A retired secret presented again is the vendor's 401 — and revokes the token (reuse
  // detection, docs/service.md): the current secret stops too, on every API.
  ldError(await get(t.token, t._id), 401, "unauthorized");
  ldError(await get(r3.body.token, t._id), 401, "unauthorized");
  const me = await self(svc, r3.body.token);
  assert.deepEqual([me.status, me.body.error.code], [401, "revoked"], me.text);
  for (const old of [r.body.token, r2.body.token]) ldError(await get(old, t._id), 401, "unauthorized");
});

test("reset: a future expiry keeps the old secret valid until then; a non-numeric expiry is 400; unknown is 404", async () => {
  const t = (await create(writer.token, { name: "grace" })).body;
  const r = await reset(writer.token, t._id, `?expiry=${Date.now() + 60_000}`);
  assert.equal(r.status, 200, r.text);
  assert.equal((await get(t.token, t._id)).status, 200, "the old secret still works during its grace");
  assert.equal((await get(r.body.token, t._id)).status, 200);
  const me = await self(svc, t.token);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.id, t._id);
  // A short expiry: once it has passed, the old secret is refused — and, a retired secret
  // presented again, it revokes the token (reuse detection): the new one stops too.
  const u = (await create(writer.token, { name: "short grace" })).body;
  const until = Date.now() + 1_000;
  const ru = await reset(writer.token, u._id, `?expiry=${until}`);
  assert.equal(ru.status, 200, ru.text);
  assert.equal((await get(ru.body.token, u._id)).status, 200);
  await new Promise((s) => setTimeout(s, Math.max(0, until - Date.now() + 100)));
  ldError(await get(u.token, u._id), 401, "unauthorized");
  ldError(await get(ru.body.token, u._id), 401, "unauthorized");

  ldError(await reset(writer.token, t._id, "?expiry=soon"), 400, "invalid_request", /expiry/);
  ldError(await reset(writer.token, "f".repeat(24)), 404, "not_found", NOT_FOUND);
  // A JSON body is not read either.
  const j = await ld("POST", `/api/v2/tokens/${t._id}/reset`, r.body.token, { json: { anything: true } });
  assert.equal(j.status, 200, j.text);
  // A rotation through tokenkit's own API shows in LaunchDarkly's last four.
  const rot = await tk(svc, "POST", `/tk/v1/tokens/${t._id}/rotate`, owner.token, {});
  assert.equal(rot.status, 200, rot.text);
  assert.equal((await get(owner.token, t._id)).body.token, rot.body.secret.slice(-4));
  ldError(await get(j.body.token, t._id), 401, "unauthorized");
});

test("reset: a secret in its grace period cannot mint new secrets (reset or create)", async () => {
  const t = (await create(writer.token, { name: "grace minting" })).body;
  const r = await reset(writer.token, t._id, `?expiry=${Date.now() + 60_000}`);
  assert.equal(r.status, 200, r.text);
  ldError(await reset(t.token, t._id), 403, "forbidden");
  ldError(await create(t.token, { name: "from an old secret" }), 403, "forbidden");
  assert.equal((await get(t.token, t._id)).status, 200, "but it still reads");
  assert.equal((await reset(r.body.token, t._id)).status, 200);
});

test("delete: 204 with no body; the key stops working; then 404 everywhere", async () => {
  const t = (await create(writer.token, { name: "doomed" })).body;
  const d = await ld("DELETE", `/api/v2/tokens/${t._id}`, writer.token);
  assert.equal(d.status, 204, d.text);
  assert.equal(d.text, "");
  ldError(await get(writer.token, t._id), 404, "not_found", NOT_FOUND);
  ldError(await ld("DELETE", `/api/v2/tokens/${t._id}`, writer.token), 404, "not_found");
  ldError(await get(t.token, t._id), 401, "unauthorized");
  assert.equal((await tk(svc, "GET", `/tk/v1/tokens/${t._id}`, owner.token)).status, 404);
});

test("LaunchDarkly's shape for the rest: 405 with Allow, 413 for an oversized body; lastUsed appears once a key is used", async () => {
  const t = (await create(writer.token, { name: "used" })).body;
  for (const [method, p, allow] of [["PUT", "/api/v2/tokens", "GET, POST"], ["POST", `/api/v2/tokens/${t._id}`, "GET, PATCH, DELETE"], ["GET", `/api/v2/tokens/${t._id}/reset`, "POST"]]) {
    const r = await ld(method, p, owner.token);
    ldError(r, 405, "invalid_request", new RegExp(`^${method} is not allowed`));
    assert.equal(r.headers.get("allow"), allow);
  }
  // The rest of /api/v2/ is LaunchDarkly's namespace: its 404 shape.
  ldError(await ld("GET", "/api/v2/flags/default", owner.token), 404, "not_found", NOT_FOUND);
  ldError(await ld("POST", "/api/v2/tokens", owner.token, { raw: OVERSIZED, headers: { "content-type": "application/json" } }), 413, "invalid_request", /over 65536 bytes/);
  ldError(await ld("POST", "/api/v2/tokens", owner.token, { raw: Buffer.from([0x7b, 0xff, 0x7d]), headers: { "content-type": "application/json" } }), 400, "invalid_request", /UTF-8/);
  ldError(await ld("PATCH", `/api/v2/tokens/${t._id}`, owner.token, { raw: OVERSIZED, headers: { "content-type": "application/json" } }), 413, "invalid_request");
  assert.ok(!("lastUsed" in (await get(owner.token, t._id)).body));
  assert.equal((await ld("GET", "/api/v2/tokens", t.token)).status, 200);
  let seen;
  for (let i = 0; i < 50 && seen === undefined; i++) {
    seen = (await get(owner.token, t._id)).body.lastUsed;
    if (seen === undefined) await new Promise((s) => setTimeout(s, 100));
  }
  assert.equal(typeof seen, "number");
  assert.ok(Math.abs(seen - Date.now()) < 60_000);
});
