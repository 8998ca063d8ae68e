// Webhooks end to end against a real `wrangler dev --test-scheduled` (workerd + local D1): an
// account's endpoints (create with a secret shown once, list, delete, deliveries; owners and
// admins only; URL and event checks), and the Cron Trigger run through wrangler's /__scheduled:
// expiry warnings at 30, 7 and 1 days, delivered to a local receiver (node:http on 127.0.0.1)
// that fails each event's first attempt, so each warning arrives through the retry a minute later
// (the test waits that real minute), exactly once, and later runs add nothing. The receiver
// verifies every delivery with the package's verifyWebhookSignature.
//
//   node --test worker/test/webhooks.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { call, ROOT, startService } from "./harness.mjs";
import * as tk from "../../pkg/full/tokenkit.js";

tk.initSync({ module: readFileSync(join(ROOT, "pkg/full/tokenkit_bg.wasm")) });

const DAY = 86_400_000;
const OWNER = { language: "policy", role: "owner" };

let svc, root, acme, acmeOwner, acmeMember, globexOwner, receiver, hookSecret, hookId, deadHook;

/** A receiver that answers 500 to the first attempt of each event and 204 afterwards. */
function startReceiver() {
  const r = { requests: [], accepted: [], refused: [], seen: new Set(), secret: null };
  r.server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers["tokenkit-signature"] ?? null;
      r.requests.push({ headers: req.headers, raw, header });
      try {
        tk.verifyWebhookSignature(header, new Uint8Array(raw), r.secret, Math.floor(Date.now() / 1000), 300);
      } catch (e) {
        r.refused.push(e.code);
        res.writeHead(400).end(e.code);
        return;
      }
      const event = JSON.parse(raw.toString("utf8"));
      if (!r.seen.has(event.id)) {
        r.seen.add(event.id);
        res.writeHead(500).end("try again");
        return;
      }
      r.accepted.push(event);
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => r.server.listen(0, "127.0.0.1", () => resolve(Object.assign(r, { url: `http://127.0.0.1:${r.server.address().port}/hook` }))));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Runs the Cron Trigger now, through wrangler's /__scheduled (--test-scheduled). Miniflare's
 * /cdn-cgi/handler/scheduled?time=… would allow another instant, but it failed while the service
 * had static assets (their proxy has no scheduled handler; the dashboard is its own Worker since
 * issue #21), so the test waits real time.
 */
async function runCron() {
  const r = await fetch(`${svc.base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  if (r.status !== 200) await new Promise((res) => setTimeout(res, 500)); // the worker's log line
  assert.equal(r.status, 200, `${await r.text()}\n${svc.logs().split("\n").filter((l) => /scheduled|rror/.test(l)).join("\n")}`);
}

const api = (method, path, token, body) => call(svc.base, method, path, { token, body });

before(async () => {
  svc = await startService({ env: { TOKENKIT_WEBHOOK_KEY: "k".repeat(16) + "-a-test-webhook-key-of-some-length" }, flags: ["--test-scheduled"], logLevel: "info" });
  root = svc.root.token;
  const a = await api("POST", "/tk/v1/accounts", root, { name: "acme", owner: "alice" });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  acme = a.body.account.id;
  acmeOwner = a.body.secret;
  const m = await api("POST", `/tk/v1/accounts/${acme}/members`, acmeOwner, { name: "bob", role: "member" });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  acmeMember = m.body.secret;
  const g = await api("POST", "/tk/v1/accounts", root, { name: "globex", owner: "gus" });
  globexOwner = g.body.secret;
  receiver = await startReceiver();
});

after(async () => {
  receiver?.server.close();
  await svc?.cleanup();
});

describe("webhook endpoints", () => {
  it("an owner creates one: the signing secret is answered once, never listed", async () => {
    const r = await api("POST", `/tk/v1/accounts/${acme}/webhooks`, acmeOwner, { url: receiver.url, events: ["token.reused", "token.expiring"] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.secret, /^whsec_[0-9A-Za-z]{36}$/);
    assert.deepEqual(r.body.webhook.events, ["token.expiring", "token.reused"]);
    assert.equal(r.body.webhook.url, receiver.url);
    assert.equal(r.body.webhook.secretHint, tk.maskToken(r.body.secret));
    hookSecret = receiver.secret = r.body.secret;
    hookId = r.body.webhook.id;
    const l = await api("GET", `/tk/v1/accounts/${acme}/webhooks`, acmeOwner);
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.webhooks, [r.body.webhook]);
    assert.ok(!JSON.stringify(l.body).includes(hookSecret.slice(6)), "the list never holds the secret");
    assert.ok(!svc.logs().includes(hookSecret.slice(6)), "nor the logs");
  });

  it("refuses members, other accounts, bad URLs and unknown events", async () => {
    const path = `/tk/v1/accounts/${acme}/webhooks`;
    const good = { url: receiver.url, events: ["token.expiring"] };
    for (const [token, method, status, code] of [
      [acmeMember, "POST", 403, "forbidden"],
      [acmeMember, "GET", 403, "forbidden"],
      [globexOwner, "POST", 404, "not_found"],
      [globexOwner, "GET", 404, "not_found"],
      [undefined, "GET", 401, "missing_token"],
    ]) {
      const r = await api(method, path, token, method === "POST" ? good : undefined);
      assert.deepEqual([r.status, r.body.error.code], [status, code], `${method} ${JSON.stringify(r.body)}`);
    }
    for (const [body, field] of [
      [{ ...good, url: "http://example.com/hook" }, "url"],
      [{ ...good, url: "ftp://127.0.0.1/" }, "url"],
      [{ ...good, url: "https://user:pw@example.com/" }, "url"],
      [{ ...good, url: 5 }, "url"],
      [{ ...good, events: [] }, "events"],
      [{ ...good, events: ["token.created"] }, "events"],
      [{ ...good, events: ["token.expiring", "token.expiring"] }, "events"],
      [{ url: receiver.url }, "events"],
      [{ ...good, secret: "mine" }, "secret"],
    ]) {
      const r = await api("POST", path, acmeOwner, body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    // The root account's admins manage any account's webhooks.
    const r = await api("GET", path, root);
    assert.equal(r.status, 200);
    assert.equal(r.body.webhooks.length, 1);
  });

  it("an Idempotency-Key makes a retried create add one endpoint; the replay has no secret", async () => {
    const path = `/tk/v1/accounts/${acme}/webhooks`;
    const body = { url: `${receiver.url}?retried`, events: ["token.leaked"] };
    const headers = { "idempotency-key": "webhook-create-1" };
    const tries = await Promise.all([0, 1, 2].map(() => call(svc.base, "POST", path, { token: acmeOwner, body, headers })));
    const created = tries.filter((r) => r.status === 201 && r.body.secret !== null);
    assert.equal(created.length, 1, JSON.stringify(tries.map((r) => [r.status, r.body])));
    const again = await call(svc.base, "POST", path, { token: acmeOwner, body, headers });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.deepEqual([again.body.replayed, again.body.secret, again.body.webhook.id], [true, null, created[0].body.webhook.id]);
    const other = await call(svc.base, "POST", path, { token: acmeOwner, body: { ...body, events: ["token.reused"] }, headers });
    assert.deepEqual([other.status, other.body.error.code], [422, "idempotency_key_reused"]);
    const l = await api("GET", path, acmeOwner);
    assert.equal(l.body.webhooks.filter((w) => w.url === body.url).length, 1, "one endpoint for the key");
    assert.equal((await api("DELETE", `${path}/${created[0].body.webhook.id}`, acmeOwner)).status, 204);
  });
});

describe("the Cron Trigger: expiry warnings, signed, retried, delivered once", () => {
  const tokens = {};
  let dead;

  it("finds the tokens expiring within 30, 7 and 1 days and delivers each warning once, through a retry", async () => {
    // A second endpoint whose receiver never succeeds: retried with a growing backoff.
    dead = await new Promise((resolve) => {
      const s = createServer((req, res) => req.resume().on("end", () => res.writeHead(503).end()));
      s.listen(0, "127.0.0.1", () => resolve(s));
    });
    const h = await api("POST", `/tk/v1/accounts/${acme}/webhooks`, acmeOwner, { url: `http://127.0.0.1:${dead.address().port}/`, events: ["token.expiring"] });
    assert.equal(h.status, 201);
    deadHook = h.body.webhook.id;
    for (const [name, lifetime] of [["in20d", "P20D"], ["in5d", "P5D"], ["in12h", "PT12H"], ["in60d", "P60D"], ["revoked", "P3D"]]) {
      const r = await api("POST", "/tk/v1/tokens", acmeOwner, { name, scope: OWNER, lifetime });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      tokens[name] = r.body.token.id;
    }
    assert.equal((await api("DELETE", `/tk/v1/tokens/${tokens.revoked}`, acmeOwner)).status, 204);
    const t0 = Date.now();
    await runCron();
    // Every first attempt failed (500): nothing accepted yet, three refusals by the receiver.
    assert.equal(receiver.accepted.length, 0);
    assert.equal(receiver.requests.length, 3);
    const deliveries = async (hook) => {
      const d = await api("GET", `/tk/v1/accounts/${acme}/webhooks/${hook}/deliveries`, acmeOwner);
      assert.equal(d.status, 200);
      return d.body.deliveries;
    };
    let d = await deliveries(hookId);
    assert.equal(d.length, 3);
    for (const x of d) {
      assert.deepEqual([x.status, x.attempts, x.lastStatus, x.lastError], ["pending", 1, 500, "HTTP 500"]);
      assert.equal(Date.parse(x.nextAttemptAt) - Date.parse(x.lastAttemptAt), 60_000, "the first retry a minute later");
    }
    // Before the backoff has passed, a run sends nothing.
    await runCron();
    assert.equal(receiver.requests.length, 3);
    // After it (a real minute: wrangler's /__scheduled runs at the wall clock), the retries are delivered.
    await sleep(t0 + 62_000 - Date.now());
    await runCron();
    assert.equal(receiver.requests.length, 6);
    const got = receiver.accepted.map((e) => [e.data.token.id, e.data.thresholdDays]).sort();
    assert.deepEqual(got, [[tokens.in12h, 1], [tokens.in20d, 30], [tokens.in5d, 7]].sort());
    for (const e of receiver.accepted) {
      assert.equal(e.type, "token.expiring");
      assert.equal(e.account, acme);
      assert.match(e.id, /^evt_[0-9a-f]{24}$/);
      assert.deepEqual(Object.keys(e).sort(), ["account", "created", "data", "id", "type"]);
      assert.deepEqual(Object.keys(e.data.token).sort(), ["expiresAt", "hint", "id", "name", "owner"]);
    }
    d = await deliveries(hookId);
    for (const x of d) assert.deepEqual([x.status, x.attempts, x.lastStatus, x.nextAttemptAt], ["delivered", 2, 204, null]);
    // The failing endpoint: two attempts each, the next one 3 minutes after the second.
    d = await deliveries(deadHook);
    assert.equal(d.length, 3);
    for (const x of d) {
      assert.deepEqual([x.status, x.attempts, x.lastStatus, x.lastError], ["pending", 2, 503, "HTTP 503"]);
      assert.equal(Date.parse(x.nextAttemptAt) - Date.parse(x.lastAttemptAt), 180_000);
    }
    // Later runs neither warn again nor deliver again.
    await runCron();
    await runCron();
    assert.equal(receiver.requests.length, 6);
    assert.equal(receiver.accepted.length, 3);
    assert.deepEqual(receiver.refused, [], "every delivery verified");
  });

  it("a token whose expiry changes is warned for its new expiry, once", async () => {
    // The 20-day token is cut to 6 days: its 7-day warning for the new expiry (first attempt fails).
    const at = new Date(Date.now() + 6 * DAY).toISOString();
    const p = await call(svc.base, "PATCH", `/tk/v1/tokens/${tokens.in20d}`, { token: acmeOwner, body: [{ op: "replace", path: "/expiresAt", value: at }], headers: { "content-type": "application/json-patch+json" } });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    await runCron();
    await runCron();
    assert.equal(receiver.requests.length, 7);
    assert.equal(receiver.accepted.length, 3);
    const [x] = (await api("GET", `/tk/v1/accounts/${acme}/webhooks/${hookId}/deliveries`, acmeOwner)).body.deliveries;
    assert.deepEqual([x.status, x.attempts, x.event.type], ["pending", 1, "token.expiring"]);
    const sent = JSON.parse(receiver.requests.at(-1).raw.toString("utf8"));
    assert.deepEqual([sent.data.token.id, sent.data.thresholdDays, sent.data.token.expiresAt], [tokens.in20d, 7, at]);
  });

  it("a captured delivery: the package's verifier refuses a tampered body, a wrong secret and an old timestamp", async () => {
    const { header, raw } = receiver.requests.at(-1);
    const body = raw.toString("utf8");
    const now = Math.floor(Date.now() / 1000);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    const t = tk.verifyWebhookSignature(header, body, hookSecret, now);
    assert.ok(Math.abs(t - now) < 120);
    const code = (fn) => {
      try {
        fn();
      } catch (e) {
        assert.ok(tk.isTokenkitError(e));
        return e.code;
      }
      return "accepted";
    };
    assert.equal(code(() => tk.verifyWebhookSignature(header, body.replace('"thresholdDays":7', '"thresholdDays":1'), hookSecret, now)), "signature_mismatch");
    assert.equal(code(() => tk.verifyWebhookSignature(header, body, tk.generateWebhookSecret(), now)), "signature_mismatch");
    assert.equal(code(() => tk.verifyWebhookSignature(header, body, hookSecret, now + 3600, 300)), "signature_timestamp_out_of_tolerance");
    assert.equal(code(() => tk.verifyWebhookSignature(null, body, hookSecret, now)), "malformed_signature_header");
    assert.equal(code(() => tk.verifyWebhookSignature(header.replace(/^t=\d+/, `t=${t + 1}`), body, hookSecret, now)), "signature_mismatch");
  });

  after(() => dead?.close());
});

describe("deleting an endpoint", () => {
  it("removes it and its deliveries; another account cannot", async () => {
    assert.equal((await api("DELETE", `/tk/v1/accounts/${acme}/webhooks/${hookId}`, globexOwner)).status, 404);
    assert.equal((await api("DELETE", `/tk/v1/accounts/${acme}/webhooks/${hookId}`, acmeMember)).status, 403);
    assert.equal((await api("DELETE", `/tk/v1/accounts/${acme}/webhooks/${hookId}`, acmeOwner)).status, 204);
    assert.equal((await api("DELETE", `/tk/v1/accounts/${acme}/webhooks/${hookId}`, acmeOwner)).status, 404);
    assert.equal((await api("GET", `/tk/v1/accounts/${acme}/webhooks/${hookId}/deliveries`, acmeOwner)).status, 404);
    assert.equal((await api("DELETE", `/tk/v1/accounts/${acme}/webhooks/${deadHook}`, root)).status, 204, "a root admin may");
    assert.deepEqual((await api("GET", `/tk/v1/accounts/${acme}/webhooks`, acmeOwner)).body.webhooks, []);
  });
});
