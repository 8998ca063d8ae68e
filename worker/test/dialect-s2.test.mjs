// S2 (s2.dev) /v1/access-tokens against a real `wrangler dev`: the requests the vendor's SDK
// (@s2-dev/streamstore 0.27.0) was recorded sending, and every documented error path.
// Decisions on what S2 leaves open: docs/dialects.md, "3–5. S2".
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startService } from "./harness.mjs";
import { http, newAccount, newMember, tk, self, S2_ALL, SECRET, rotateWithGrace, OVERSIZED } from "./dialect-helpers.mjs";

let svc;
let owner; // account owner, S2 scope that allows everything, never expires
let admin; // a policy (tokenkit) admin in the same account, for tokenkit's own API

const s2 = (method, path, token, opts = {}) =>
  http(svc.base, method, path, { ...opts, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(opts.headers ?? {}) } });
const issue = (token, body) => s2("POST", "/v1/access-tokens", token, { json: body });
const list = (token, query = "") => s2("GET", `/v1/access-tokens${query}`, token);
const ids = (r) => r.body.access_tokens.map((t) => t.id);

const FALSE_GROUPS = { account: { read: false, write: false }, basin: { read: false, write: false }, stream: { read: false, write: false } };
const inDays = (d) => new Date(Math.floor((Date.now() + d * 86_400_000) / 1000) * 1000);
const s2Time = (d) => d.toISOString().replace(".000Z", "Z");

function assertError(r, status, code, message, label = "") {
  assert.equal(r.status, status, `${label} ${r.text}`);
  assert.deepEqual(Object.keys(r.body).sort(), ["code", "message"], r.text);
  assert.equal(r.body.code, code, label);
  assert.equal(typeof r.body.message, "string");
  if (message instanceof RegExp) assert.match(r.body.message, message);
  else if (message !== undefined) assert.equal(r.body.message, message);
}

/** Issues a token with the scope `scope` (tagged S2 JSON, without auto_prefix) and returns its secret. */
async function issued(id, scope, extra = {}) {
  const { language, ...wire } = scope;
  const r = await issue(owner.token, { id, scope: wire, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.body.access_token;
}

before(async () => {
  svc = await startService();
  owner = await newAccount(svc, "s2 account", S2_ALL, "never");
  admin = await newMember(svc, owner.account, "tokenkit admin", "admin", { language: "policy", role: "admin" });
});
after(() => svc?.cleanup());

test("issue: the SDK's recorded request is 201 {access_token}, and list shows it normalised", async () => {
  const expires = inDays(30);
  const body = {
    id: "user-1234-rw-token",
    scope: {
      basins: { prefix: "" },
      streams: { prefix: "users/1234/" },
      access_tokens: { exact: "x" },
      op_groups: { stream: { read: true, write: true } },
      ops: ["read", "list-streams"],
    },
    auto_prefix_streams: true,
    expires_at: expires.toISOString(), // the SDK sends Date.toISOString(): "….000Z"
  };
  const r = await issue(owner.token, body);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.body), ["access_token"]);
  assert.match(r.body.access_token, SECRET);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal(r.headers.get("cache-control"), "no-store", "a secret is never cached");

  const l = await list(owner.token, "?prefix=user-1234-rw");
  assert.equal(l.status, 200, l.text);
  assert.deepEqual(l.body, {
    access_tokens: [
      {
        id: "user-1234-rw-token",
        expires_at: s2Time(expires),
        auto_prefix_streams: true,
        scope: {
          basins: { prefix: "" },
          streams: { prefix: "users/1234/" },
          access_tokens: { exact: "x" },
          op_groups: { ...FALSE_GROUPS, stream: { read: true, write: true } },
          ops: ["read", "list-streams"],
        },
      },
    ],
    has_more: false,
  });
  assert.ok(!l.text.includes(r.body.access_token), "the list never shows a secret");
});

test("issue: the new secret authenticates, with exactly the scope it was given", async () => {
  const secret = await issued("auth-check", { streams: { prefix: "a/" }, ops: ["append"] });
  const me = await self(svc, secret);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.id, "auth-check");
  assert.equal(me.body.dialect, "s2");
  // It may append but not list tokens: S2's 403, not a 401.
  assertError(await list(secret), 403, "permission_denied", "operation not permitted: list-access-tokens");
});

test("issue: exact \"\" and missing sets read back null; op_groups full; ops explicit and deduplicated; unknown fields ignored", async () => {
  const r = await issue(owner.token, {
    id: "normalise-me",
    scope: { basins: { exact: "" }, ops: ["append", "append", "read"], op_groups: { basin: { read: true } }, later: 1 },
    something_new: true,
  });
  assert.equal(r.status, 201, r.text);
  const l = await list(owner.token, "?prefix=normalise-me");
  assert.deepEqual(l.body.access_tokens, [
    {
      id: "normalise-me",
      expires_at: null, // defaults to the caller's, which never expires
      auto_prefix_streams: false,
      scope: { basins: null, streams: null, access_tokens: null, op_groups: { ...FALSE_GROUPS, basin: { read: true, write: false } }, ops: ["append", "read"] },
    },
  ]);
});

test("issue: a client-chosen id that exists is 409 resource_already_exists; after revoke it can be issued again", async () => {
  await issued("dup-id", { ops: ["read"] });
  const again = await issue(owner.token, { id: "dup-id", scope: { ops: ["append"] } });
  assertError(again, 409, "resource_already_exists", /dup-id/);
  // The 409 changed nothing: the stored token still has its first scope.
  assert.deepEqual((await list(owner.token, "?prefix=dup-id")).body.access_tokens[0].scope.ops, ["read"]);
  assert.equal((await s2("DELETE", "/v1/access-tokens/dup-id", owner.token)).status, 204);
  assert.equal((await issue(owner.token, { id: "dup-id", scope: { ops: ["append"] } })).status, 201);
});

test("issue: concurrent issues of one id: exactly one 201, the others 409", async () => {
  const rs = await Promise.all(Array.from({ length: 6 }, () => issue(owner.token, { id: "raced-id", scope: { ops: ["read"] } })));
  assert.equal(rs.filter((r) => r.status === 201).length, 1, rs.map((r) => r.status).join());
  for (const r of rs.filter((r) => r.status !== 201)) assertError(r, 409, "resource_already_exists");
  assert.deepEqual(ids(await list(owner.token, "?prefix=raced-id")), ["raced-id"]);
  const winner = rs.find((r) => r.status === 201).body.access_token;
  assert.equal((await self(svc, winner)).body.id, "raced-id");
});

test("issue: expires_at defaults to the caller's and is capped at it (403); in the past is 422", async () => {
  const issuer = await newMember(svc, owner.account, "short-lived", "member", S2_ALL, "30-days");
  const callerExpiry = Date.parse(issuer.meta.expiresAt);
  assert.equal((await issue(issuer.token, { id: "inherits-expiry", scope: { ops: ["read"] } })).status, 201);
  const l = await list(owner.token, "?prefix=inherits-expiry");
  assert.equal(Date.parse(l.body.access_tokens[0].expires_at), callerExpiry);

  const beyond = await issue(issuer.token, { id: "too-long", scope: { ops: ["read"] }, expires_at: inDays(31).toISOString() });
  assertError(beyond, 403, "permission_denied", "expires_at exceeds the issuing token's expiry");
  const past = await issue(issuer.token, { id: "in-the-past", scope: { ops: ["read"] }, expires_at: "2020-01-01T00:00:00Z" });
  assertError(past, 422, "invalid", "expires_at must be in the future");
  // An offset is converted to UTC.
  const at = inDays(10);
  const offset = new Date(at.getTime() + 2 * 3600_000).toISOString().replace(".000Z", "+02:00");
  assert.equal((await issue(issuer.token, { id: "offset-expiry", scope: { ops: ["read"] }, expires_at: offset })).status, 201);
  assert.equal((await list(owner.token, "?prefix=offset-expiry")).body.access_tokens[0].expires_at, s2Time(at));
  // Nothing was stored for the refused ones.
  assert.deepEqual(ids(await list(owner.token, "?prefix=too-long")), []);
  assert.deepEqual(ids(await list(owner.token, "?prefix=in-the-past")), []);
});

test("issue: the caller needs issue-access-token, the id inside its access_tokens set, and a scope covering the new one (403)", async () => {
  const noIssue = await newMember(svc, owner.account, "no-issue", "member", { ...S2_ALL, op_groups: { ...S2_ALL.op_groups, account: { read: true, write: false } } });
  assertError(await issue(noIssue.token, { id: "x-1", scope: { ops: ["read"] } }), 403, "permission_denied", "operation not permitted: issue-access-token");

  const team = await newMember(svc, owner.account, "team", "member", {
    language: "s2",
    basins: { exact: "team-basin-1" },
    streams: { prefix: "team/" },
    access_tokens: { prefix: "team-" },
    op_groups: { stream: { read: true } },
    ops: ["issue-access-token", "list-access-tokens"],
  });
  assertError(await issue(team.token, { id: "other-id", scope: { ops: ["read"] } }), 403, "permission_denied", "access token id not permitted: other-id");
  // Inside everything it holds: fine.
  const ok = await issue(team.token, { id: "team-reader", scope: { basins: { exact: "team-basin-1" }, streams: { prefix: "team/x/" }, ops: ["read"] } });
  assert.equal(ok.status, 201, ok.text);
  // Broader streams, another basin, an op it lacks, a group it lacks, a broader access_tokens set.
  const refused = [
    { streams: { prefix: "" }, ops: ["read"] },
    { basins: { exact: "other-basin-1" }, ops: ["read"] },
    { streams: { prefix: "team/" }, ops: ["append"] },
    { op_groups: { stream: { write: true } } },
    { access_tokens: { prefix: "" }, ops: ["list-access-tokens"] },
  ];
  for (const [i, scope] of refused.entries()) {
    const r = await issue(team.token, { id: `team-refused-${i}`, scope });
    assertError(r, 403, "permission_denied");
    assert.ok(r.body.message.length > 10, r.text);
  }
  assert.deepEqual(ids(await list(owner.token, "?prefix=team-refused")), []);
});

test("issue: bad bodies are 400 bad_json; parseable but unacceptable ones are 422 invalid", async () => {
  const bad = [
    ["not json", "{"],
    ["two keys in a ResourceSet", { id: "b1", scope: { basins: { exact: "abcdefgh", prefix: "a" }, ops: ["read"] } }],
    ["no key in a ResourceSet", { id: "b2", scope: { streams: {}, ops: ["read"] } }],
    ["missing scope", { id: "b3" }],
    ["missing id", { scope: { ops: ["read"] } }],
    ["97-byte id", { id: "a".repeat(97), scope: { ops: ["read"] } }],
    ["id ..", { id: "..", scope: { ops: ["read"] } }],
    ["empty id", { id: "", scope: { ops: ["read"] } }],
    ["unknown op", { id: "b4", scope: { ops: ["teleport"] } }],
    ["bad basin name", { id: "b5", scope: { basins: { exact: "UPPER" }, ops: ["read"] } }],
    ["expires_at not RFC 3339", { id: "b6", scope: { ops: ["read"] }, expires_at: "tomorrow" }],
    ["id of the wrong type", { id: 7, scope: { ops: ["read"] } }],
    ["an array body", [1, 2]],
  ];
  for (const [what, body] of bad) {
    const r = typeof body === "string" ? await s2("POST", "/v1/access-tokens", owner.token, { raw: body, headers: { "content-type": "application/json" } }) : await issue(owner.token, body);
    assertError(r, 400, "bad_json", undefined, what);
  }
  const invalid = [
    [{ id: "inv-1", scope: { streams: { exact: "s" }, ops: ["read"] }, auto_prefix_streams: true }, "auto_prefix_streams requires scope.streams to be a prefix"],
    [{ id: "inv-2", scope: { ops: ["read"] }, auto_prefix_streams: true }, "auto_prefix_streams requires scope.streams to be a prefix"],
    [{ id: "inv-3", scope: { op_groups: { account: { read: false } }, ops: [] } }, "access token scope must permit at least one operation"],
  ];
  for (const [body, message] of invalid) assertError(await issue(owner.token, body), 422, "invalid", message);
  // auto_prefix_streams with a prefix set is accepted and stored.
  assert.equal((await issue(owner.token, { id: "inv-4", scope: { streams: { prefix: "p/" }, ops: ["read"] }, auto_prefix_streams: true })).status, 201);
  assert.equal((await list(owner.token, "?prefix=inv-4")).body.access_tokens[0].auto_prefix_streams, true);
  assert.deepEqual(ids(await list(owner.token, "?prefix=inv-")), ["inv-4"]);
});

test("auth: Bearer only — none, a raw key, a bad, revoked or non-S2 token are refused", async () => {
  const authn = { code: "authn", message: "missing or invalid access token" };
  for (const headers of [{}, { authorization: owner.token }, { authorization: "Bearer tk_nope" }, { "x-access-token": owner.token }]) {
    const r = await http(svc.base, "GET", "/v1/access-tokens", { headers });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.body, authn);
  }
  const gone = await issued("revoked-caller", { ops: ["list-access-tokens"], access_tokens: { prefix: "" } });
  assert.equal((await list(gone)).status, 200);
  assert.equal((await s2("DELETE", "/v1/access-tokens/revoked-caller", owner.token)).status, 204);
  assert.deepEqual((await list(gone)).body, authn);
  assert.equal((await list(gone)).status, 401);
  // A valid tokenkit token whose scope is not S2's: 403, on every route.
  assertError(await list(admin.token), 403, "permission_denied", /not in the s2 language/);
  assertError(await issue(admin.token, { id: "from-policy", scope: { ops: ["read"] } }), 403, "permission_denied");
  assertError(await s2("DELETE", "/v1/access-tokens/inv-4", admin.token), 403, "permission_denied");
  // …except a universal one: the root token speaks every dialect (issue #20, first run).
  assert.equal((await list(svc.root.token)).status, 200);
});

test("list: prefix, start_after and limit page in byte order with has_more; the SDK's recorded query", async () => {
  for (const id of ["pg-b", "pg-10", "pg-a", "pg-2", "pg-c"]) await issued(id, { ops: ["read"] });
  const page = async (q) => {
    const r = await list(owner.token, q);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ["access_tokens", "has_more"]);
    return [ids(r), r.body.has_more];
  };
  assert.deepEqual(await page("?prefix=pg-"), [["pg-10", "pg-2", "pg-a", "pg-b", "pg-c"], false]);
  assert.deepEqual(await page("?prefix=pg-&limit=2"), [["pg-10", "pg-2"], true]);
  assert.deepEqual(await page("?prefix=pg-&start_after=pg-2&limit=2"), [["pg-a", "pg-b"], true]);
  assert.deepEqual(await page("?prefix=pg-&start_after=pg-b&limit=2"), [["pg-c"], false]);
  assert.deepEqual(await page("?prefix=pg-&limit=5"), [["pg-10", "pg-2", "pg-a", "pg-b", "pg-c"], false]);
  assert.deepEqual(await page("?prefix=pg-&limit=0"), [["pg-10", "pg-2", "pg-a", "pg-b", "pg-c"], false]); // 0 = the default, 1000
  assert.deepEqual(await page("?prefix=pg-&limit=5000"), [["pg-10", "pg-2", "pg-a", "pg-b", "pg-c"], false]); // capped, not an error
  // The SDK's recorded query, on ids of its own.
  for (const id of ["user-0", "user-1", "user-10", "user-2"]) await issued(id, { ops: ["read"] });
  const [got, more] = await page("?prefix=user-&start_after=user-0&limit=10");
  assert.deepEqual(got.slice(0, 3), ["user-1", "user-10", "user-1234-rw-token"]);
  assert.equal(got.at(-1), "user-2");
  assert.equal(more, false);
  // The whole list is in byte order.
  const all = ids(await list(owner.token));
  assert.deepEqual(all, [...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
});

test("list: bad query values are 400 bad_query; only ids inside the caller's access_tokens set; needs list-access-tokens", async () => {
  assertError(await list(owner.token, "?limit=ten"), 400, "bad_query");
  assertError(await list(owner.token, "?limit=-1"), 400, "bad_query");
  assertError(await list(owner.token, "?prefix=%zz"), 400, "bad_query");
  assertError(await list(owner.token, `?start_after=${"a".repeat(97)}`), 400, "bad_query");
  const narrow = await newMember(svc, owner.account, "narrow", "member", { language: "s2", access_tokens: { prefix: "pg-" }, ops: ["list-access-tokens"] });
  assert.deepEqual(ids(await list(narrow.token)), ["pg-10", "pg-2", "pg-a", "pg-b", "pg-c"]);
  const blind = await newMember(svc, owner.account, "blind", "member", { language: "s2", access_tokens: { prefix: "" }, ops: ["read"] });
  assertError(await list(blind.token), 403, "permission_denied", "operation not permitted: list-access-tokens");
});

test("list: tokens in other scope languages and other accounts never show", async () => {
  const made = await tk(svc, "POST", "/tk/v1/tokens", admin.token, { name: "policy token", scope: { language: "policy", role: "reader" } });
  assert.equal(made.status, 201, made.text);
  const other = await newAccount(svc, "another s2 account", S2_ALL, "never");
  const r = await issue(other.token, { id: "pg-other-account", scope: { ops: ["read"] } });
  assert.equal(r.status, 201);
  const all = ids(await list(owner.token));
  assert.ok(!all.includes(made.body.token.id));
  assert.ok(!all.includes(admin.tokenId), "the admin's policy token is not S2's");
  assert.ok(all.includes(owner.tokenId), "a token issued by tokenkit's API in S2's language is S2's");
  assert.ok(!all.includes("pg-other-account"));
  assert.deepEqual(ids(await list(other.token)), [other.tokenId, "pg-other-account"].sort());
  // The same id in another account is not a duplicate.
  assert.equal((await issue(other.token, { id: "pg-a", scope: { ops: ["read"] } })).status, 201);
});

test("revoke: 204 with a percent-encoded id; the secret stops working; unknown is 404 access_token_not_found", async () => {
  const secret = await issued("user/1234 rw", { ops: ["read"] });
  assert.equal((await self(svc, secret)).status, 200);
  const r = await s2("DELETE", "/v1/access-tokens/user%2F1234%20rw", owner.token);
  assert.equal(r.status, 204);
  assert.equal(r.text, "");
  assert.equal((await self(svc, secret)).status, 401);
  assert.deepEqual(ids(await list(owner.token, "?prefix=user%2F")), []);
  assertError(await s2("DELETE", "/v1/access-tokens/user%2F1234%20rw", owner.token), 404, "access_token_not_found");
  assertError(await s2("DELETE", "/v1/access-tokens/never-issued", owner.token), 404, "access_token_not_found", /never-issued/);
  // A token of another language in the same account (its id is a 24-hex tokenkit id) is not S2's.
  assertError(await s2("DELETE", `/v1/access-tokens/${admin.tokenId}`, owner.token), 404, "access_token_not_found");
  assert.equal((await self(svc, admin.token)).status, 200);
});

test("revoke: bad escapes are 400 bad_path; needs revoke-access-token and the id in access_tokens; a token may revoke itself", async () => {
  assertError(await s2("DELETE", "/v1/access-tokens/%zz", owner.token), 400, "bad_path");
  assertError(await s2("DELETE", `/v1/access-tokens/${"a".repeat(97)}`, owner.token), 400, "bad_path");
  assertError(await s2("DELETE", "/v1/access-tokens/pg-a", undefined), 401, "authn");
  const reader = await issued("cannot-revoke", { ops: ["read", "list-access-tokens"], access_tokens: { prefix: "" } });
  assertError(await s2("DELETE", "/v1/access-tokens/pg-a", reader), 403, "permission_denied", "operation not permitted: revoke-access-token");
  const scoped = await issued("scoped-revoker", { ops: ["revoke-access-token"], access_tokens: { prefix: "scoped-" } });
  assertError(await s2("DELETE", "/v1/access-tokens/pg-a", scoped), 403, "permission_denied", "access token id not permitted: pg-a");
  assert.ok(ids(await list(owner.token, "?prefix=pg-a")).includes("pg-a"), "a refused revoke changes nothing");
  const r = await s2("DELETE", "/v1/access-tokens/scoped-revoker", scoped);
  assert.equal(r.status, 204, r.text);
  assert.equal((await self(svc, scoped)).status, 401);
});

test("tokenkit's own API sees a dialect-issued token, in its S2 scope language", async () => {
  const secret = await issued("seen-by-tokenkit", { streams: { prefix: "x/" }, ops: ["read"], op_groups: { basin: { read: true } } });
  const l = await list(owner.token, "?prefix=seen-by-tokenkit");
  const wire = l.body.access_tokens[0];
  for (const token of [admin.token, owner.token]) {
    const r = await tk(svc, "GET", "/tk/v1/tokens/seen-by-tokenkit", token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, "seen-by-tokenkit");
    assert.equal(r.body.dialect, "s2");
    assert.equal(r.body.accountId, owner.account);
    assert.equal(r.body.ownerId, owner.member);
    assert.equal(r.body.name, "seen-by-tokenkit");
    assert.equal(r.body.expiresAt, null);
    assert.ok(r.body.hint.endsWith(secret.slice(-4)));
    assert.deepEqual(r.body.scope, { language: "s2", ...wire.scope, auto_prefix_streams: false });
    assert.ok(!r.text.includes(secret));
  }
  const all = await tk(svc, "GET", "/tk/v1/tokens?all=true&limit=100&name=seen-by", admin.token);
  assert.equal(all.status, 200, all.text);
  assert.deepEqual(all.body.tokens.map((t) => t.id), ["seen-by-tokenkit"]);
  // A percent-encoded S2 id works on tokenkit's API too, and revoking there is seen by S2.
  await issued("with space", { ops: ["read"] });
  const got = await tk(svc, "GET", "/tk/v1/tokens/with%20space", admin.token);
  assert.equal(got.status, 200, got.text);
  assert.equal((await tk(svc, "DELETE", "/tk/v1/tokens/with%20space", admin.token)).status, 204);
  assert.deepEqual(ids(await list(owner.token, "?prefix=with")), []);
  // Any id S2 allows is addressable there: characters encodeURIComponent leaves raw, and a
  // 96-byte non-ASCII id (288 characters encoded).
  for (const id of ["a(1)!*'~", "ü".repeat(48), "50%off", "user:1/2 ?#"]) {
    await issued(id, { ops: ["read"] });
    const r = await tk(svc, "GET", `/tk/v1/tokens/${encodeURIComponent(id)}`, admin.token);
    assert.equal(r.status, 200, `${id}: ${r.text}`);
    assert.equal(r.body.id, id);
    assert.equal((await s2("DELETE", `/v1/access-tokens/${encodeURIComponent(id)}`, owner.token)).status, 204, id);
  }
});

test("list: limit is at most 1000 and has_more tells there is more", async () => {
  const n = 1001;
  const pending = [];
  for (let i = 0; i < n; i++) {
    const id = `bulk-${String(i).padStart(4, "0")}`;
    pending.push(issue(owner.token, { id, scope: { ops: ["read"] } }).then((r) => assert.equal(r.status, 201, r.text)));
    if (pending.length === 16) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  for (const q of ["?prefix=bulk-", "?prefix=bulk-&limit=1000", "?prefix=bulk-&limit=1001", "?prefix=bulk-&limit=0"]) {
    const r = await list(owner.token, q);
    assert.equal(r.body.access_tokens.length, 1000, q);
    assert.equal(r.body.has_more, true, q);
    assert.equal(r.body.access_tokens.at(-1).id, "bulk-0999");
  }
  const rest = await list(owner.token, "?prefix=bulk-&start_after=bulk-0999");
  assert.deepEqual(ids(rest), ["bulk-1000"]);
  assert.equal(rest.body.has_more, false);
});

test("S2's shape for the rest: 405 with Allow for other methods, 413 for an oversized body, 403 for a secret in its rotation grace", async () => {
  for (const [method, p, allow] of [["PUT", "/v1/access-tokens", "GET, POST"], ["PATCH", "/v1/access-tokens/pg-a", "DELETE"], ["GET", "/v1/access-tokens/pg-a", "DELETE"]]) {
    const r = await s2(method, p, owner.token);
    assertError(r, 405, "bad_path", new RegExp(`^${method} is not allowed`));
    assert.equal(r.headers.get("allow"), allow);
  }
  assertError(await s2("POST", "/v1/access-tokens", owner.token, { raw: OVERSIZED, headers: { "content-type": "application/json" } }), 413, "bad_json", /over 65536 bytes/);
  assertError(await s2("POST", "/v1/access-tokens", owner.token, { raw: Buffer.from([0x7b, 0xff, 0x7d]), headers: { "content-type": "application/json" } }), 400, "bad_json", /UTF-8/);
  const m = await newMember(svc, owner.account, "rotator", "member", S2_ALL, "never");
  const fresh = await rotateWithGrace(svc, m.token);
  assert.equal((await list(m.token, "?prefix=pg-")).status, 200, "the old secret still reads during its grace");
  assertError(await issue(m.token, { id: "from-grace", scope: { ops: ["read"] } }), 403, "permission_denied", /grace/);
  assert.equal((await issue(fresh, { id: "from-grace", scope: { ops: ["read"] } })).status, 201);
});

test("op groups: a token issued with one group allows exactly that group's operations (docs/dialects.md table), as tokenkit's verify sees it", async () => {
  const table = {
    "account.read": ["list-basins", "get-basin-config", "list-access-tokens", "account-metrics", "list-locations", "get-default-location"],
    "account.write": ["create-basin", "delete-basin", "reconfigure-basin", "issue-access-token", "revoke-access-token", "set-default-location"],
    "basin.read": ["list-streams", "get-stream-config", "basin-metrics"],
    "basin.write": ["create-stream", "delete-stream", "reconfigure-stream"],
    "stream.read": ["check-tail", "read", "stream-metrics"],
    "stream.write": ["append", "trim", "fence"],
  };
  const every = Object.values(table).flat();
  assert.equal(new Set(every).size, 24);
  for (const [group, ops] of Object.entries(table)) {
    const [g, rw] = group.split(".");
    const id = `group-${g}-${rw}`;
    const secret = await issued(id, { basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { [g]: { [rw]: true } } });
    assert.deepEqual((await list(owner.token, `?prefix=${id}`)).body.access_tokens[0].scope.ops, [], "groups are not expanded into ops");
    for (const op of every) {
      const v = await tk(svc, "POST", "/tk/v1/verify", owner.token, { token: secret, request: { action: op, basin: "my-basin-1", stream: "s", accessToken: "x" } });
      assert.equal(v.status, 200, v.text);
      assert.equal(v.body.valid, ops.includes(op), `${group} ${op}: ${v.body.reason}`);
    }
  }
  // The dialect applies the same table: account.write may issue but not list; account.read may list.
  const writer = await newMember(svc, owner.account, "account-writer", "member", { language: "s2", access_tokens: { prefix: "" }, op_groups: { account: { write: true } } });
  assert.equal((await issue(writer.token, { id: "group-issued", scope: { access_tokens: { prefix: "group-" }, op_groups: { account: { write: true } } } })).status, 201);
  assertError(await list(writer.token), 403, "permission_denied", "operation not permitted: list-access-tokens");
  const reader = await newMember(svc, owner.account, "account-reader", "member", { language: "s2", access_tokens: { prefix: "group-" }, op_groups: { account: { read: true } } });
  assert.ok(ids(await list(reader.token)).includes("group-issued"));
});

test("attenuation across exact and prefix: a caller's exact set covers only that name, a prefix covers names and longer prefixes under it", async () => {
  const exact = await newMember(svc, owner.account, "exact-streams", "member", { language: "s2", streams: { exact: "logs/app" }, access_tokens: { prefix: "att-" }, ops: ["issue-access-token", "read"] });
  assert.equal((await issue(exact.token, { id: "att-1", scope: { streams: { exact: "logs/app" }, ops: ["read"] } })).status, 201);
  assertError(await issue(exact.token, { id: "att-2", scope: { streams: { prefix: "logs/app" }, ops: ["read"] } }), 403, "permission_denied");
  assertError(await issue(exact.token, { id: "att-3", scope: { streams: { exact: "logs/app2" }, ops: ["read"] } }), 403, "permission_denied");
  // A null (nothing) set is covered by any set.
  assert.equal((await issue(exact.token, { id: "att-4", scope: { ops: ["read"] } })).status, 201);
  const prefix = await newMember(svc, owner.account, "prefix-streams", "member", { language: "s2", streams: { prefix: "logs/" }, access_tokens: { prefix: "att-" }, ops: ["issue-access-token", "read"] });
  assert.equal((await issue(prefix.token, { id: "att-5", scope: { streams: { exact: "logs/app" }, ops: ["read"] } })).status, 201);
  assert.equal((await issue(prefix.token, { id: "att-6", scope: { streams: { prefix: "logs/app/" }, ops: ["read"] } })).status, 201);
  assertError(await issue(prefix.token, { id: "att-7", scope: { streams: { prefix: "log" }, ops: ["read"] } }), 403, "permission_denied");
  assertError(await issue(prefix.token, { id: "att-8", scope: { streams: { exact: "metrics/x" }, ops: ["read"] } }), 403, "permission_denied");
});
