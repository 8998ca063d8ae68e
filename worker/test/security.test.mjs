// The security suite against a real `wrangler dev`, run on every route of tokenkit's own API
// (/tk/v1): no token, malformed, wrong checksum, unknown, expired, revoked, rotated out after its
// grace, another account's token (404 / no data), insufficient scope (403), the three header
// styles; and granting more than the caller holds (scope or expiry) on create, patch and both
// admin routes — every response checked against the OpenAPI document (schema.mjs).
// Then the same on every route of the four seed dialects (S2, Akinon, LaunchDarkly, Space), each
// answering in its vendor's error shape and status: the authentication failures, the vendor's
// header styles, another account's token, a token in another scope language, a previous secret
// in its grace (may read, may not mint), oversized / non-UTF-8 / deep bodies, 405 with Allow,
// no-store on responses with a body, no secret in any response but a mint's nor in the logs,
// targets untouched, and no D1 read for a malformed or wrong-checksum token.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";
import {
  tk, sleep, POLICY, OWNER, NAMES, svc, R, secrets, rootAccount, globex,
  startApi, stopApi, api, assertError, mint, self, rotateById, wrongChecksum,
} from "./api-helpers.mjs";
import { http, newAccount, newMember, S2_ALL, OVERSIZED } from "./dialect-helpers.mjs";

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
    f.disabled = await mint(R, { name: "disabled" });
    assert.equal((await api("POST", `/tk/v1/tokens/${f.disabled.token.id}/disable`, { token: R })).status, 200);
    const m = await api("POST", `/tk/v1/accounts/${rootAccount}/members`, { token: R, body: { name: "security member", role: "member", scope: POLICY("reader") } });
    assert.equal(m.status, 201);
    f.member = m.body.member.id;
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
    { name: "POST /tk/v1/tokens/{id}/disable", method: "POST", path: () => `/tk/v1/tokens/${T()}/disable`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/tokens/{id}/enable", method: "POST", path: () => `/tk/v1/tokens/${T()}/enable`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/tokens/revoke", method: "POST", path: () => "/tk/v1/tokens/revoke", body: () => ({ name: "no token is named this" }), foreign: "own-ok", narrow: 403 },
    { name: "GET /tk/v1/audit", method: "GET", path: () => "/tk/v1/audit", foreign: "audit", narrow: 403 },
    { name: "DELETE /tk/v1/accounts/{id}/members/{memberId}", method: "DELETE", path: () => `/tk/v1/accounts/${rootAccount}/members/${f.member}`, foreign: 404, narrow: 403 },
    { name: "PATCH /tk/v1/accounts/{id}/members/{memberId}", method: "PATCH", path: () => `/tk/v1/accounts/${rootAccount}/members/${f.member}`, body: () => ({ role: "admin" }), foreign: 404, narrow: 403 },
    { name: "GET /tk/v1/accounts/{id}/policy", method: "GET", path: () => `/tk/v1/accounts/${rootAccount}/policy`, foreign: 404, narrow: 403 },
    { name: "PUT /tk/v1/accounts/{id}/policy", method: "PUT", path: () => `/tk/v1/accounts/${rootAccount}/policy`, body: () => ({ requireExpiry: true }), foreign: 404, narrow: 403 },
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
      test("rotated out after its grace → 401 reused_secret (the first use revokes the token; revoked after that)", async () => {
        const r = await send(route, bearer(f.rotatedOut.secret));
        assertError(r, 401);
        assert.ok(["reused_secret", "revoked"].includes(r.body.error.code), JSON.stringify(r.body));
      });
      test("disabled → 401 disabled", async () => {
        assertError(await send(route, bearer(f.disabled.secret)), 401, "disabled");
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
          } else if (route.foreign === "own-ok") {
            assert.equal(r.status, 200);
          } else if (route.foreign === "audit") {
            assert.equal(r.status, 200);
            assert.ok(r.body.events.every((e) => e.accountId === globex.account.id));
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

// ---- the same suite on every dialect route ------------------------------------------------------

describe("security suite (every dialect route)", () => {
  // Each dialect's tenant: an account whose owner holds everything in the dialect's scope
  // language, and tokens of that owner that differ from it by one flaw only (without the check
  // for that flaw the request would go through: see each route's control). Dialects answer every
  // authentication failure with the same vendor 401, whatever the reason.
  const dialects = {
    s2: {
      all: S2_ALL,
      // not universal: a universal token of any language speaks every dialect (issue #20)
      other: POLICY("reader"),
      accepted: [(t) => ({ authorization: `Bearer ${t}` })],
      refused: [(t) => ({ authorization: t }), (t) => ({ "x-access-token": t }), (t) => ({ query: t })],
      unauthorized: { code: "authn", message: "missing or invalid access token" },
    },
    akinon: {
      all: { language: "privileges", privileges: ["*:*"] },
      other: POLICY("reader"),
      accepted: [(t) => ({ authorization: `Bearer ${t}` }), (t) => ({ "x-access-token": t })],
      refused: [(t) => ({ authorization: t }), (t) => ({ query: t })],
      unauthorized: { apiError: ["Unauthorized"] },
    },
    launchdarkly: {
      all: POLICY("owner"),
      other: { language: "privileges", privileges: ["orders:*"] },
      accepted: [(t) => ({ authorization: t })],
      refused: [(t) => ({ authorization: `Bearer ${t}` }), (t) => ({ "x-access-token": t }), (t) => ({ query: t })],
      unauthorized: { code: "unauthorized", message: "Invalid access token" },
    },
    space: {
      all: { language: "names", scopes: null },
      other: POLICY("reader"),
      accepted: [(t) => ({ authorization: t }), (t) => ({ authorization: `Bearer ${t}` }), (t) => ({ "x-access-token": t }), (t) => ({ query: t })],
      refused: [],
      unauthorized: { error: { statusCode: 401, name: "Error", message: "Authorization Required", code: "AUTHORIZATION_REQUIRED" } },
    },
  };

  /**
   * A vendor error: the status and the vendor's envelope with `code` (S2, LaunchDarkly: {code,
   * message}; Space: LoopBack's {error: {statusCode, name, message, code}}) or, for Akinon (no
   * codes), a message matching `code` in {apiError: [message]}.
   */
  function vendorError(dialect, r, status, code) {
    const got = `${r.status} ${r.text.slice(0, 300)}`;
    assert.equal(r.status, status, got);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/, got);
    if (dialect === "s2" || dialect === "launchdarkly") {
      assert.deepEqual(Object.keys(r.body).sort(), ["code", "message"], got);
      if (code !== undefined) assert.equal(r.body.code, code, got);
      assert.ok(r.body.message.length > 0, got);
    } else if (dialect === "akinon") {
      assert.ok(Array.isArray(r.body.apiError), got);
      assert.ok(Object.keys(r.body).every((k) => k === "apiError" || k === "validationError"), got);
      const messages = [...r.body.apiError, ...Object.values(r.body.validationError ?? {})];
      assert.ok(messages.length > 0, got);
      if (code !== undefined) assert.ok(messages.some((m) => code.test(m)), got);
    } else {
      assert.deepEqual(Object.keys(r.body), ["error"], got);
      assert.equal(r.body.error.statusCode, status, got);
      if (code !== undefined) assert.equal(r.body.error.code, code, got);
      assert.ok(r.body.error.message.length > 0, got);
    }
  }

  /** The dialect's 401: exactly its unauthenticated body, the same for every reason. */
  function unauthorized(dialect, r) {
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.body, dialects[dialect].unauthorized);
  }

  const SECRET_IN = /[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{36}/g;
  const leaks = []; // secrets shown by a response that was not a mint (or not sent by the client itself)
  let minted = 0;

  /** A dialect request; remembers secrets shown by mints, and any other response that shows one. */
  async function send(route, headers, { path = route.path(), json = route.body?.(), raw, type } = {}) {
    const h = { ...headers };
    let p = path;
    if (h.query !== undefined) {
      p += `${p.includes("?") ? "&" : "?"}access_token=${h.query}`;
      delete h.query;
    }
    if (route.type && json === undefined && raw === undefined) {
      raw = "";
      h["content-type"] = route.type;
    }
    if (type) h["content-type"] = type;
    const r = await http(svc.base, route.method, p, { headers: h, json: raw === undefined ? json : undefined, raw });
    const sent = p + JSON.stringify(h) + (typeof raw === "string" ? raw : JSON.stringify(json ?? null));
    for (const s of r.text.match(SECRET_IN) ?? []) {
      if (!tk.isWellFormedToken(s) || sent.includes(s)) continue;
      if (route.mints && r.status < 300) {
        secrets.add(s);
        minted++;
      } else leaks.push(`${route.name} ${r.status}: ${s.slice(0, 8)}…`);
    }
    return r;
  }

  // Per dialect: owner (everything, never expires), target (issued through the dialect by the
  // owner), foreign (another account's owner), other (same account, another scope language),
  // and the owner's tokens that are expired, revoked, rotated out past a 1 s grace, and a
  // previous secret still in its grace.
  const f = {};
  let nextId = 0;
  const uid = () => `sec-${++nextId}-${Math.random().toString(36).slice(2, 8)}`;
  before(async () => {
    const ownerMint = async (owner, body) => {
      const r = await api("POST", "/tk/v1/tokens", { token: owner.token, body: { name: "t", ...body } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    for (const [d, spec] of Object.entries(dialects)) {
      const x = (f[d] = {});
      x.owner = await newAccount(svc, `${d} security`, spec.all, "never");
      x.foreign = await newAccount(svc, `${d} security elsewhere`, spec.all, "never");
      x.other = await newMember(svc, x.owner.account, "another language", "admin", spec.other);
      secrets.add(x.owner.token).add(x.foreign.token).add(x.other.token);
      x.expired = await ownerMint(x.owner, { name: "expired", scope: spec.all, lifetime: 1 });
      x.revoked = await ownerMint(x.owner, { name: "revoked", scope: spec.all });
      assert.equal((await api("DELETE", `/tk/v1/self`, { token: x.revoked.secret })).status, 204);
      x.rotatedOut = await ownerMint(x.owner, { name: "rotated", scope: spec.all });
      const rr = await api("POST", "/tk/v1/self/rotate", { token: x.rotatedOut.secret, body: { grace: 1 } });
      assert.equal(rr.status, 200, JSON.stringify(rr.body));
      x.rotatedOut.until = Date.parse(rr.body.previous_expires_at);
      x.disabled = await ownerMint(x.owner, { name: "disabled", scope: spec.all });
      assert.equal((await api("POST", `/tk/v1/tokens/${x.disabled.token.id}/disable`, { token: x.owner.token })).status, 200);
      x.grace = await ownerMint(x.owner, { name: "in grace", scope: spec.all });
      const rg = await api("POST", "/tk/v1/self/rotate", { token: x.grace.secret, body: { grace: "PT1H" } });
      assert.equal(rg.status, 200, JSON.stringify(rg.body));
    }
    const t = (d, r) => {
      assert.ok(r.status === 200 || r.status === 201, `${d} target: ${r.text}`);
      return r;
    };
    f.s2.target = { id: "security-target" };
    let r = t("s2", await http(svc.base, "POST", "/v1/access-tokens", { headers: { authorization: `Bearer ${f.s2.owner.token}` }, json: { id: f.s2.target.id, scope: { ops: ["read"] } } }));
    f.s2.target.secret = r.body.access_token;
    r = t("akinon", await http(svc.base, "POST", "/api/v1/me/tokens", { headers: { authorization: `Bearer ${f.akinon.owner.token}` }, json: { name: "the target", lifetime: "one-month" } }));
    f.akinon.target = { id: r.body._id, secret: r.body.token };
    r = t("launchdarkly", await http(svc.base, "POST", "/api/v2/tokens", { headers: { authorization: f.launchdarkly.owner.token }, json: { name: "the target", role: "reader" } }));
    f.launchdarkly.target = { id: r.body._id, secret: r.body.token };
    r = t("space", await http(svc.base, "POST", `/v1/accounts/${f.space.owner.member}/accessTokens`, { headers: { authorization: f.space.owner.token }, json: { ttl: 86_400 } }));
    f.space.target = { secret: r.body.id };
    f.space.target.id = (await self(f.space.target.secret)).body.id;
    for (const d of Object.keys(dialects)) {
      secrets.add(f[d].target.secret);
      f[d].targetBefore = (await self(f[d].target.secret)).body;
      assert.equal(f[d].targetBefore.id, f[d].target.id);
    }
    await sleep(Math.max(...Object.values(f).flatMap((x) => [Date.parse(x.expired.token.expiresAt), x.rotatedOut.until])) - Date.now() + 150);
  });

  // What each dialect answers an oversized body (413), one that is not UTF-8 and one nested too
  // deep (400): S2/LaunchDarkly/Space codes, Akinon messages.
  const BODY_ERRORS = {
    s2: ["bad_json", "bad_json", "bad_json"],
    akinon: [/over 65536 bytes/, /UTF-8/, /./],
    launchdarkly: ["invalid_request", "invalid_request", "invalid_request"],
    space: ["BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"],
  };
  const METHOD_NOT_ALLOWED = { s2: "bad_path", akinon: /is not allowed/, launchdarkly: "invalid_request", space: "BAD_REQUEST" };
  const NONE = "0".repeat(24);
  const spacePath = () => `/v1/accounts/${f.space.owner.member}/accessTokens`;
  // Each route: how to call it on the target; `control`, a request of the owner's that gets past
  // authentication (without changing the target); `foreign`, `other` and `grace`, what another
  // account's owner, the same account's token in another scope language and a previous secret
  // in its grace get (`otherPath`: where the other token is sent, if not the target's path);
  // `mints`, whether a 2xx shows a new secret.
  const routes = [
    {
      d: "s2", name: "S2 GET /v1/access-tokens", notAllowed: ["PUT", "GET, POST"], method: "GET", path: () => "/v1/access-tokens",
      control: { status: 200 }, foreign: (r) => [200, !r.text.includes(f.s2.target.id)], other: [403, "permission_denied"], grace: 200,
    },
    {
      d: "s2", name: "S2 POST /v1/access-tokens", method: "POST", path: () => "/v1/access-tokens", body: () => ({ id: uid(), scope: { ops: ["read"] } }), mints: true,
      control: { status: 201 }, foreign: async (r) => [201, (await self(r.body.access_token)).body.accountId === f.s2.foreign.account], other: [403, "permission_denied"], grace: [403, "permission_denied"],
    },
    {
      d: "s2", name: "S2 DELETE /v1/access-tokens/{id}", notAllowed: ["GET", "DELETE"], method: "DELETE", path: () => `/v1/access-tokens/${f.s2.target.id}`,
      control: { path: () => "/v1/access-tokens/never-issued", status: 404 }, foreign: [404, "access_token_not_found"], other: [403, "permission_denied"],
    },
    {
      d: "akinon", name: "Akinon GET /api/v1/me/tokens", notAllowed: ["PUT", "GET, POST"], method: "GET", path: () => "/api/v1/me/tokens",
      control: { status: 200 }, foreign: (r) => [200, !r.text.includes(f.akinon.target.id)], other: [403], grace: 200,
    },
    {
      d: "akinon", name: "Akinon POST /api/v1/me/tokens", method: "POST", path: () => "/api/v1/me/tokens", body: () => ({ name: "x", lifetime: "one-week" }), mints: true,
      control: { status: 201 }, foreign: (r) => [201, r.body.organizationId === f.akinon.foreign.account], other: [403], grace: [403, /grace/],
    },
    {
      d: "akinon", name: "Akinon DELETE /api/v1/me/tokens/{id}", notAllowed: ["GET", "DELETE"], method: "DELETE", path: () => `/api/v1/me/tokens/${f.akinon.target.id}`,
      control: { path: () => `/api/v1/me/tokens/${NONE}`, status: 404 }, foreign: [404, /^Token not found$/], other: [403],
    },
    {
      d: "launchdarkly", name: "LaunchDarkly GET /api/v2/tokens", notAllowed: ["PUT", "GET, POST"], method: "GET", path: () => "/api/v2/tokens",
      control: { status: 200 }, foreign: (r) => [200, !r.text.includes(f.launchdarkly.target.id)], other: [403, "forbidden"], grace: 200,
    },
    {
      d: "launchdarkly", name: "LaunchDarkly POST /api/v2/tokens", method: "POST", path: () => "/api/v2/tokens", body: () => ({ name: "x", role: "reader" }), mints: true,
      control: { status: 201 }, foreign: (r) => [201, r.body.memberId === f.launchdarkly.foreign.member], other: [403, "forbidden"], grace: [403, "forbidden"],
    },
    {
      d: "launchdarkly", name: "LaunchDarkly GET /api/v2/tokens/{id}", notAllowed: ["POST", "GET, PATCH, DELETE"], method: "GET", path: () => `/api/v2/tokens/${f.launchdarkly.target.id}`,
      control: { status: 200 }, foreign: [404, "not_found"], other: [403, "forbidden"], grace: 200,
    },
    {
      d: "launchdarkly", name: "LaunchDarkly PATCH /api/v2/tokens/{id}", method: "PATCH", path: () => `/api/v2/tokens/${f.launchdarkly.target.id}`, body: () => [{ op: "replace", path: "/name", value: "pwned" }],
      control: { path: () => `/api/v2/tokens/${NONE}`, status: 404 }, foreign: [404, "not_found"], other: [403, "forbidden"],
    },
    {
      d: "launchdarkly", name: "LaunchDarkly DELETE /api/v2/tokens/{id}", method: "DELETE", path: () => `/api/v2/tokens/${f.launchdarkly.target.id}`,
      control: { path: () => `/api/v2/tokens/${NONE}`, status: 404 }, foreign: [404, "not_found"], other: [403, "forbidden"],
    },
    {
      d: "launchdarkly", name: "LaunchDarkly POST /api/v2/tokens/{id}/reset", notAllowed: ["GET", "POST"], method: "POST", path: () => `/api/v2/tokens/${f.launchdarkly.target.id}/reset`, type: "application/x-www-form-urlencoded", mints: true,
      control: { path: () => `/api/v2/tokens/${NONE}/reset`, status: 404 }, foreign: [404, "not_found"], other: [403, "forbidden"], grace: [403, "forbidden"],
    },
    {
      d: "space", name: "Space GET /v1/accounts/{id}/accessTokens", notAllowed: ["PUT", "GET, POST"], method: "GET", path: spacePath,
      control: { status: 200 }, foreign: [401, "AUTHORIZATION_REQUIRED"], other: [401, "AUTHORIZATION_REQUIRED"], otherPath: () => `/v1/accounts/${f.space.other.member}/accessTokens`, grace: 200,
    },
    {
      d: "space", name: "Space POST /v1/accounts/{id}/accessTokens", method: "POST", path: spacePath, body: () => ({ ttl: 60 }), mints: true,
      control: { status: 200 }, foreign: [401, "AUTHORIZATION_REQUIRED"], other: [401, "AUTHORIZATION_REQUIRED"], otherPath: () => `/v1/accounts/${f.space.other.member}/accessTokens`, grace: [401, "AUTHORIZATION_REQUIRED"],
    },
    {
      d: "space", name: "Space DELETE /v1/accounts/{id}/accessTokens/{tokenId}", notAllowed: ["GET", "DELETE"], method: "DELETE", path: () => `${spacePath()}/${f.space.target.id}`,
      control: { path: () => `${spacePath()}/${NONE}`, status: 404 }, foreign: [401, "AUTHORIZATION_REQUIRED"], other: [401, "AUTHORIZATION_REQUIRED"], otherPath: () => `/v1/accounts/${f.space.other.member}/accessTokens/${f.space.other.tokenId}`,
    },
  ];

  for (const route of routes) {
    const d = route.d;
    const spec = dialects[d];
    const as = (t, i = 0) => spec.accepted[i](t);
    describe(route.name, () => {
      test("control: the owner's live token gets past authentication", async () => {
        const r = await send(route, as(f[d].owner.token), { path: route.control.path?.() ?? route.path() });
        assert.equal(r.status, route.control.status, r.text);
        if (r.text !== "") assert.equal(r.headers.get("cache-control"), "no-store");
      });
      test("no token, or an empty one → the vendor's 401", async () => {
        unauthorized(d, await send(route, {}));
        unauthorized(d, await send(route, { authorization: "" }));
        unauthorized(d, await send(route, { "x-access-token": "  " }));
      });
      test("malformed token → the vendor's 401", async () => {
        const t = f[d].owner.token;
        for (const bad of ["hello", "tk_short", `${t}x`, "TK_" + t.slice(3), `Basic ${Buffer.from("a:b").toString("base64")}`]) {
          unauthorized(d, await send(route, bad.startsWith("Basic") ? { authorization: bad } : as(bad)));
        }
      });
      test("wrong checksum → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(wrongChecksum(f[d].owner.token))));
      });
      test("well-formed but never issued → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(tk.generateToken())));
      });
      test("expired → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(f[d].expired.secret)));
      });
      test("revoked → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(f[d].revoked.secret)));
      });
      test("rotated out after its grace → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(f[d].rotatedOut.secret)));
      });
      test("disabled → the vendor's 401", async () => {
        unauthorized(d, await send(route, as(f[d].disabled.secret)));
      });
      test("each header style the vendor documents reaches the same check; others are 401", async () => {
        for (const style of spec.accepted) {
          const ok = await send(route, style(f[d].owner.token), { path: route.control.path?.() ?? route.path() });
          assert.equal(ok.status, route.control.status, `${JSON.stringify(style("T"))}: ${ok.text}`);
          unauthorized(d, await send(route, style(f[d].expired.secret)));
        }
        for (const style of spec.refused) unauthorized(d, await send(route, style(f[d].owner.token), { path: route.control.path?.() ?? route.path() }));
      });
      test("another account's token → never the other account's data", async () => {
        const r = await send(route, as(f[d].foreign.token));
        const sent = route.path() + JSON.stringify(route.body?.() ?? null);
        for (const s of [f[d].owner.account, f[d].owner.member, f[d].owner.token, f[d].target.id, f[d].target.secret, "the target"]) {
          if (!sent.includes(s)) assert.ok(!r.text.includes(s), `leaks ${s.slice(0, 8)}: ${r.text.slice(0, 300)}`);
        }
        if (typeof route.foreign === "function") {
          const [status, ok] = await route.foreign(r);
          assert.equal(r.status, status, r.text);
          assert.ok(ok, r.text);
        } else vendorError(d, r, ...route.foreign);
        if (route.control.path) {
          // The same answer as for an id nobody has (an echoed id aside): nothing tells the target exists.
          const unknown = await send(route, as(f[d].foreign.token), { path: route.control.path() });
          assert.equal(unknown.status, r.status, unknown.text);
          assert.equal(r.text.replaceAll(f[d].target.id, "ID"), unknown.text.replaceAll(route.control.path().includes(NONE) ? NONE : "never-issued", "ID"));
        }
      });
      test("a valid token in another scope language → refused in the vendor's shape", async () => {
        // Space's path names the caller's own account, so only the language is wrong.
        vendorError(d, await send(route, as(f[d].other.token), { path: route.otherPath?.() ?? route.path() }), ...route.other);
      });
      if (route.grace !== undefined) {
        test(route.mints ? "a previous secret in its grace may not mint a secret" : "a previous secret in its grace still reads", async () => {
          const r = await send(route, as(f[d].grace.secret));
          if (typeof route.grace === "number") assert.equal(r.status, route.grace, r.text);
          else vendorError(d, r, ...route.grace);
        });
      }
      if (route.body) {
        test("oversized, non-UTF-8 and too deeply nested bodies → the vendor's 413 / 400", async () => {
          const [tooBig, notUtf8, tooDeep] = BODY_ERRORS[d];
          const owner = as(f[d].owner.token);
          const type = "application/json";
          vendorError(d, await send(route, owner, { raw: OVERSIZED, type }), 413, tooBig);
          vendorError(d, await send(route, owner, { raw: Buffer.from([0x7b, 0xff, 0x7d]), type }), 400, notUtf8);
          vendorError(d, await send(route, owner, { raw: "[".repeat(30_000) + "]".repeat(30_000), type }), 400, tooDeep);
          vendorError(d, await send(route, owner, { raw: `{"name":${"[".repeat(5000)}${"]".repeat(5000)}}`, type }), 400, tooDeep);
        });
      }
      if (route.notAllowed) {
        test("another method → the vendor's 405 with Allow, before authentication", async () => {
          const [method, allow] = route.notAllowed;
          for (const headers of [{}, as(f[d].owner.token)]) {
            const r = await send({ ...route, method, body: undefined, type: undefined }, headers);
            vendorError(d, r, 405, METHOD_NOT_ALLOWED[d]);
            assert.equal(r.headers.get("allow"), allow);
          }
        });
      }
    });
  }

  test("no response but a mint showed a secret; the mints did", () => {
    assert.deepEqual(leaks, []);
    assert.ok(minted > 10, `secrets minted through the dialects: ${minted}`);
  });

  test("after the whole suite every target is untouched and still works", async () => {
    for (const d of Object.keys(dialects)) {
      const now = await self(f[d].target.secret);
      assert.equal(now.status, 200, `${d}: ${JSON.stringify(now.body)}`);
      const keep = ({ id, name, description, scope, expiresAt, version, hint, ownerId, accountId }) => ({ id, name, description, scope, expiresAt, version, hint, ownerId, accountId });
      assert.deepEqual(keep(now.body), keep(f[d].targetBefore), d);
    }
  });

  test("no secret appears in the worker's logs", () => {
    const logs = svc.logs();
    assert.ok(secrets.size > 60, `secrets collected: ${secrets.size}`);
    for (const s of secrets) assert.ok(!logs.includes(s) && !logs.includes(s.slice(3, 33)), "a secret (or its body) is in the logs");
  });

  test("malformed and wrong-checksum tokens get the vendor's 401 on every dialect route with no tokens table (no D1 read)", async () => {
    await svc.stop();
    execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--command", "ALTER TABLE tokens RENAME TO tokens_away"], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    await svc.start();
    for (const route of routes) {
      const as = dialects[route.d].accepted[0];
      unauthorized(route.d, await send(route, as("hello")));
      unauthorized(route.d, await send(route, as(wrongChecksum(f[route.d].owner.token))));
      // control: a well-formed token does reach D1, which now fails
      const r = await send(route, as(f[route.d].owner.token));
      assert.equal(r.status, 500, `${route.name}: the control request must reach the (broken) database: ${r.text}`);
    }
  });
});
