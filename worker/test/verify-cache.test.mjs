// The verification cache (worker/src/verify-cache.js, docs/service.md "Verification cache")
// against a real `wrangler dev`: every write this isolate makes is seen by the next lookup at
// once (services with a 60 s window, so a missed invalidation would show as a stale answer); a
// write made behind the worker's back (`wrangler d1 execute` on the same local D1) is seen only
// once the window has passed, and at once with the cache off; expiry and the rotation grace are
// checked against the request's time on cached rows; last_used is still recorded on cache hits;
// an invalid VERIFY_CACHE_TTL_MS answers a clear 500. Then the cache itself, in Node.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startService, call, ROOT } from "./harness.mjs";
import { VerifyCache, parseTtl, DEFAULT_TTL_MS, MAX_TTL_MS } from "../src/verify-cache.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NAMES = (...scopes) => ({ language: "names", scopes });
const HOT_TTL = 60_000; // longer than any test here: only an invalidation can make an entry go
const SHORT_TTL = 10_000; // wide enough for `wrangler d1 execute` (~1.5–3 s, more on a loaded machine) to land inside it

/** SQL on the service's local D1 from outside the worker (a second process on the same file). */
function d1(svc, sql) {
  const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--json", "--command", sql], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out.slice(out.indexOf("[")))[0].results;
}

const mint = async (svc, body) => {
  const r = await call(svc.base, "POST", "/tk/v1/tokens", { token: svc.root.token, body: { name: "cached", scope: NAMES("read", "write"), ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.token.id, secret: r.body.secret, token: r.body.token };
};
const verify = async (svc, secret, request) => {
  const r = await call(svc.base, "POST", "/tk/v1/verify", { token: svc.root.token, body: request === undefined ? { token: secret } : { token: secret, request } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
/** Verifies `secret` every `gap` ms until `end` (epoch ms): each answer with when it was sent and got. */
const verifyUntil = async (svc, secret, end, gap) => {
  const answers = [];
  while (Date.now() < end) {
    const sent = Date.now();
    const v = await verify(svc, secret);
    answers.push({ sent, got: Date.now(), valid: v.valid, code: v.code });
    await sleep(gap);
  }
  return answers;
};
const self = (svc, secret) => call(svc.base, "GET", "/tk/v1/self", { token: secret });
const code = (r) => r.body?.error?.code ?? r.body?.code ?? r.status;

let hot; // VERIFY_CACHE_TTL_MS = 60000
let bad; // VERIFY_CACHE_TTL_MS = "5s"
before(async () => {
  [hot, bad] = await Promise.all([startService({ env: { VERIFY_CACHE_TTL_MS: String(HOT_TTL) } }), startService({ env: { VERIFY_CACHE_TTL_MS: "5s" } })]);
});
after(async () => {
  await Promise.all([hot?.cleanup(), bad?.cleanup()]);
});

describe("this isolate's writes are seen by its next lookup", () => {
  test("the cache is on: a write behind the worker's back is not seen within the window (the control for this suite)", async () => {
    const t = await mint(hot);
    assert.equal((await verify(hot, t.secret)).valid, true);
    d1(hot, `UPDATE tokens SET revoked_at = 1 WHERE id = '${t.id}'`);
    const v = await verify(hot, t.secret);
    assert.equal(v.valid, true, "a 60 s window serves the row read before the behind-the-back write");
    assert.equal(code(await self(hot, t.secret)), 200);
  });

  test("revoke (DELETE /tk/v1/tokens/{id}) → the next verify and the next request with it are refused", async () => {
    const t = await mint(hot);
    assert.equal((await verify(hot, t.secret)).valid, true);
    assert.equal(code(await self(hot, t.secret)), 200);
    assert.equal((await call(hot.base, "DELETE", `/tk/v1/tokens/${t.id}`, { token: hot.root.token })).status, 204);
    const v = await verify(hot, t.secret);
    assert.deepEqual([v.valid, v.code], [false, "revoked"]);
    assert.equal(code(await self(hot, t.secret)), "revoked");
  });

  test("revoke itself (DELETE /tk/v1/self) → refused at once", async () => {
    const t = await mint(hot);
    assert.equal((await verify(hot, t.secret)).valid, true);
    assert.equal((await call(hot.base, "DELETE", "/tk/v1/self", { token: t.secret })).status, 204);
    assert.equal((await verify(hot, t.secret)).code, "revoked");
    assert.equal(code(await self(hot, t.secret)), "revoked");
  });

  test("rotate without grace → the new secret is valid at once; the old one is reuse, and the revocation it causes is seen at once", async () => {
    const t = await mint(hot);
    assert.equal((await verify(hot, t.secret)).valid, true);
    const r = await call(hot.base, "POST", `/tk/v1/tokens/${t.id}/rotate`, { token: hot.root.token, body: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await verify(hot, r.body.secret)).valid, true);
    assert.equal((await verify(hot, t.secret)).code, "reused_secret");
    assert.equal((await verify(hot, r.body.secret)).code, "revoked");
    assert.equal(code(await self(hot, t.secret)), "revoked");
  });

  test("self-rotate with a grace: the old secret is valid from the cache until the grace ends, then rotated — at the request's time", async () => {
    const t = await mint(hot);
    assert.equal(code(await self(hot, t.secret)), 200);
    const r = await call(hot.base, "POST", "/tk/v1/self/rotate", { token: t.secret, body: { grace: "PT3S" } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const until = Date.parse(r.body.previous_expires_at);
    const first = await verify(hot, t.secret); // read after the write, then served from the cache
    assert.equal(first.valid, true, "in its grace");
    const answers = await verifyUntil(hot, t.secret, until + 800, 40);
    for (const a of answers) {
      if (a.got < until) assert.equal(a.valid, true, `still in its grace at ${until - a.got} ms before the end`);
      if (a.sent > until) assert.ok(["reused_secret", "revoked"].includes(a.code), `${a.sent - until} ms after the grace ended: ${a.code}`);
    }
    assert.ok(answers.some((a) => a.got < until) && answers.some((a) => a.sent > until));
  });

  test("patch the scope (JSON Patch) → verify answers with the new scope at once", async () => {
    const t = await mint(hot);
    assert.equal((await verify(hot, t.secret, { action: "write" })).valid, true);
    const p = await call(hot.base, "PATCH", `/tk/v1/tokens/${t.id}`, {
      token: hot.root.token,
      body: [{ op: "replace", path: "/scope", value: NAMES("read") }],
      headers: { "content-type": "application/json-patch+json" },
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const v = await verify(hot, t.secret, { action: "write" });
    assert.deepEqual([v.valid, v.code, v.scope], [false, "forbidden", NAMES("read")]);
    assert.equal((await verify(hot, t.secret, { action: "read" })).valid, true);
  });

  test("expiry of a cached token is honoured at the exact time (patched to a few seconds away)", async () => {
    const t = await mint(hot);
    const at = Date.now() + 2500;
    const p = await call(hot.base, "PATCH", `/tk/v1/tokens/${t.id}`, {
      token: hot.root.token,
      body: [{ op: "replace", path: "/expiresAt", value: new Date(at).toISOString() }],
      headers: { "content-type": "application/json-patch+json" },
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const answers = await verifyUntil(hot, t.secret, at + 800, 40);
    for (const a of answers) {
      if (a.got < at) assert.equal(a.valid, true, `${at - a.got} ms before its expiry`);
      if (a.sent >= at) assert.equal(a.code, "expired", `${a.sent - at} ms after its expiry`);
    }
    assert.ok(answers.some((a) => a.got < at) && answers.some((a) => a.sent >= at));
  });

  test("the dialects' writes: LaunchDarkly patch, reset and delete; S2 revoke; Space delete by secret", async () => {
    const acct = await call(hot.base, "POST", "/tk/v1/accounts", { token: hot.root.token, body: { name: "ld", scope: { language: "policy", role: "owner" }, lifetime: "never" } });
    assert.equal(acct.status, 201, JSON.stringify(acct.body));
    const owner = acct.body.secret;
    const ld = (method, path, opts = {}) => call(hot.base, method, path, { ...opts, headers: { authorization: owner, ...(opts.headers ?? {}) } });
    const asOwner = (secret) => call(hot.base, "POST", "/tk/v1/verify", { token: owner, body: { token: secret } });

    const made = await ld("POST", "/api/v2/tokens", { body: { name: "n", role: "writer" } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const key = made.body.token;
    assert.equal((await asOwner(key)).body.scope.role, "writer");
    assert.equal(code(await ld("GET", "/api/v2/tokens", { headers: { authorization: key } })), 200);
    const patched = await ld("PATCH", `/api/v2/tokens/${made.body._id}`, { body: [{ op: "replace", path: "/role", value: "reader" }] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await asOwner(key)).body.scope.role, "reader", "the patched role at once");

    const reset = await ld("POST", `/api/v2/tokens/${made.body._id}/reset`, { raw: "", headers: { "content-type": "application/x-www-form-urlencoded" } });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const key2 = reset.body.token;
    assert.equal((await asOwner(key2)).body.valid, true);
    assert.equal((await ld("DELETE", `/api/v2/tokens/${made.body._id}`)).status, 204);
    assert.equal((await asOwner(key2)).body.code, "revoked");
    // (Presented before the delete, the old key would have been reuse: revoke-on-reuse is in
    // api-routes.test.mjs and dialect-launchdarkly.test.mjs.)
    assert.equal((await asOwner(key)).body.code, "revoked", "the reset-out key of a revoked token");
    assert.equal((await ld("GET", "/api/v2/tokens", { headers: { authorization: key } })).status, 401, "the old key, on LaunchDarkly's own route");

    const s2acct = await call(hot.base, "POST", "/tk/v1/accounts", {
      token: hot.root.token,
      body: { name: "s2", scope: { language: "s2", basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { account: { read: true, write: true }, basin: { read: true, write: true }, stream: { read: true, write: true } }, ops: [] }, lifetime: "never" },
    });
    assert.equal(s2acct.status, 201, JSON.stringify(s2acct.body));
    const s2owner = s2acct.body.secret;
    const issued = await call(hot.base, "POST", "/v1/access-tokens", {
      token: s2owner,
      body: { id: "cache-me", scope: { basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { stream: { read: true } }, ops: [] } },
    });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const s2key = issued.body.access_token;
    assert.equal(code(await self(hot, s2key)), 200);
    assert.equal((await call(hot.base, "DELETE", "/v1/access-tokens/cache-me", { token: s2owner })).status, 204);
    assert.equal(code(await self(hot, s2key)), "revoked");

    const sp = await call(hot.base, "POST", "/tk/v1/accounts", { token: hot.root.token, body: { name: "space", scope: { language: "names", scopes: null }, lifetime: "never" } });
    assert.equal(sp.status, 201, JSON.stringify(sp.body));
    const space = (method, path, opts = {}) => call(hot.base, method, path, { ...opts, headers: { authorization: sp.body.secret, ...(opts.headers ?? {}) } });
    const spMade = await space("POST", `/v1/accounts/${sp.body.member.id}/accessTokens`, { body: { ttl: 3600 } });
    assert.equal(spMade.status, 200, JSON.stringify(spMade.body));
    const spKey = spMade.body.id; // Space's create answers the secret as `id`; its delete takes it too (getBySecret)
    assert.equal(code(await self(hot, spKey)), 200);
    assert.equal((await space("DELETE", `/v1/accounts/${sp.body.member.id}/accessTokens/${spKey}`)).status, 204);
    assert.equal(code(await self(hot, spKey)), "revoked");
  });

  test("a cache hit still records use once the minute has passed, and keeps the row shown as read", async () => {
    const t = await mint(hot);
    // Last used 55 s ago, written before the first lookup: the read sees it within the minute.
    // (5 s for the two `wrangler d1` runs before that lookup: on a loaded 2-core machine, with
    // the services busy printing their request log lines, 2 s were not always enough.)
    d1(hot, `UPDATE tokens SET last_used_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) - 55000 WHERE id = '${t.id}'`);
    const before = d1(hot, `SELECT last_used_at FROM tokens WHERE id = '${t.id}'`)[0].last_used_at;
    const first = await self(hot, t.secret); // a miss: read from D1, cached, no write due
    assert.equal(Date.parse(first.body.lastUsedAt), before);
    await sleep(300);
    assert.equal(d1(hot, `SELECT last_used_at FROM tokens WHERE id = '${t.id}'`)[0].last_used_at, before, "within the minute: no write");
    while (Date.now() < before + 60_500) await sleep(100);
    const sent = Date.now();
    const hit = await self(hot, t.secret); // a hit: the cached row is now over a minute old
    const got = Date.now();
    assert.equal(Date.parse(hit.body.lastUsedAt), before, "the response shows the row as it was read");
    let used = before;
    for (let i = 0; i < 50 && used === before; i++) {
      await sleep(50);
      used = d1(hot, `SELECT last_used_at FROM tokens WHERE id = '${t.id}'`)[0].last_used_at;
    }
    assert.ok(used >= sent && used <= got, `recorded at the hit's time: ${used - sent} ms after it was sent, ${got - used} ms before it was answered`);
    const next = await self(hot, t.secret);
    assert.equal(Date.parse(next.body.lastUsedAt), used, "the cached row has the time it wrote");
    await sleep(300);
    assert.equal(d1(hot, `SELECT last_used_at FROM tokens WHERE id = '${t.id}'`)[0].last_used_at, used, "and does not write it again");
  });
});

describe("writes behind the worker's back", () => {
  let short;
  let off;
  before(async () => {
    [short, off] = await Promise.all([startService({ env: { VERIFY_CACHE_TTL_MS: String(SHORT_TTL) } }), startService({ env: { VERIFY_CACHE_TTL_MS: "0" } })]);
  });
  after(async () => {
    await Promise.all([short?.cleanup(), off?.cleanup()]);
  });

  test(`TTL ${SHORT_TTL} ms: a revocation written directly in D1 is seen once the entry is ${SHORT_TTL} ms old, not before, and hits do not extend it`, async () => {
    const t = await mint(short);
    const primed = Date.now();
    assert.equal((await verify(short, t.secret)).valid, true); // the read that fills the cache
    const read = Date.now(); // the entry was read between primed and read
    d1(short, `UPDATE tokens SET revoked_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE id = '${t.id}'`);
    const written = Date.now();
    assert.ok(written < primed + SHORT_TTL - 500, `wrangler d1 execute took too long to observe the window (${written - primed} ms)`);
    const answers = await verifyUntil(short, t.secret, read + SHORT_TTL + 1500, 50);
    const stale = answers.filter((a) => a.got < primed + SHORT_TTL);
    assert.ok(stale.length > 0 && stale.every((a) => a.code === "ok"), "within the window the cached row answers");
    const due = answers.filter((a) => a.sent > read + SHORT_TTL);
    assert.ok(due.length > 0 && due.every((a) => a.code === "revoked"), `after the window: ${JSON.stringify(due.map((a) => a.code))}`);
  });

  test("TTL 0 (cache off): a revocation written directly in D1 is seen by the next request", async () => {
    const t = await mint(off);
    assert.equal((await verify(off, t.secret)).valid, true);
    assert.equal(code(await self(off, t.secret)), 200);
    d1(off, `UPDATE tokens SET revoked_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE id = '${t.id}'`);
    assert.equal((await verify(off, t.secret)).code, "revoked");
    assert.equal(code(await self(off, t.secret)), "revoked");
  });
});

describe("configuration", () => {
  test("an invalid VERIFY_CACHE_TTL_MS answers 500 invalid_config naming the variable, on every lookup; logged once, without the value", async () => {
    for (const r of [await self(bad, bad.root.token), await call(bad.base, "POST", "/tk/v1/verify", { token: bad.root.token, body: { token: bad.root.token } }), await call(bad.base, "GET", "/api/v2/tokens", { headers: { authorization: bad.root.token } })]) {
      assert.equal(r.status, 500);
      assert.equal(r.body.error.code, "invalid_config");
      assert.match(r.body.error.message, /VERIFY_CACHE_TTL_MS must be a whole number of milliseconds from 0 \(cache off\) to 60000/);
    }
    assert.equal((await call(bad.base, "GET", "/openapi.json")).status, 200, "what needs no lookup is served");
    await sleep(300);
    const lines = bad.logs().split("\n").filter((l) => l.includes("invalid configuration"));
    assert.equal(lines.length, 1, bad.logs().slice(-2000));
    assert.ok(!bad.logs().includes("5s"));
  });

  test("parseTtl: unset is the default; 0 to 60000 as a number or decimal text; anything else throws invalid_config", () => {
    assert.equal(parseTtl(undefined), DEFAULT_TTL_MS);
    assert.equal(DEFAULT_TTL_MS, 5000);
    for (const [raw, ms] of [["0", 0], [0, 0], ["1500", 1500], [5000, 5000], ["60000", MAX_TTL_MS], [60000, 60000]]) assert.equal(parseTtl(raw), ms, String(raw));
    for (const raw of ["", " 5000", "5000 ", "5s", "5000ms", "1e3", "5000.0", "0x10", "-1", "+5", "007", "60001", "9999999", -1, 1.5, 60001, NaN, Infinity, null, true, {}]) {
      assert.throws(() => parseTtl(raw), (e) => e.code === "invalid_config" && /VERIFY_CACHE_TTL_MS/.test(e.message), JSON.stringify(raw) ?? String(raw));
    }
  });
});

describe("VerifyCache (in Node)", () => {
  const row = (seq, digest, extra = {}) => ({ seq, digest, prev_digest: null, last_used_at: null, revoked_at: null, ...extra });

  test("fresh for less than the TTL from the read, then gone; never read before it was written", () => {
    const c = new VerifyCache(10);
    assert.equal(c.put("d1", row(1, "d1"), 1000, c.epoch), true);
    assert.equal(c.get("d1", 1000, 500).seq, 1);
    assert.equal(c.get("d1", 1499, 500).seq, 1);
    assert.equal(c.get("d1", 1500, 500), undefined, "at exactly the TTL it is stale");
    assert.equal(c.size, 0, "and dropped");
    c.put("d2", row(2, "d2"), 1000, c.epoch);
    assert.equal(c.get("d2", 999, 500), undefined, "a clock that went back does not serve it");
  });

  test("at most `max` entries: inserting past it evicts the oldest insertion", () => {
    const c = new VerifyCache(3);
    for (const d of ["a", "b", "c"]) c.put(d, row(d.charCodeAt(0), d), 0, c.epoch);
    c.get("a", 1, 100); // reading does not reorder
    c.put("d", row(4, "d"), 1, c.epoch);
    assert.equal(c.size, 3);
    assert.deepEqual(["a", "b", "c", "d"].map((d) => c.get(d, 2, 100) !== undefined), [false, true, true, true]);
    c.put("b", row(2, "b"), 2, c.epoch); // re-read: newest again
    c.put("e", row(5, "e"), 2, c.epoch);
    assert.deepEqual(["b", "c", "d", "e"].map((d) => c.get(d, 3, 100) !== undefined), [true, false, true, true]);
  });

  test("a write empties it, and a read that began before the write is not stored after it", () => {
    const c = new VerifyCache(10);
    c.put("a", row(1, "a"), 0, c.epoch);
    const epoch = c.epoch; // a read begins
    c.invalidateAll(); // a write lands
    assert.equal(c.get("a", 1, 100), undefined);
    assert.equal(c.put("b", row(2, "b"), 0, epoch), false);
    assert.equal(c.get("b", 1, 100), undefined);
    assert.equal(c.put("b", row(2, "b"), 0, c.epoch), true);
  });

  test("used(): the new last_used_at under both digests, read time kept, rows frozen, the request's row untouched", () => {
    const c = new VerifyCache(10);
    const r = row(7, "cur", { prev_digest: "old" });
    c.put("cur", r, 100, c.epoch);
    c.put("old", r, 100, c.epoch);
    c.put("other", row(8, "other"), 100, c.epoch);
    const held = c.get("cur", 150, 1000);
    assert.ok(Object.isFrozen(held));
    c.used(held, 200);
    assert.equal(held.last_used_at, null, "what a request holds is a snapshot");
    assert.equal(c.get("cur", 201, 1000).last_used_at, 200);
    assert.equal(c.get("old", 201, 1000).last_used_at, 200);
    assert.equal(c.get("other", 201, 1000).last_used_at, null);
    assert.equal(c.get("cur", 1099, 1000).last_used_at, 200);
    assert.equal(c.get("cur", 1100, 1000), undefined, "recording use does not extend freshness");
    assert.equal(r.last_used_at, null, "the stored row is a copy");
  });
});
