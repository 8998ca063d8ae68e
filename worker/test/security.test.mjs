// The security suite of tokenkit's own API (/tk/v1) against a real `wrangler dev`, run on every
// route: no token, malformed, wrong checksum, unknown, expired, revoked, rotated out after its
// grace, another account's token (404 / no data), insufficient scope (403), the three header
// styles; and granting more than the caller holds (scope or expiry) on create, patch and both
// admin routes. Every response is checked against the OpenAPI document (schema.mjs).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  tk, sleep, POLICY, OWNER, NAMES, R, rootAccount, globex,
  startApi, stopApi, api, assertError, mint, self, rotateById, wrongChecksum,
} from "./api-helpers.mjs";

before(startApi);
after(stopApi);

// ---- one security suite, run on every route ---------------------------------------------------

describe("security suite (every route)", () => {
  // Fixtures in the root account, owned by the root member (an owner): only the stated flaw differs.
  const f = {};
  before(async () => {
    f.target = await mint(R, { name: "the target", scope: NAMES("read"), lifetime: "one-week" });
    f.expired = await mint(R, { name: "expired", lifetime: 1 });
    f.revoked = await mint(R, { name: "revoked" });
    assert.equal((await api("DELETE", `/tk/v1/tokens/${f.revoked.token.id}`, { token: R })).status, 204);
    const rotated = await mint(R, { name: "rotated" });
    const rr = await rotateById(R, rotated.token.id, { grace: 1 });
    assert.equal(rr.status, 200);
    f.rotatedOut = { secret: rotated.secret, until: Date.parse(rr.body.previous_expires_at) };
    f.narrow = await mint(R, { name: "no access", scope: POLICY("no_access") });
    f.writer = await mint(R, { name: "writer", scope: POLICY("writer") });
    f.hourly = await mint(R, { name: "hourly owner", lifetime: 3600 });
    await sleep(Math.max(Date.parse(f.expired.token.expiresAt), f.rotatedOut.until) - Date.now() + 150);
  });

  const T = () => f.target.token.id;
  // Each route: how to call it, and what another account's token and a too-narrow scope get.
  const routes = [
    { name: "GET /tk/v1/tokens", method: "GET", path: () => "/tk/v1/tokens", foreign: "list", narrow: 403 },
    { name: "POST /tk/v1/tokens", method: "POST", path: () => "/tk/v1/tokens", body: () => ({ name: "x", scope: POLICY("no_access") }), foreign: "own-account", narrow: 403 },
    { name: "GET /tk/v1/tokens/{id}", method: "GET", path: () => `/tk/v1/tokens/${T()}`, foreign: 404, narrow: 403 },
    { name: "PATCH /tk/v1/tokens/{id}", method: "PATCH", path: () => `/tk/v1/tokens/${T()}`, body: () => [{ op: "replace", path: "/name", value: "pwned" }], foreign: 404, narrow: 403 },
    { name: "DELETE /tk/v1/tokens/{id}", method: "DELETE", path: () => `/tk/v1/tokens/${T()}`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/tokens/{id}/rotate", method: "POST", path: () => `/tk/v1/tokens/${T()}/rotate`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/verify", method: "POST", path: () => "/tk/v1/verify", body: () => ({ token: f.target.secret }), foreign: "unknown", narrow: 403 },
    { name: "GET /tk/v1/self", method: "GET", path: () => "/tk/v1/self", foreign: null, narrow: null },
    { name: "POST /tk/v1/self/rotate", method: "POST", path: () => "/tk/v1/self/rotate", foreign: null, narrow: null },
    { name: "DELETE /tk/v1/self", method: "DELETE", path: () => "/tk/v1/self", foreign: null, narrow: null },
    { name: "POST /tk/v1/accounts", method: "POST", path: () => "/tk/v1/accounts", body: () => ({ name: "new co" }), foreign: "forbidden", narrow: 403 },
    { name: "POST /tk/v1/accounts/{id}/members", method: "POST", path: () => `/tk/v1/accounts/${rootAccount}/members`, body: () => ({ name: "intruder", scope: POLICY("no_access") }), foreign: 404, narrow: 403 },
    { name: "GET /tk/v1/accounts/{id}/members", method: "GET", path: () => `/tk/v1/accounts/${rootAccount}/members`, foreign: 404, narrow: 403 },
  ];
  const send = (route, headers) => api(route.method, route.path(), { headers, body: route.body?.() });
  const bearer = (t) => ({ authorization: `Bearer ${t}` });

  for (const route of routes) {
    describe(route.name, () => {
      test("no token → 401 missing_token (with WWW-Authenticate)", async () => {
        const r = await send(route, {});
        assertError(r, 401, "missing_token");
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer /);
        assertError(await send(route, { authorization: "" }), 401, "missing_token");
        assertError(await send(route, { "x-access-token": "  " }), 401, "missing_token");
      });
      test("malformed token → 401 malformed_token", async () => {
        for (const t of ["hello", "tk_short", `${f.target.secret}x`, `Basic ${Buffer.from("a:b").toString("base64")}`, "TK_" + f.target.secret.slice(3)]) {
          assertError(await send(route, { authorization: t.startsWith("Basic") ? t : `Bearer ${t}` }), 401, "malformed_token");
        }
      });
      test("wrong checksum → 401 invalid_checksum", async () => {
        assertError(await send(route, bearer(wrongChecksum(R))), 401, "invalid_checksum");
      });
      test("well-formed but never issued → 401 unknown_token", async () => {
        assertError(await send(route, bearer(tk.generateToken())), 401, "unknown_token");
      });
      test("expired → 401 expired", async () => {
        assertError(await send(route, bearer(f.expired.secret)), 401, "expired");
      });
      test("revoked → 401 revoked", async () => {
        assertError(await send(route, bearer(f.revoked.secret)), 401, "revoked");
      });
      test("rotated out after its grace → 401 rotated", async () => {
        assertError(await send(route, bearer(f.rotatedOut.secret)), 401, "rotated");
      });
      if (route.foreign !== null) {
        test("another account's token → never the other account's data", async () => {
          const r = await send(route, bearer(globex.secret));
          const text = JSON.stringify(r.body);
          assert.ok(!text.includes(T()) && !text.includes("the target") && !text.includes(rootAccount), `leaks: ${text}`);
          if (route.foreign === 404) assertError(r, 404, "not_found");
          else if (route.foreign === "forbidden") assertError(r, 403, "forbidden");
          else if (route.foreign === "list") {
            assert.equal(r.status, 200);
            assert.ok(r.body.tokens.every((t) => t.accountId === globex.account.id));
          } else if (route.foreign === "own-account") {
            assert.equal(r.status, 201);
            assert.equal(r.body.token.accountId, globex.account.id);
          } else if (route.foreign === "unknown") {
            assert.deepEqual([r.status, r.body.valid, r.body.code, r.body.tokenId, r.body.scope], [200, false, "unknown_token", null, null]);
          }
        });
      }
      if (route.narrow !== null) {
        test("insufficient scope → 403 insufficient_scope", async () => {
          assertError(await send(route, bearer(f.narrow.secret)), 403, "insufficient_scope");
        });
      } else {
        test("any live token may read, rotate and revoke itself, whatever its scope", async () => {
          const t = await mint(R, { name: "self narrow", scope: POLICY("no_access") });
          const r = await send(route, bearer(t.secret));
          assert.equal(r.status, route.method === "DELETE" ? 204 : 200, JSON.stringify(r.body));
        });
      }
      test("three header styles reach the same check", async () => {
        for (const h of [{ authorization: f.expired.secret }, { "x-access-token": f.expired.secret }, { authorization: `bearer   ${f.expired.secret}` }]) {
          assertError(await send(route, h), 401, "expired");
        }
      });
    });
  }

  describe("granting more than the caller holds is refused", () => {
    test("POST /tk/v1/tokens: a broader scope, or an expiry past the caller's", async () => {
      assertError(await api("POST", "/tk/v1/tokens", { token: f.writer.secret, body: { name: "x", scope: OWNER } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/tokens", { token: f.writer.secret, body: { name: "x", scope: NAMES("a") } }), 403, "scope_not_covered", "scope");
      const names = await mint(R, { name: "names a", scope: NAMES("a", "tokens:write") });
      assertError(await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: NAMES("a", "b") } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: { language: "names", scopes: null } } }), 403, "scope_not_covered", "scope");
      assert.equal((await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: NAMES("a") } })).status, 201);
      for (const lifetime of ["never", -1, "one-year", "P1DT1S", new Date(Date.parse(f.hourly.token.expiresAt) + 1).toISOString()]) {
        assertError(await api("POST", "/tk/v1/tokens", { token: f.hourly.secret, body: { name: "x", scope: OWNER, lifetime } }), 403, "outlives_issuer", "lifetime");
      }
      const def = await mint(f.hourly.secret, { name: "default lifetime" });
      assert.equal(def.token.expiresAt, f.hourly.token.expiresAt, "the default lifetime is shortened to the caller's expiry");
      const equal = await mint(f.hourly.secret, { name: "same expiry", lifetime: f.hourly.token.expiresAt });
      assert.equal(equal.token.expiresAt, f.hourly.token.expiresAt);
    });

    test("PATCH /tk/v1/tokens/{id}: a broader scope, or an expiry past the caller's", async () => {
      const url = `/tk/v1/tokens/${T()}`;
      assertError(await api("PATCH", url, { token: f.writer.secret, body: [{ op: "replace", path: "/scope", value: OWNER }] }), 403, "scope_not_covered", "/scope");
      assertError(await api("PATCH", url, { token: f.writer.secret, body: [{ op: "replace", path: "/scope/scopes", value: null }] }), 403, "scope_not_covered");
      const later = Date.parse(f.hourly.token.expiresAt) + 60_000;
      assertError(await api("PATCH", url, { token: f.hourly.secret, body: [{ op: "replace", path: "/expiresAt", value: new Date(later).toISOString() }] }), 422, "expiry_extended", "/expiresAt");
    });

    test("POST /tk/v1/accounts/{id}/members: the first token follows the same rules", async () => {
      const path = `/tk/v1/accounts/${rootAccount}/members`;
      assertError(await api("POST", path, { token: f.writer.secret, body: { name: "x", scope: OWNER } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", path, { token: f.hourly.secret, body: { name: "x", scope: NAMES("a"), lifetime: "never" } }), 403, "outlives_issuer", "lifetime");
      const capped = await api("POST", path, { token: f.hourly.secret, body: { name: "capped member", scope: NAMES("a") } });
      assert.equal(capped.status, 201);
      assert.equal(capped.body.token.expiresAt, f.hourly.token.expiresAt);
    });

    test("POST /tk/v1/accounts: root's narrower tokens cannot mint an owner elsewhere", async () => {
      assertError(await api("POST", "/tk/v1/accounts", { token: f.writer.secret, body: { name: "x" } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/accounts", { token: f.hourly.secret, body: { name: "x", lifetime: "never" } }), 403, "outlives_issuer", "lifetime");
      const capped = await api("POST", "/tk/v1/accounts", { token: f.hourly.secret, body: { name: "capped co" } });
      assert.equal(capped.status, 201);
      assert.equal(capped.body.token.expiresAt, f.hourly.token.expiresAt);
    });
  });

  test("after the whole suite the target is untouched and still works", async () => {
    const r = await api("GET", `/tk/v1/tokens/${T()}`, { token: R });
    assert.equal(r.status, 200);
    assert.equal(r.body.version, 1);
    assert.equal(r.body.name, "the target");
    assert.equal((await self(f.target.secret)).status, 200);
  });
});
