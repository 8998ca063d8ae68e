// tokenkit's own API (/tk/v1, issue 5) against a real `wrangler dev` (workerd + local D1): every
// route's happy path and error paths, the OpenAPI document and the dashboard's headers, the
// three auth header styles, last_used throttling, restart persistence, "no D1 read for a
// malformed token", no secret in the logs — and every response checked against the OpenAPI
// document the service serves (status documented, body valid against its schema: schema.mjs).
// The security suite run on every route is security.test.mjs; the peppered service,
// api-pepper.test.mjs.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { call, ROOT } from "./harness.mjs";
import { deref, violations, checkedResponses } from "./schema.mjs";
import {
  tk, sleep, POLICY, OWNER, NAMES, TOKEN_RE, DAY, svc, doc, R, secrets, rootAccount, acme, globex,
  startApi, stopApi, api, assertError, mint, self, rotateById, addMonths, wrongChecksum,
} from "./api-helpers.mjs";

before(startApi);
after(stopApi);

// ---------------------------------------------------------------------------------------------

describe("OpenAPI document", () => {
  test("is served at /openapi.json, is OpenAPI 3.1 and describes every route of the router", async () => {
    assert.equal(doc.openapi, "3.1.0");
    const routes = [
      ["get", "/tk/v1/tokens"], ["post", "/tk/v1/tokens"], ["get", "/tk/v1/tokens/{id}"], ["patch", "/tk/v1/tokens/{id}"],
      ["delete", "/tk/v1/tokens/{id}"], ["post", "/tk/v1/tokens/{id}/rotate"], ["post", "/tk/v1/verify"], ["get", "/tk/v1/self"],
      ["post", "/tk/v1/self/rotate"], ["delete", "/tk/v1/self"], ["post", "/tk/v1/accounts"], ["post", "/tk/v1/accounts/{id}/members"],
      ["get", "/tk/v1/accounts/{id}/members"], ["post", "/tk/v1/leaks"], ["get", "/openapi.json"],
      // accountability (issue #18)
      ["post", "/tk/v1/tokens/{id}/disable"], ["post", "/tk/v1/tokens/{id}/enable"], ["post", "/tk/v1/tokens/revoke"], ["get", "/tk/v1/audit"],
      ["delete", "/tk/v1/accounts/{id}/members/{memberId}"], ["patch", "/tk/v1/accounts/{id}/members/{memberId}"],
      ["get", "/tk/v1/accounts/{id}/policy"], ["put", "/tk/v1/accounts/{id}/policy"],
      ["post", "/tk/v1/accounts/{id}/webhooks"], ["get", "/tk/v1/accounts/{id}/webhooks"], ["delete", "/tk/v1/accounts/{id}/webhooks/{webhookId}"],
      ["get", "/tk/v1/accounts/{id}/webhooks/{webhookId}/deliveries"],
    ];
    for (const [m, p] of routes) assert.ok(doc.paths[p]?.[m], `${m} ${p} documented`);
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((k) => k !== "parameters").map((m) => `${m} ${p}`));
    assert.deepEqual(documented.sort(), routes.map(([m, p]) => `${m} ${p}`).sort(), "no documented route that the router lacks");
    // every $ref resolves
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) assert.ok(deref({ $ref: JSON.parse(`{${ref}}`).$ref }), ref);
    // the repository copy is the served one, but for the server's baseUrl: the serving origin
    const file = JSON.parse(readFileSync(join(ROOT, "worker/openapi.json"), "utf8"));
    assert.equal(doc.servers[0].variables.baseUrl.default, svc.base);
    assert.deepEqual({ ...doc, servers: file.servers }, file);
    const served = doc.servers[0];
    assert.deepEqual({ ...served, variables: { baseUrl: { ...served.variables.baseUrl, default: file.servers[0].variables.baseUrl.default } } }, file.servers[0]);
  });
});

describe("no static assets", () => {
  test("the service serves no dashboard: every path outside its routes is a JSON 404 (the dashboard's own Worker serves www/)", async () => {
    for (const path of ["/", "/index.html", "/js/app.js", "/_headers"]) {
      const r = await call(svc.base, "GET", path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error.code, "not_found", path);
    }
  });
});

describe("OpenAPI scope schemas", () => {
  const vectors = (f) => JSON.parse(readFileSync(join(ROOT, `tests/vectors/scope/${f}.json`), "utf8"));
  const valid = [...vectors("checks").map((c) => c.scope), ...vectors("covers").flatMap((c) => [c.parent, c.child])];

  test("every valid scope vector fits ScopeInput, and its normal form fits Scope", () => {
    assert.ok(valid.length > 50);
    for (const scope of valid) {
      assert.deepEqual(violations({ $ref: "#/components/schemas/ScopeInput" }, scope), [], JSON.stringify(scope));
      assert.deepEqual(violations({ $ref: "#/components/schemas/Scope" }, tk.validateScope(scope)), [], JSON.stringify(scope));
    }
  });

  test("invalid scope vectors are outside ScopeInput", () => {
    for (const c of vectors("invalid")) {
      assert.notDeepEqual(violations({ $ref: "#/components/schemas/ScopeInput" }, c.scope), [], c.name);
    }
  });
});

describe("create", () => {
  test("each lifetime kind gives the documented expiry", async () => {
    const instant = Date.now() + 3 * DAY + 1234;
    const kinds = [
      [undefined, (c) => c + 90 * DAY], // the default: 90 days
      ["never", () => null],
      [-1, () => null],
      ["-1", () => null],
      ["one-week", (c) => c + 7 * DAY],
      ["one-month", (c) => addMonths(c, 1)],
      ["three-months", (c) => addMonths(c, 3)],
      ["six-months", (c) => addMonths(c, 6)],
      ["one-year", (c) => addMonths(c, 12)],
      ["7-days", (c) => c + 7 * DAY],
      ["30-days", (c) => c + 30 * DAY],
      ["60-days", (c) => c + 60 * DAY],
      ["90-days", (c) => c + 90 * DAY],
      [3600, (c) => c + 3_600_000],
      ["7200", (c) => c + 7_200_000],
      ["P2W", (c) => c + 14 * DAY],
      ["PT12H", (c) => c + 12 * 3_600_000],
      ["P1DT0.5S", (c) => c + DAY + 500],
      [new Date(instant).toISOString(), () => instant],
      [new Date(instant).toISOString().replace("Z", "+00:00"), () => instant],
      ["2030-06-01T12:00:00+02:00", () => Date.parse("2030-06-01T10:00:00Z")],
    ];
    for (const [lifetime, expected] of kinds) {
      const { token, secret } = await mint(R, { name: `lifetime ${lifetime}`, ...(lifetime === undefined ? {} : { lifetime }) });
      const created = Date.parse(token.createdAt);
      const want = expected(created);
      assert.equal(token.expiresAt, want === null ? null : new Date(want).toISOString(), `lifetime ${JSON.stringify(lifetime)}`);
      assert.equal((await self(secret)).status, 200);
    }
  });

  test("each scope language is stored in its normal form and governs the new token", async () => {
    const cases = [
      [{ language: "s2", basins: { prefix: "" }, streams: { prefix: "users/" }, op_groups: { stream: { read: true } } }, { action: "read", basin: "basin-0001", stream: "users/1" }, { action: "append", basin: "basin-0001", stream: "users/1" }],
      [{ language: "privileges", privileges: ["orders:read", "users:*"] }, { action: "users:delete" }, { action: "orders:write" }],
      [POLICY("reader", [{ effect: "allow", actions: ["deploy"], resources: ["proj/*"] }]), { action: "deploy", resource: "proj/web" }, { action: "deploy", resource: "acct" }],
      [NAMES("read", "write"), { action: "write" }, { action: "admin" }],
      [{ language: "names", scopes: null }, { action: "anything" }, null],
    ];
    for (const [scope, allowed, denied] of cases) {
      const { token, secret } = await mint(R, { name: `scope ${scope.language}`, scope });
      assert.deepEqual(token.scope, tk.validateScope(scope), scope.language);
      assert.equal(token.dialect, "tokenkit");
      const me = await self(secret);
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.scope, token.scope);
      const ok = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request: allowed } });
      assert.equal(ok.body.valid, true, `${scope.language} allows ${JSON.stringify(allowed)}: ${ok.body.reason}`);
      if (denied) {
        const no = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request: denied } });
        assert.equal(no.body.valid, false, `${scope.language} denies ${JSON.stringify(denied)}`);
        assert.equal(no.body.code, "forbidden");
      }
    }
  });

  test("the secret is shown once, well-formed, with a masked hint; ETag is the version", async () => {
    const r = await api("POST", "/tk/v1/tokens", { token: R, body: { name: "  padded  ", description: "for CI", scope: NAMES("read") } });
    assert.equal(r.status, 201);
    assert.match(r.body.secret, TOKEN_RE);
    assert.equal(r.body.token.hint, `tk_…${r.body.secret.slice(-4)}`);
    assert.equal(r.body.token.name, "padded");
    const emoji = await mint(R, { name: "🔑".repeat(100) }); // 100 characters (200 UTF-16 units)
    assert.equal(emoji.token.name, "🔑".repeat(100));
    assert.equal(r.body.token.description, "for CI");
    assert.equal(r.body.token.version, 1);
    assert.equal(r.headers.get("etag"), '"1"');
    assert.equal(r.body.token.accountId, rootAccount);
    assert.equal(r.body.token.ownerId, svc.root.member);
    assert.equal(r.body.token.lastUsedAt, null);
    const got = await api("GET", `/tk/v1/tokens/${r.body.token.id}`, { token: R });
    assert.ok(!JSON.stringify(got.body).includes(r.body.secret.slice(3, 30)), "the secret is never shown again");
    assert.ok(!/digest|sha256/.test(JSON.stringify(got.body)), "no digest in responses");
  });

  test("422 names the field; nothing is created", async () => {
    const count = async () => (await api("GET", "/tk/v1/tokens?limit=100", { token: acme.secret })).body.tokens.length;
    const before = await count();
    const bad = [
      [{ scope: OWNER }, "invalid_field", "name"],
      [{ name: "   ", scope: OWNER }, "invalid_field", "name"],
      [{ name: 7, scope: OWNER }, "invalid_field", "name"],
      [{ name: "x".repeat(257), scope: OWNER }, "invalid_field", "name"],
      [{ name: ` ${"x".repeat(255)} `, scope: OWNER }, "invalid_field", "name"], // counted before trimming, as the schema's maxLength
      [{ name: null, scope: OWNER }, "invalid_field", "name"],
      [{ name: "a\u0007b", scope: OWNER }, "invalid_field", "name"],
      [{ name: "x", description: "d".repeat(1025), scope: OWNER }, "invalid_field", "description"],
      [{ name: "x", description: 5, scope: OWNER }, "invalid_field", "description"],
      [{ name: "x", scope: OWNER, colour: "red" }, "unknown_field", "colour"],
      [{ name: "x" }, "invalid_field", "scope"],
      [{ name: "x", scope: { language: "klingon" } }, "unknown_scope_language", "scope.language"],
      [{ name: "x", scope: { language: "privileges", privileges: ["ok:read", "bad"] } }, "invalid_scope", "scope.privileges[1]"],
      [{ name: "x", scope: OWNER, lifetime: "tomorrow" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: 0 }, "invalid_ttl", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: 1.5 }, "invalid_ttl", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: "2020-01-01T00:00:00Z" }, "lifetime_in_past", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: { days: 3 } }, "invalid_input", "lifetime.lifetime"],
      [{ name: "x", scope: OWNER, lifetime: null }, "invalid_input", "lifetime.lifetime"],
      [{ name: "x", scope: OWNER, lifetime: "" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: `2030-01-01T00:00:00.${"0".repeat(90)}Z` }, "invalid_lifetime", "lifetime"],
    ];
    for (const [body, code, field] of bad) {
      const r = await api("POST", "/tk/v1/tokens", { token: acme.secret, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(r.body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    assert.equal(await count(), before);
  });
});

describe("list", () => {
  let lister; // a member of acme with its own tokens
  const made = [];
  before(async () => {
    // created by root so that it may hold a token that never expires
    const m = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: R, body: { name: "lister", scope: OWNER, lifetime: "never" } });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    lister = m.body;
    for (let i = 1; i <= 5; i++) made.push((await mint(lister.secret, { name: `Page-${i}`, lifetime: "one-year" })).token);
    made.push((await mint(lister.secret, { name: "soon", lifetime: 3600 })).token);
    made.push((await mint(lister.secret, { name: "forever", lifetime: "never" })).token);
    made.push((await mint(lister.secret, { name: "gone", lifetime: 1 })).token);
    await sleep(Math.max(0, Date.parse(made.at(-1).expiresAt) - Date.now()) + 100);
  });
  const list = (q, token = lister.secret) => api("GET", `/tk/v1/tokens${q}`, { token });

  test("cursor pagination walks every token once, newest first", async () => {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const r = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.tokens.length <= 3);
      seen.push(...r.body.tokens.map((t) => t.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(cursor, null);
    const expected = [...made].reverse().map((t) => t.id).concat(lister.token.id); // the first token is the oldest
    assert.deepEqual(seen, expected);
    assert.equal(pages, 3);
    const whole = await list("");
    assert.deepEqual(whole.body.tokens.map((t) => t.id), expected);
    assert.equal(whole.body.next_cursor, null);
  });

  test("filters: name (substring, ASCII case-insensitive), expired, expiring_within_days, combined", async () => {
    const ids = async (q) => (await list(q)).body.tokens.map((t) => t.name);
    assert.deepEqual(await ids("?name=page"), ["Page-5", "Page-4", "Page-3", "Page-2", "Page-1"]);
    assert.deepEqual(await ids("?name=PAGE-3"), ["Page-3"]);
    assert.deepEqual(await ids("?name=nothing-like-this"), []);
    assert.deepEqual(await ids("?expired=true"), ["gone"]);
    assert.ok(!(await ids("?expired=false")).includes("gone"));
    assert.equal((await ids("?expired=false")).length, made.length); // 7 live + the first token
    assert.deepEqual(await ids("?expiring_within_days=1"), ["soon"]);
    const within400 = await ids("?expiring_within_days=400");
    assert.ok(within400.includes("Page-1") && within400.includes("soon") && !within400.includes("forever") && !within400.includes("gone"));
    const p1 = await list("?name=page&limit=2");
    assert.deepEqual(p1.body.tokens.map((t) => t.name), ["Page-5", "Page-4"]);
    const p2 = await list(`?name=page&limit=2&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(p2.body.tokens.map((t) => t.name), ["Page-3", "Page-2"]);
  });

  test("secrets are never listed, only masked hints; revoked tokens are not listed", async () => {
    const r = await list("?limit=100");
    const text = JSON.stringify(r.body);
    for (const s of secrets) assert.ok(!text.includes(s));
    for (const t of r.body.tokens) assert.match(t.hint, /^tk_…[0-9A-Za-z]{4}$/);
    const victim = await mint(lister.secret, { name: "to revoke" });
    assert.equal((await api("DELETE", `/tk/v1/tokens/${victim.token.id}`, { token: lister.secret })).status, 204);
    assert.ok(!(await list("?limit=100")).body.tokens.some((t) => t.id === victim.token.id));
  });

  test("members see their own tokens; admins see everyone's with all=true; members may not", async () => {
    const own = (await list("?limit=100", acme.secret)).body.tokens;
    assert.ok(own.every((t) => t.ownerId === acme.member.id));
    const all = (await list("?all=true&limit=100", acme.secret)).body.tokens;
    assert.ok(made.every((m) => all.some((t) => t.id === m.id)));
    assert.ok(all.every((t) => t.accountId === acme.account.id));
    const bob = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "bob", role: "member", scope: POLICY("writer") } });
    assertError(await list("?all=true", bob.body.secret), 403, "forbidden", "all");
    // an owner's token that may view only the owner's own tokens cannot list everyone's
    const own_only = await mint(acme.secret, { name: "own only", scope: POLICY("no_access", [{ effect: "allow", actions: ["viewAccessToken"], resources: [`member/${acme.member.id}:token/*`] }]) });
    assert.equal((await list("", own_only.secret)).status, 200);
    assertError(await list("?all=true", own_only.secret), 403, "insufficient_scope");
  });

  test("400 for a bad query, naming the parameter", async () => {
    for (const [q, field] of [
      ["?limit=0", "limit"], ["?limit=101", "limit"], ["?limit=ten", "limit"], ["?cursor=abc", "cursor"], ["?cursor=-1", "cursor"],
      ["?expired=yes", "expired"], ["?expiring_within_days=0", "expiring_within_days"], ["?expiring_within_days=1.5", "expiring_within_days"],
      ["?all=1", "all"], ["?colour=red", "colour"], [`?name=${"n".repeat(257)}`, "name"],
    ]) assertError(await list(q), 400, "invalid_query", field);
  });
});

describe("get", () => {
  test("200 with the metadata and its ETag; 404 for unknown, revoked, or another member's token", async () => {
    const { token } = await mint(R, { name: "gettable", scope: NAMES("x") });
    const r = await api("GET", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, token);
    assert.equal(r.headers.get("etag"), '"1"');
    assertError(await api("GET", "/tk/v1/tokens/000000000000000000000000", { token: R }), 404, "not_found");
    assertError(await api("GET", `/tk/v1/tokens/${encodeURIComponent("no such ~id")}`, { token: R }), 404, "not_found");
    await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R });
    assertError(await api("GET", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    // members act on their own tokens only; the account's owner on everyone's
    const carol = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "carol", scope: POLICY("writer") } });
    const dave = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "dave", scope: POLICY("writer") } });
    assertError(await api("GET", `/tk/v1/tokens/${dave.body.token.id}`, { token: carol.body.secret }), 404, "not_found");
    assert.equal((await api("GET", `/tk/v1/tokens/${dave.body.token.id}`, { token: acme.secret })).status, 200);
  });
});

describe("patch", () => {
  test("If-Match on the version: 200 and a new ETag, 412 on a stale version (nothing changed)", async () => {
    const { token } = await mint(R, { name: "patchme", scope: NAMES("a", "b"), lifetime: "30-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const p1 = await api("PATCH", url, { token: R, headers: { "if-match": '"1"', "content-type": "application/json-patch+json" }, body: [{ op: "replace", path: "/name", value: "renamed" }] });
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.equal(p1.body.name, "renamed");
    assert.equal(p1.body.version, 2);
    assert.equal(p1.headers.get("etag"), '"2"');
    assert.equal(p1.body.expiresAt, token.expiresAt, "an untouched expiry stays exactly as it was");
    const stale = await api("PATCH", url, { token: R, headers: { "if-match": '"1"' }, body: [{ op: "replace", path: "/name", value: "lost update" }] });
    assertError(stale, 412, "precondition_failed");
    assertError(await api("PATCH", url, { token: R, headers: { "if-match": 'W/"1", "7"' }, body: [{ op: "replace", path: "/name", value: "x" }] }), 412, "precondition_failed");
    const now = await api("GET", url, { token: R });
    assert.equal(now.body.name, "renamed");
    assert.equal(now.body.version, 2);
    const p2 = await api("PATCH", url, { token: R, headers: { "if-match": 'W/"2"' }, body: [{ op: "add", path: "/description", value: "weak tag ok" }] });
    assert.equal(p2.status, 200);
    const p3 = await api("PATCH", url, { token: R, headers: { "if-match": "*" }, body: [{ op: "remove", path: "/description" }] });
    assert.equal(p3.status, 200);
    assert.equal(p3.body.description, null);
    const p4 = await api("PATCH", url, { token: R, body: [{ op: "test", path: "/version", value: 4 }, { op: "remove", path: "/scope/scopes/0" }] });
    assert.equal(p4.status, 200, JSON.stringify(p4.body));
    assert.deepEqual(p4.body.scope, NAMES("b"));
    assert.equal(p4.body.version, 5);
  });

  test("expiry may be shortened (RFC 3339 or epoch ms), never extended or removed", async () => {
    const { token, secret } = await mint(R, { name: "shorten", lifetime: "30-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const sooner = Date.parse(token.expiresAt) - DAY;
    const a = await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: new Date(sooner).toISOString() }] });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.expiresAt, new Date(sooner).toISOString());
    const b = await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: sooner - DAY }] });
    assert.equal(b.body.expiresAt, new Date(sooner - DAY).toISOString());
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: new Date(sooner + DAY).toISOString() }] }), 422, "expiry_extended", "/expiresAt");
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: null }] }), 422, "expiry_extended", "/expiresAt");
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: "2020-01-01T00:00:00Z" }] }), 422, "expiry_in_past", "/expiresAt");
    // shortened to a moment from now: the token stops working then
    const soon = Date.now() + 1500;
    assert.equal((await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: soon }] })).status, 200);
    assert.equal((await self(secret)).status, 200);
    await sleep(soon - Date.now() + 100);
    assertError(await self(secret), 401, "expired");
  });

  test("a caller that expires may not move an expiry later, even within its own; an expiry past 9999 is 422, not stored", async () => {
    const caller = await mint(R, { name: "30-day owner", lifetime: "30-days" });
    const { token } = await mint(caller.secret, { name: "7-day", lifetime: "7-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const later = Date.parse(token.expiresAt) + DAY; // still before the caller's own expiry
    assertError(await api("PATCH", url, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: later }] }), 422, "expiry_extended", "/expiresAt");
    // A token that never expires, patched by one that does: not past the caller's expiry.
    const forever = await mint(R, { name: "forever", lifetime: "never" });
    const fUrl = `/tk/v1/tokens/${forever.token.id}`;
    const past = Date.parse(caller.token.expiresAt) + DAY;
    assertError(await api("PATCH", fUrl, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: past }] }), 422, "expiry_extended", "/expiresAt");
    const within = Date.parse(caller.token.expiresAt) - DAY;
    const ok = await api("PATCH", fUrl, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: within }] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // Epoch ms beyond 9999-12-30 (a JS Date could not show it back) is refused, for any caller.
    const big = await mint(R, { name: "big", lifetime: "never" });
    const bUrl = `/tk/v1/tokens/${big.token.id}`;
    for (const value of [Number.MAX_SAFE_INTEGER, 253402207200001, 8.64e15]) {
      assertError(await api("PATCH", bUrl, { token: R, body: [{ op: "replace", path: "/expiresAt", value }] }), 422, "invalid_token_field", "/expiresAt");
    }
    const after = await api("GET", bUrl, { token: R });
    assert.equal(after.status, 200);
    assert.equal(after.body.expiresAt, null);
    assert.equal(after.body.version, big.token.version);
    const last = await api("PATCH", bUrl, { token: R, body: [{ op: "replace", path: "/expiresAt", value: 253402207200000 }] });
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.equal(last.body.expiresAt, "9999-12-30T22:00:00.000Z");
  });

  test("422 for a patch the policy refuses, with the path; 400/415 for the body; version unchanged", async () => {
    const { token } = await mint(R, { name: "policy", scope: NAMES("a") });
    const url = `/tk/v1/tokens/${token.id}`;
    const cases = [
      [[{ op: "replace", path: "/id", value: "mine" }], "patch_forbidden_path", "/id"],
      [[{ op: "replace", path: "/version", value: 9 }], "patch_forbidden_path", "/version"],
      [[{ op: "replace", path: "/hint", value: "tk_…0000" }], "patch_forbidden_path", "/hint"],
      [[{ op: "add", path: "/secret", value: "x" }], "patch_forbidden_path", "/secret"],
      [[{ op: "remove", path: "/name" }], "patch_forbidden_operation", "/name"],
      [[{ op: "test", path: "/name", value: "other" }], "test_failed", "/name"],
      [[{ op: "replace", path: "/name", value: 5 }], "invalid_token_field", "/name"],
      [[{ op: "replace", path: "/scope", value: { language: "names", scopes: [""] } }], "invalid_token_field", "/scope"],
      [[{ op: "jump", path: "/name" }], "invalid_operation", undefined],
      [{ op: "replace", path: "/name", value: "x" }, "invalid_patch", undefined],
    ];
    for (const [body, code, field] of cases) {
      const r = await api("PATCH", url, { token: R, body });
      assertError(r, 422, code, field);
    }
    // past the one field-limit table's name limit (256): the patch policy refuses it, naming the path
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/name", value: "n".repeat(257) }] }), 422, "invalid_token_field", "/name");
    assertError(await api("PATCH", url, { token: R, raw: "[{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    assertError(await api("PATCH", url, { token: R, raw: "[]", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
    const r = await api("GET", url, { token: R });
    assert.equal(r.body.version, 1);
    assert.equal(r.body.name, "policy");
  });
});

describe("rotate", () => {
  test("without grace: a new secret; the old one presented again is reuse: 401 reused_secret, the token revoked", async () => {
    const { token, secret } = await mint(R, { name: "rot" });
    const r = await rotateById(R, token.id);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.secret, TOKEN_RE);
    assert.notEqual(r.body.secret, secret);
    assert.equal(r.body.previous_expires_at, null);
    assert.equal(r.body.token.version, 2);
    assert.equal(r.body.token.hint, `tk_…${r.body.secret.slice(-4)}`);
    assert.equal(r.headers.get("etag"), '"2"');
    assert.equal((await self(r.body.secret)).status, 200);
    // explicit "no grace" spellings
    let last = r.body.secret;
    for (const grace of [null, 0, "now"]) {
      const again = await rotateById(R, token.id, { grace });
      assert.equal(again.status, 200);
      assert.equal(again.body.previous_expires_at, null);
      last = again.body.secret;
    }
    // The first secret, retired three rotations ago, presented again: the token is revoked.
    assertError(await self(secret), 401, "reused_secret");
    assertError(await self(last), 401, "revoked");
    assertError(await self(secret), 401, "revoked", undefined);
  });

  test("with grace: the old secret works until the grace ends; presented after it, it revokes the token (reused_secret)", async () => {
    const { token, secret } = await mint(R, { name: "grace" });
    const r = await rotateById(R, token.id, { grace: 2 });
    assert.equal(r.status, 200);
    const until = Date.parse(r.body.previous_expires_at);
    assert.ok(Math.abs(until - (Date.now() + 2000)) < 1500, r.body.previous_expires_at);
    const old = await self(secret);
    assert.equal(old.status, 200, "the previous secret keeps working during the grace");
    assert.equal(old.body.id, token.id);
    assert.equal((await self(r.body.secret)).status, 200);
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(v.body.valid, true);
    // …but may not mint secrets during its grace
    assertError(await rotateById(secret, token.id), 403, "previous_secret");
    assertError(await api("POST", "/tk/v1/self/rotate", { token: secret }), 403, "previous_secret");
    assertError(await api("POST", "/tk/v1/tokens", { token: secret, body: { name: "child", scope: OWNER } }), 403, "previous_secret");
    await sleep(until - Date.now() + 150);
    assertError(await self(secret), 401, "reused_secret");
    const after = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(after.body.valid, false);
    assert.equal(after.body.code, "revoked", "the reuse revoked it");
    assertError(await self(r.body.secret), 401, "revoked");
  });

  test("reuse through verify: a resource server checking a retired secret revokes its token", async () => {
    const { token, secret } = await mint(R, { name: "reuse via verify" });
    const r = await rotateById(R, token.id);
    assert.equal(r.status, 200);
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.deepEqual([v.body.valid, v.body.code, v.body.rule], [false, "reused_secret", "reuse"]);
    assertError(await self(r.body.secret), 401, "revoked");
  });

  test("reuse detection keeps the last retiredSecretsKept() retired secrets", async () => {
    const kept = tk.retiredSecretsKept();
    const { token, secret: first } = await mint(R, { name: "many rotations" });
    const retired = [first];
    let current;
    for (let i = 0; i < kept + 1; i++) {
      const r = await rotateById(R, token.id);
      assert.equal(r.status, 200);
      current = r.body.secret;
      if (i < kept) retired.push(current);
    }
    // kept + 1 rotations: kept + 1 retired secrets; the oldest one is forgotten (unknown), the
    // oldest one still kept is reuse.
    assertError(await self(retired[0]), 401, "unknown_token");
    assert.equal((await self(current)).status, 200);
    assertError(await self(retired[1]), 401, "reused_secret");
    assertError(await self(current), 401, "revoked");
  });

  test("the grace is capped at the token's own expiry; a grace must end; bad bodies refused", async () => {
    const { token } = await mint(R, { name: "capped", lifetime: 3600 });
    const r = await rotateById(R, token.id, { grace: "P1D" });
    assert.equal(r.status, 200);
    assert.equal(r.body.previous_expires_at, token.expiresAt);
    assert.equal(r.body.token.expiresAt, token.expiresAt, "rotation does not extend the token");
    const never = await mint(R, { name: "never", lifetime: "never" });
    assertError(await rotateById(R, never.token.id, { grace: "never" }), 422, "invalid_field", "grace");
    const finite = await rotateById(R, never.token.id, { grace: "PT1H" });
    assert.equal(finite.status, 200);
    assertError(await rotateById(R, never.token.id, { grace: "soon" }), 422, "invalid_lifetime", "grace");
    assertError(await rotateById(R, never.token.id, { grace: -5 }), 422, "invalid_ttl", "grace");
    assertError(await rotateById(R, never.token.id, { grace: `-${"0".repeat(99)}1` }), 422, "invalid_lifetime", "grace");
    assertError(await rotateById(R, never.token.id, { grace: 60, keep: true }), 422, "unknown_field", "keep");
    assertError(await api("POST", `/tk/v1/tokens/${never.token.id}/rotate`, { token: R, raw: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    assertError(await api("POST", `/tk/v1/tokens/${never.token.id}/rotate`, { token: R, raw: "grace=1", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415);
    assertError(await rotateById(R, "000000000000000000000000"), 404, "not_found");
  });
});

describe("revoke", () => {
  test("204; then the token is gone (404) and its secret answers revoked", async () => {
    const { token, secret } = await mint(R, { name: "revokable" });
    const r = await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(r.status, 204);
    assert.equal(r.body, null);
    assertError(await self(secret), 401, "revoked");
    assertError(await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    assertError(await api("GET", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.deepEqual([v.body.valid, v.body.code], [false, "revoked"]);
  });

  test("revoking during a rotation grace ends the previous secret too", async () => {
    const { token, secret } = await mint(R, { name: "revoke-in-grace" });
    const r = await rotateById(R, token.id, { grace: "PT1H" });
    assert.equal((await self(secret)).status, 200);
    assert.equal((await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R })).status, 204);
    assert.equal((await self(secret)).status, 401);
    assertError(await self(r.body.secret), 401, "revoked");
  });
});

describe("verify", () => {
  test("without a request: valid, with the token's id, owner, scope and expiry", async () => {
    const { token, secret } = await mint(R, { name: "verifiable", scope: NAMES("deploy"), lifetime: "one-week" });
    const r = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { valid: true, code: "ok", rule: "expiry", tokenId: token.id, owner: token.ownerId, scope: token.scope, expiresAt: token.expiresAt, remaining: null, reason: r.body.reason });
    assert.equal(typeof r.body.reason, "string");
  });

  test("with a request {action, resource}: the scope's decision and its reason", async () => {
    const { secret } = await mint(R, { name: "pol", scope: POLICY("no_access", [{ effect: "allow", actions: ["read*"], resources: ["proj/*"] }, { effect: "deny", actions: ["*"], resources: ["proj/secret"] }]) });
    const ask = (request) => api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request } });
    const yes = await ask({ action: "readFlag", resource: "proj/web" });
    assert.deepEqual([yes.body.valid, yes.body.code], [true, "ok"]);
    const denied = await ask({ action: "readFlag", resource: "proj/secret" });
    assert.deepEqual([denied.body.valid, denied.body.code], [false, "forbidden"]);
    assert.ok(denied.body.reason.length > 0);
    assert.ok(denied.body.tokenId, "a forbidden request still identifies the (valid) token");
    const other = await ask({ action: "writeFlag", resource: "proj/web" });
    assert.equal(other.body.valid, false);
    // a malformed request is the caller's error, naming the field
    assertError(await ask({ action: "readFlag" }), 422, "invalid_scope_request", "request.resource");
    assertError(await ask({ action: "readFlag", resource: "proj/web", colour: "red" }), 422, undefined, /^request/);
    assertError(await ask("readFlag"), 422, undefined, /^request/);
  });

  test("every failure is 200 valid:false with its code; 422 for a bad body", async () => {
    const revoked = await mint(R, { name: "v-revoked" });
    await api("DELETE", `/tk/v1/tokens/${revoked.token.id}`, { token: R });
    const expired = await mint(R, { name: "v-expired", lifetime: 1 });
    await sleep(Date.parse(expired.token.expiresAt) - Date.now() + 100);
    const cases = [
      ["", "missing_token"],
      ["hello", "malformed_token"],
      [wrongChecksum(R), "invalid_checksum"],
      [tk.generateToken(), "unknown_token"],
      [revoked.secret, "revoked"],
      [expired.secret, "expired"],
      [globex.secret, "unknown_token"], // another account's token: not disclosed
    ];
    for (const [token, code] of cases) {
      const r = await api("POST", "/tk/v1/verify", { token: R, body: { token } });
      assert.equal(r.status, 200);
      assert.equal(r.body.valid, false);
      assert.equal(r.body.code, code, token);
      assert.equal(r.body.tokenId, null);
      assert.equal(r.body.scope, null);
    }
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: {} }), 422, "invalid_field", "token");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: 5 } }), 422, "invalid_field", "token");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: R, extra: 1 } }), 422, "unknown_field", "extra");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: "x".repeat(201) } }), 422, "invalid_field", "token");
    // the request's shape is checked whatever the token (even an invalid one)
    for (const [request, field] of [[{}, "request.action"], [{ action: 5 }, "request.action"], [{ action: "a", colour: "red" }, "request.colour"], [[], "request"], ["a", "request"]]) {
      assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: "hello", request } }), 422, undefined, field);
    }
    const nul = await api("POST", "/tk/v1/verify", { token: R, body: { token: R, request: null } });
    assert.deepEqual([nul.status, nul.body.valid], [200, true]);
  });
});

describe("self", () => {
  test("introspects the presented token with its role and root flag", async () => {
    const me = await self(R);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, svc.root.id);
    assert.deepEqual([me.body.role, me.body.root], ["owner", true]);
    assert.equal(me.headers.get("etag"), `"${me.body.version}"`);
    const alice = await self(acme.secret);
    assert.deepEqual([alice.body.role, alice.body.root, alice.body.accountId], ["owner", false, acme.account.id]);
    const weak = await mint(R, { name: "no access", scope: POLICY("no_access") });
    assert.equal((await self(weak.secret)).status, 200, "any token may read itself, whatever its scope");
  });

  test("self/rotate: with and without grace", async () => {
    const { secret } = await mint(R, { name: "selfrot" });
    const a = await api("POST", "/tk/v1/self/rotate", { token: secret });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    const b = await api("POST", "/tk/v1/self/rotate", { token: a.body.secret, body: { grace: "PT10M" } });
    assert.equal(b.status, 200);
    assert.ok(Date.parse(b.body.previous_expires_at) > Date.now() + 9 * 60_000);
    assert.equal((await self(a.body.secret)).status, 200);
    assert.equal((await self(b.body.secret)).status, 200);
    assertError(await api("POST", "/tk/v1/self/rotate", { token: b.body.secret, body: { grace: "later" } }), 422, "invalid_lifetime", "grace");
  });

  test("DELETE /self revokes the presented token only", async () => {
    const one = await mint(R, { name: "self-1" });
    const two = await mint(R, { name: "self-2" });
    const r = await api("DELETE", "/tk/v1/self", { token: one.secret });
    assert.equal(r.status, 204);
    assertError(await self(one.secret), 401, "revoked");
    assert.equal((await self(two.secret)).status, 200);
  });
});

describe("admin", () => {
  test("root creates an account: its owner and first token (one year), which works", async () => {
    const r = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "initech", owner: "bill" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const { account, member, token, secret } = r.body;
    assert.equal(account.name, "initech");
    assert.deepEqual([member.name, member.role, member.accountId], ["bill", "owner", account.id]);
    assert.deepEqual([token.accountId, token.ownerId], [account.id, member.id]);
    assert.deepEqual(token.scope, tk.validateScope(OWNER));
    assert.equal(token.expiresAt, new Date(addMonths(Date.parse(token.createdAt), 12)).toISOString());
    const me = await self(secret);
    assert.deepEqual([me.body.role, me.body.root, me.body.accountId], ["owner", false, account.id]);
    const members = await api("GET", `/tk/v1/accounts/${account.id}/members`, { token: secret });
    assert.deepEqual(members.body.members.map((m) => m.name), ["bill"]);
    const scoped = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "scoped", scope: NAMES("a"), lifetime: "P1D" } });
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.scope, NAMES("a"));
    assert.equal(scoped.body.member.name, "owner");
  });

  test("an owner creates members (any scope it covers) and their first token", async () => {
    const r = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "erin", role: "admin", scope: POLICY("reader"), lifetime: "30-days" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.member.role, r.body.member.accountId], ["admin", acme.account.id]);
    assert.deepEqual(r.body.token.scope, tk.validateScope(POLICY("reader")));
    assert.equal(r.body.token.expiresAt, new Date(Date.parse(r.body.token.createdAt) + 30 * DAY).toISOString());
    const me = await self(r.body.secret);
    assert.deepEqual([me.body.role, me.body.ownerId], ["admin", r.body.member.id]);
    const def = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "frank" } });
    assert.equal(def.status, 201);
    assert.deepEqual([def.body.member.role, def.body.token.scope.role], ["member", "writer"]);
    const list = await api("GET", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret });
    assert.ok(["alice", "erin", "frank"].every((n) => list.body.members.some((m) => m.name === n)));
    // root may manage any account's members
    assert.equal((await api("POST", `/tk/v1/accounts/${globex.account.id}/members`, { token: R, body: { name: "by root", scope: POLICY("reader") } })).status, 201);
  });

  test("non-admins are refused; only owners add owners; 422 naming the field; nothing created", async () => {
    const acct = acme.account.id;
    const members = async () => (await api("GET", `/tk/v1/accounts/${acct}/members`, { token: acme.secret })).body.members.length;
    const n = await members();
    const m = await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body: { name: "mallory", role: "member", scope: OWNER } });
    const adm = await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body: { name: "ada", role: "admin", scope: OWNER } });
    assertError(await api("POST", "/tk/v1/accounts", { token: m.body.secret, body: { name: "evil" } }), 403, "forbidden");
    assertError(await api("POST", "/tk/v1/accounts", { token: acme.secret, body: { name: "evil" } }), 403, "forbidden");
    assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: m.body.secret, body: { name: "x", scope: NAMES("a") } }), 403, "forbidden");
    assertError(await api("GET", `/tk/v1/accounts/${acct}/members`, { token: m.body.secret }), 403, "forbidden");
    assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: adm.body.secret, body: { name: "x", role: "owner", scope: NAMES("a") } }), 403, "forbidden", "role");
    assert.equal((await api("POST", `/tk/v1/accounts/${acct}/members`, { token: adm.body.secret, body: { name: "by admin", scope: NAMES("a") } })).status, 201);
    const after = n + 3;
    for (const [body, code, field] of [
      [{}, "invalid_field", "name"],
      [{ name: "x", role: "boss" }, "invalid_field", "role"],
      [{ name: "x", scope: { language: "names", scopes: [5] } }, "invalid_scope", undefined],
      [{ name: "x", lifetime: "eventually" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", team: "a" }, "unknown_field", "team"],
      [{ name: "x", role: null }, "invalid_field", "role"],
      [{ name: "x", scope: null }, "invalid_field", "scope"],
    ]) assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body }), 422, code, field);
    for (const [body, code, field] of [
      [{}, "invalid_field", "name"],
      [{ name: "x", owner: 5 }, "invalid_field", "owner"],
      [{ name: "x", owner: null }, "invalid_field", "owner"],
      [{ name: "x", scope: { language: "nope" } }, "unknown_scope_language", "scope.language"],
      [{ name: "x", lifetime: 0 }, "invalid_ttl", "lifetime"],
    ]) assertError(await api("POST", "/tk/v1/accounts", { token: R, body }), 422, code, field);
    assert.equal(await members(), after, "refused requests created no member");
    assertError(await api("POST", "/tk/v1/accounts/000000000000000000000000/members", { token: R, body: { name: "x" } }), 404, "not_found");
    assertError(await api("GET", "/tk/v1/accounts/000000000000000000000000/members", { token: R }), 404, "not_found");
  });
});

describe("errors", () => {
  const post = (raw, type, path = "/tk/v1/tokens") => api("POST", path, { token: R, raw, headers: type ? { "content-type": type } : {} });

  test("400 for a body that is not JSON, not an object, or not UTF-8", async () => {
    assertError(await post("{", "application/json"), 400, "invalid_json");
    assertError(await post("", "application/json"), 400, "invalid_json");
    assertError(await post("[1]", "application/json"), 400, "invalid_json");
    assertError(await post("null", "application/json"), 400, "invalid_json");
    assertError(await post('"name"', "application/json; charset=utf-8"), 400, "invalid_json");
    assertError(await post(new Uint8Array([0x7b, 0xff, 0x7d]), "application/json"), 400, "invalid_encoding");
  });

  test("413 for a body over 64 KiB, declared or streamed; 64 KiB itself is read", async () => {
    const body = (n) => JSON.stringify({ name: "big", scope: OWNER, description: "" }).replace('""', `"${"d".repeat(n)}"`);
    const base = body(0).length;
    const exact = body(64 * 1024 - base);
    assert.equal(exact.length, 64 * 1024);
    assertError(await post(exact, "application/json"), 422, "invalid_field", "description"); // read, then refused for its length
    assertError(await post(body(64 * 1024 - base + 1), "application/json"), 413, "payload_too_large");
    assertError(await post("x".repeat(1 << 20), "application/json"), 413, "payload_too_large");
    // streamed without Content-Length: counted while reading
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (sent++ < 8) c.enqueue(chunk);
        else c.close();
      },
    });
    const r = await fetch(`${svc.base}/tk/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${R}`, "content-type": "application/json" }, body: stream, duplex: "half" });
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.code, "payload_too_large");
  });

  test("415 for another media type or none", async () => {
    const ok = JSON.stringify({ name: "x", scope: OWNER });
    assertError(await post(ok, "text/plain"), 415, "unsupported_media_type");
    assertError(await post(ok, "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    assertError(await post(new TextEncoder().encode(ok), undefined), 415, "unsupported_media_type");
    assertError(await post(ok, "application/json-patch+json"), 415, "unsupported_media_type");
    assertError(await post(ok, "text/plain", "/tk/v1/verify"), 415, "unsupported_media_type");
  });

  test("404 and 405 with the JSON envelope (405 lists the allowed methods)", async () => {
    for (const path of ["/tk/v1/nope", "/tk/v2/tokens", "/tk/v1/tokens/a/b", "/tk/v1/tokens/", "/tk", "/tk/v1/self/x"]) {
      assertError(await api("GET", path, { token: R }), 404, "not_found");
    }
    const cases = [
      ["PUT", "/tk/v1/tokens", "GET, POST"],
      ["DELETE", "/tk/v1/tokens", "GET, POST"],
      ["POST", "/tk/v1/tokens/abc", "GET, PATCH, DELETE"],
      ["GET", "/tk/v1/tokens/abc/rotate", "POST"],
      ["GET", "/tk/v1/verify", "POST"],
      ["PATCH", "/tk/v1/self", "GET, DELETE"],
      ["GET", "/tk/v1/self/rotate", "POST"],
      ["GET", "/tk/v1/accounts", "POST"],
      ["DELETE", "/tk/v1/accounts/abc/members", "POST, GET"],
      ["POST", "/openapi.json", "GET"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await api(method, path, { token: R });
      assertError(r, 405, "method_not_allowed");
      assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
    }
  });

  test("no 500 for odd input on any route", async () => {
    const { token } = await mint(R, { name: "odd" });
    const bodies = ["0", "true", "{}", '{"name":{}}', '{"name":"x","scope":"owner"}', '{"name":"x","scope":[]}', '{"name":"x","scope":{"language":"s2","basins":5}}',
      '{"name":"x","scope":{"language":"policy","inlineRole":[{"effect":"maybe"}]}}', '{"name":"x","scope":{},"lifetime":null}', '{"name":"x","scope":{"language":"names"},"lifetime":"P99999Y"}',
      '{"name":"x","scope":{"language":"names"},"lifetime":1e300}', '{"token":[],"request":{"action":""}}', '{"grace":{}}', '{"grace":"P99999Y"}', '{"grace":true}',
      `{"name":"${"\\ud800"}","scope":{"language":"names"}}`, "[".repeat(5000) + "]".repeat(5000), '{"__proto__":{"x":1},"name":"p","scope":{"language":"names"}}'];
    const targets = [["POST", "/tk/v1/tokens"], ["POST", "/tk/v1/verify"], ["POST", `/tk/v1/tokens/${token.id}/rotate`], ["PATCH", `/tk/v1/tokens/${token.id}`], ["POST", "/tk/v1/accounts"], ["POST", `/tk/v1/accounts/${rootAccount}/members`]];
    for (const [method, path] of targets) {
      for (const raw of bodies) {
        const r = await api(method, path, { token: R, raw, headers: { "content-type": "application/json" } });
        assert.ok(r.status >= 200 && r.status < 500, `${method} ${path} ${raw.slice(0, 60)} → ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    for (const id of ["%", "%E0%A4%A", "..", "%2e%2e", "a".repeat(128), "~~~"]) {
      const r = await api("GET", `/tk/v1/tokens/${id}`, { token: R });
      assert.ok(r.status === 404, `${id} → ${r.status}`);
    }
  });
});

describe("dialect tokens in tokenkit's API", () => {
  test("tokens issued through the four seed dialects are listed with schema-valid metadata", async () => {
    const S2_ALL = { language: "s2", basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { account: { read: true, write: true }, basin: { read: true, write: true }, stream: { read: true, write: true } } };
    const cases = [
      ["s2", S2_ALL, (o) => call(svc.base, "POST", "/v1/access-tokens", { token: o.secret, body: { id: "dialect-s2", scope: { ops: ["read"] } } })],
      ["akinon", { language: "privileges", privileges: ["*:*"] }, (o) => call(svc.base, "POST", "/api/v1/me/tokens", { token: o.secret, body: { name: "dialect akinon", lifetime: "one-week" } })],
      ["launchdarkly", OWNER, (o) => call(svc.base, "POST", "/api/v2/tokens", { headers: { authorization: o.secret }, body: { name: "dialect ld", role: "reader" } })],
      ["space", { language: "names", scopes: null }, (o) => call(svc.base, "POST", `/v1/accounts/${o.member.id}/accessTokens`, { headers: { authorization: o.secret }, body: { ttl: 3600 } })],
    ];
    for (const [dialect, scope, issue] of cases) {
      const acct = await api("POST", "/tk/v1/accounts", { token: R, body: { name: `${dialect} co`, scope, lifetime: "never" } });
      assert.equal(acct.status, 201, JSON.stringify(acct.body));
      const made = await issue(acct.body);
      assert.ok(made.status === 200 || made.status === 201, `${dialect}: ${made.status} ${JSON.stringify(made.body)}`);
      for (const v of Object.values(made.body ?? {})) if (typeof v === "string" && TOKEN_RE.test(v)) secrets.add(v);
      const listed = await api("GET", "/tk/v1/tokens?limit=100", { token: acct.body.secret }); // checked against the schema by api()
      const theirs = listed.body.tokens.filter((t) => t.dialect === dialect);
      assert.equal(theirs.length, 1, `${dialect}: ${JSON.stringify(listed.body.tokens.map((t) => t.dialect))}`);
      const one = await api("GET", `/tk/v1/tokens/${encodeURIComponent(theirs[0].id)}`, { token: acct.body.secret });
      assert.equal(one.status, 200);
    }
  });
});

// ---- auth details ----------------------------------------------------------------------------

describe("auth", () => {
  test("Authorization: Bearer, Authorization: <token> and x-access-token all authenticate", async () => {
    const { token, secret } = await mint(R, { name: "headers" });
    for (const headers of [{ authorization: `Bearer ${secret}` }, { authorization: `bearer ${secret}` }, { authorization: `  Bearer\t${secret}  ` }, { authorization: secret }, { "x-access-token": secret }, { "x-access-token": ` ${secret} ` }]) {
      const r = await api("GET", "/tk/v1/self", { headers });
      assert.equal(r.status, 200, JSON.stringify(headers));
      assert.equal(r.body.id, token.id);
    }
    // Authorization wins over x-access-token when both are sent
    assertError(await api("GET", "/tk/v1/self", { headers: { authorization: "Bearer nope", "x-access-token": secret } }), 401, "malformed_token");
  });

  test("last_used is written at most once a minute", async () => {
    const { token, secret } = await mint(R, { name: "usage" });
    const first = await self(secret);
    assert.equal(first.body.lastUsedAt, null, "the response shows the row as it was read");
    let used = null;
    for (let i = 0; i < 50 && used === null; i++) {
      await sleep(50);
      used = (await api("GET", `/tk/v1/tokens/${token.id}`, { token: R })).body.lastUsedAt;
    }
    assert.ok(used !== null, "the first use is recorded");
    assert.ok(Math.abs(Date.parse(used) - Date.parse(first.headers.get("date") ?? used)) < 5000);
    for (let i = 0; i < 5; i++) {
      assert.equal((await self(secret)).status, 200);
      await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    }
    await sleep(300);
    const later = await api("GET", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(later.body.lastUsedAt, used, "uses within the minute do not rewrite last_used");
    assert.equal(later.body.version, 1, "recording use is not an edit");
  });

  test("check() parses format and checksum before its first store call (the behaviour: see restart)", async () => {
    // The code: check() asks the core about the format and checksum (checkPresented) before the
    // first store call.
    const src = readFileSync(join(ROOT, "worker/src/auth.js"), "utf8");
    const body = src.slice(src.indexOf("export async function check"));
    assert.ok(body.indexOf("tk.checkPresented(secret)") > 0 && body.indexOf("tk.checkPresented(secret)") < body.indexOf("store.find"));
    // The behaviour is checked at the end of this file, with the tokens table taken away.
  });
});

// ---- persistence, storage, logs (last: these restart the service) ----------------------------

describe("restart", () => {
  test("a token created before a restart still verifies after it", async () => {
    const made = await mint(R, { name: "survivor", scope: NAMES("deploy") });
    const rotated = await mint(R, { name: "rotated survivor" });
    const rr = await rotateById(R, rotated.token.id, { grace: "PT1H" });
    await svc.stop();
    await svc.start();
    const me = await self(made.secret);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, made.token.id);
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: made.secret, request: { action: "deploy" } } });
    assert.deepEqual([v.body.valid, v.body.tokenId], [true, made.token.id]);
    assert.equal((await self(rotated.secret)).status, 200, "the rotation grace survives too");
    assert.equal((await self(rr.body.secret)).status, 200);
    assert.equal((await self(acme.secret)).status, 200);
  });

  test("malformed and wrong-checksum tokens get their 401 even with no tokens table (no D1 read)", async () => {
    await svc.stop();
    const d1 = (sql) =>
      execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--command", sql], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
        stdio: ["ignore", "pipe", "pipe"],
      });
    d1("ALTER TABLE tokens RENAME TO tokens_away"); // for good: nothing after this test uses the main service's data
    await svc.start();
    assertError(await self("hello"), 401, "malformed_token");
    assertError(await self(wrongChecksum(R)), 401, "invalid_checksum");
    assertError(await api("POST", "/tk/v1/verify", { headers: { "x-access-token": `${R.slice(0, 10)}!` }, body: { token: R } }), 401, "malformed_token");
    // control: a well-formed token does reach D1, which now fails
    const r = await call(svc.base, "GET", "/tk/v1/self", { token: R });
    assert.equal(r.status, 500, "the control request must reach the (broken) database");
  });
});

describe("logs", () => {
  test("no secret appears in the worker's logs", () => {
    const logs = svc.logs();
    assert.ok(secrets.size > 50, `secrets collected: ${secrets.size}`);
    for (const s of secrets) assert.ok(!logs.includes(s) && !logs.includes(s.slice(3, 33)), "a secret (or its body) is in the logs");
    assert.ok(checkedResponses > 300, `responses checked against the OpenAPI document: ${checkedResponses}`);
  });
});
