// Leak reports (POST /tk/v1/leaks, GitHub's secret-scanning partner format) against a real
// `wrangler dev`: the service is configured with a key listing of two P-256 keys made here; a
// third key is not listed. Signatures accepted and refused, a batch labelled candidate by
// candidate with only the live tokens revoked, and the cost of malformed candidates in D1
// statements (the report's log line).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startService, call, ROOT } from "./harness.mjs";
import * as tk from "../../pkg/full/tokenkit.js";

tk.initSync({ module: readFileSync(join(ROOT, "pkg/full/tokenkit_bg.wasm")) });

const pair = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const A = pair();
const B = pair();
const UNLISTED = pair();
const pem = (k) => k.publicKey.export({ type: "spki", format: "pem" });
const LISTING = { public_keys: [{ key_identifier: "kA", key: pem(A), is_current: false }, { key_identifier: "kB", key: pem(B), is_current: true }] };

let svc;
let R;
const sha256hex = (s) => createHash("sha256").update(s).digest("hex");

before(async () => {
  // A webhook key too: the account's owner is notified of a leak by webhook (worker/src/incidents.js).
  svc = await startService({ env: { TOKENKIT_SECRET_SCANNING_KEYS: JSON.stringify(LISTING), TOKENKIT_WEBHOOK_KEY: "a-test-webhook-key-for-the-leak-suite" }, logLevel: "log" });
  R = svc.root.token;
});
after(async () => {
  await svc?.cleanup();
});

/** POSTs `raw` (a string or Buffer) signed by `by` (a key pair; DER, base64) as key `id`. */
async function report(raw, { by = B, id = "kB", headers = {}, signature } = {}) {
  const body = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === "string" ? raw : JSON.stringify(raw));
  const sig = signature ?? sign("sha256", body, by.privateKey).toString("base64");
  const h = { "content-type": "application/json", "github-public-key-identifier": id, "github-public-key-signature": sig, ...headers };
  for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
  const r = await fetch(`${svc.base}/tk/v1/leaks`, { method: "POST", headers: h, body });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  if (field !== undefined) assert.equal(r.body.error.field, field);
}

async function mint(name) {
  const r = await call(svc.base, "POST", "/tk/v1/tokens", { token: R, body: { name, scope: { language: "policy", role: "reader" } } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const self = (secret) => call(svc.base, "GET", "/tk/v1/self", { token: secret });

/** The report's log line (msg "leak_report") of the request with id `requestId`. */
async function reportLine(requestId) {
  for (let i = 0; i < 50; i++) {
    const line = svc
      .logs()
      .split("\n")
      .map((l) => l.slice(Math.max(0, l.indexOf('{"msg":"leak_report"'))))
      .filter((l) => l.startsWith('{"msg":"leak_report"'))
      .map((l) => JSON.parse(l))
      .find((l) => l.requestId === requestId);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no leak_report line for ${requestId}`);
}

describe("signature", () => {
  const body = [{ token: "ghp_not_ours", type: "tokenkit", url: "https://example.test/x", source: "content" }];

  test("signed by a listed key: accepted (either key of the listing)", async () => {
    for (const [by, id] of [[B, "kB"], [A, "kA"]]) {
      const r = await report(body, { by, id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, [{ token_hash: sha256hex("ghp_not_ours"), token_type: "tokenkit", label: "false_positive" }]);
    }
  });

  test("missing headers → 401 missing_signature naming the header", async () => {
    assertError(await report(body, { headers: { "github-public-key-identifier": null } }), 401, "missing_signature", "GITHUB-PUBLIC-KEY-IDENTIFIER");
    assertError(await report(body, { headers: { "github-public-key-signature": null } }), 401, "missing_signature", "GITHUB-PUBLIC-KEY-SIGNATURE");
  });

  test("unknown key identifier → 401 unknown_key_identifier", async () => {
    assertError(await report(body, { id: "kZ" }), 401, "unknown_key_identifier", "GITHUB-PUBLIC-KEY-IDENTIFIER");
  });

  test("wrong key → 401 invalid_signature (an unlisted key, and the other listed key)", async () => {
    assertError(await report(body, { by: UNLISTED, id: "kB" }), 401, "invalid_signature");
    assertError(await report(body, { by: A, id: "kB" }), 401, "invalid_signature");
  });

  test("altered body → 401 invalid_signature", async () => {
    const raw = Buffer.from(JSON.stringify(body));
    const signature = sign("sha256", raw, B.privateKey).toString("base64");
    const altered = Buffer.from(JSON.stringify(body).replace("ghp_not_ours", "ghp_not_ourz"));
    assertError(await report(altered, { signature }), 401, "invalid_signature");
    assert.equal((await report(raw, { signature })).status, 200, "the same signature over the body it signed");
  });

  test("a signature that is not base64 DER → 401 malformed_signature", async () => {
    assertError(await report(body, { signature: "not base64!" }), 401, "malformed_signature");
    assertError(await report(body, { signature: Buffer.from("nope").toString("base64") }), 401, "malformed_signature");
  });
});

describe("body", () => {
  test("malformed reports name what is wrong", async () => {
    assertError(await report("{}"), 400, "invalid_json");
    assertError(await report("not json"), 400, "invalid_json");
    assertError(await report([{ type: "t" }]), 422, "invalid_field", "[0].token");
    assertError(await report([{ token: "x", type: "t" }, { token: "y" }]), 422, "invalid_field", "[1].type");
    assertError(await report([{ token: "x", type: "t" }], { headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
  });

  test("bounded: candidates and bytes", async () => {
    const { maxCandidates, maxBytes } = tk.leakLimits();
    assertError(await report(Array.from({ length: maxCandidates + 1 }, () => ({ token: "x", type: "t" }))), 413, "too_many_candidates");
    assertError(await report([{ token: "x".repeat(maxBytes), type: "t" }]), 413, "payload_too_large");
    const full = await report(Array.from({ length: maxCandidates }, (_, i) => ({ token: `x${i}`, type: "t" })));
    assert.equal(full.status, 200);
    assert.equal(full.body.length, maxCandidates);
  });
});

describe("a batch", () => {
  test("labels live, revoked, foreign, wrong-checksum and unknown candidates; revokes only the live ones", async () => {
    const live = await mint("leaked");
    const live2 = await mint("leaked too");
    const bystander = await mint("not reported");
    const revoked = await mint("revoked before");
    assert.equal((await call(svc.base, "DELETE", `/tk/v1/tokens/${revoked.token.id}`, { token: R })).status, 204);
    const last = live.secret.at(-1);
    const wrongSum = live.secret.slice(0, -1) + (last === "A" ? "B" : "A");
    const unknown = tk.generateToken();
    const foreign = "ghp_" + "a".repeat(36);
    const tokens = [live.secret, revoked.secret, foreign, wrongSum, unknown, live2.secret, live.secret];
    const r = await report(tokens.map((token, i) => ({ token, type: `type${i}`, url: `https://example.test/${i}`, source: "commit" })));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body,
      tokens.map((token, i) => ({ token_hash: sha256hex(token), token_type: `type${i}`, label: [0, 5, 6].includes(i) ? "true_positive" : "false_positive" })),
    );
    for (const s of [live.secret, live2.secret]) {
      const me = await self(s);
      assert.deepEqual([me.status, me.body.error?.code], [401, "revoked"], "a live leaked token is revoked at once");
    }
    assert.equal((await self(bystander.secret)).status, 200, "a token not reported keeps working");
    const line = await reportLine(r.headers.get("x-request-id"));
    assert.deepEqual([line.candidates, line.lookedUp, line.truePositives, line.revoked], [7, 5, 3, 2]);
    // The owner is notified (one event per revoked token, never the secret).
    const events = svc
      .logs()
      .split("\n")
      .filter((l) => l.includes('"msg":"token_event"'))
      .map((l) => JSON.parse(l.slice(l.indexOf("{"))));
    for (const t of [live, live2]) {
      const e = events.filter((x) => x.tokenId === t.token.id);
      assert.equal(e.length, 1, "one event per leaked token");
      assert.deepEqual([e[0].type, e[0].reason, e[0].accountId], ["token.leaked", "leaked", t.token.accountId]);
    }
    assert.ok(!svc.logs().includes(live.secret), "no secret in the logs");
    // Audited in the revocation's transaction: a system action (no actor), with the reason.
    const audit = await call(svc.base, "GET", `/tk/v1/audit?target=${live.token.id}&action=token.revoked`, { token: R });
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.deepEqual(audit.body.events.map((e) => [e.action, e.detail.reason, e.actor.tokenId, e.requestId]), [["token.revoked", "leaked", null, r.headers.get("x-request-id")]]);
    // Reported again: it is revoked now, so false_positive, and not revoked twice.
    const again = await report([{ token: live.secret, type: "t" }]);
    assert.equal(again.body[0].label, "false_positive");
    assert.equal((await reportLine(again.headers.get("x-request-id"))).revoked, 0);
  });

  test("malformed and wrong-checksum candidates cost no D1 statement; a well-formed one does", async () => {
    const t = tk.generateToken();
    const wrongSum = t.slice(0, -1) + (t.at(-1) === "A" ? "B" : "A");
    const junk = [{ token: wrongSum, type: "t" }, { token: "ghp_" + "b".repeat(36), type: "t" }, { token: "tk_short", type: "t" }];
    const r = await report(junk);
    assert.equal(r.status, 200);
    assert.ok(r.body.every((c) => c.label === "false_positive"));
    const line = await reportLine(r.headers.get("x-request-id"));
    assert.deepEqual([line.candidates, line.lookedUp, line.d1Statements], [3, 0, 0]);
    const withOne = await report([...junk, { token: t, type: "t" }]);
    const line2 = await reportLine(withOne.headers.get("x-request-id"));
    assert.equal(line2.lookedUp, 1);
    assert.ok(line2.d1Statements >= 1, `a well-formed candidate is looked up (${line2.d1Statements} statements)`);
  });
});

describe("revocation reasons", () => {
  test("the revoked list shows why: leaked, reused, or by request (null)", async () => {
    const leaked = await mint("leaked for the list");
    const reused = await mint("reused for the list");
    const byRequest = await mint("revoked by request for the list");
    assert.equal((await report([{ token: leaked.secret, type: "t" }])).body[0].label, "true_positive");
    const rot = await call(svc.base, "POST", `/tk/v1/tokens/${reused.token.id}/rotate`, { token: R, body: {} });
    assert.equal(rot.status, 200);
    const again = await self(reused.secret);
    assert.deepEqual([again.status, again.body.error.code], [401, "reused_secret"]);
    assert.equal((await call(svc.base, "DELETE", `/tk/v1/tokens/${byRequest.token.id}`, { token: R })).status, 204);
    const list = await call(svc.base, "GET", "/tk/v1/tokens?revoked=true&limit=100", { token: R });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const by = Object.fromEntries(list.body.tokens.map((t) => [t.id, t]));
    assert.equal(by[leaked.token.id].revokedReason, "leaked");
    assert.equal(by[reused.token.id].revokedReason, "reused");
    assert.equal(by[byRequest.token.id].revokedReason, null);
    for (const t of list.body.tokens) assert.ok(Date.parse(t.revokedAt) > 0, "every listed token is revoked");
    const live = await call(svc.base, "GET", "/tk/v1/tokens?limit=100", { token: R });
    assert.ok(live.body.tokens.every((t) => t.revokedAt === null && t.revokedReason === null), "the default list: live tokens only");
    assert.ok(!live.body.tokens.some((t) => t.id === leaked.token.id));
  });
});

describe("the account's policy", () => {
  test("onLeak: disable — a live leaked token is disabled (audited, reversible), not revoked", async () => {
    const acct = await call(svc.base, "POST", "/tk/v1/accounts", { token: R, body: { name: "careful", owner: "carol" } });
    assert.equal(acct.status, 201, JSON.stringify(acct.body));
    const owner = acct.body.secret;
    const id = acct.body.account.id;
    const put = await call(svc.base, "PUT", `/tk/v1/accounts/${id}/policy`, { token: owner, body: { onLeak: "disable" } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.policy.onLeak, "disable");
    const bad = await call(svc.base, "PUT", `/tk/v1/accounts/${id}/policy`, { token: owner, body: { onLeak: "delete" } });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [422, "invalid_field", "onLeak"]);
    const made = await call(svc.base, "POST", "/tk/v1/tokens", { token: owner, body: { name: "leaks, carefully", scope: { language: "policy", role: "reader" } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const r = await report([{ token: made.body.secret, type: "t" }]);
    assert.equal(r.body[0].label, "true_positive");
    const line = await reportLine(r.headers.get("x-request-id"));
    assert.deepEqual([line.truePositives, line.revoked, line.disabled], [1, 0, 1]);
    const me = await self(made.body.secret);
    assert.deepEqual([me.status, me.body.error?.code], [401, "disabled"], "disabled, not revoked");
    const audit = await call(svc.base, "GET", `/tk/v1/audit?target=${made.body.token.id}`, { token: owner });
    assert.deepEqual(audit.body.events.map((e) => [e.action, e.detail.reason ?? null, e.actor.tokenId]).slice(0, 1), [["token.disabled", "leaked", null]]);
    // Reported again while disabled: not live, nothing more happens.
    assert.equal((await report([{ token: made.body.secret, type: "t" }])).body[0].label, "false_positive");
    // The owner looks, then enables it: the same token works again.
    const en = await call(svc.base, "POST", `/tk/v1/tokens/${made.body.token.id}/enable`, { token: owner });
    assert.equal(en.status, 200, JSON.stringify(en.body));
    assert.equal((await self(made.body.secret)).status, 200);
  });
});

describe("the owner is notified", () => {
  test("a leak's revocation enqueues one token.leaked delivery to the account's subscribed endpoint, in its transaction", async () => {
    const acct = await call(svc.base, "POST", "/tk/v1/accounts", { token: R, body: { name: "notified", owner: "nora" } });
    assert.equal(acct.status, 201, JSON.stringify(acct.body));
    const [owner, id] = [acct.body.secret, acct.body.account.id];
    const hook = await call(svc.base, "POST", `/tk/v1/accounts/${id}/webhooks`, { token: owner, body: { url: "http://127.0.0.1:9/leaks", events: ["token.leaked"] } });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const other = await call(svc.base, "POST", `/tk/v1/accounts/${id}/webhooks`, { token: owner, body: { url: "http://127.0.0.1:9/expiry", events: ["token.expiring"] } });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const made = await call(svc.base, "POST", "/tk/v1/tokens", { token: owner, body: { name: "to be leaked", scope: { language: "policy", role: "reader" } } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await report([{ token: made.body.secret, type: "t", url: "https://example.test/leak" }])).body[0].label, "true_positive");
    assert.equal((await report([{ token: made.body.secret, type: "t" }])).body[0].label, "false_positive", "reported again: revoked already");
    const d = await call(svc.base, "GET", `/tk/v1/accounts/${id}/webhooks/${hook.body.webhook.id}/deliveries`, { token: owner });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual(d.body.deliveries.map((x) => [x.event.type, x.status]), [["token.leaked", "pending"]], "one delivery, for the one revocation");
    const none = await call(svc.base, "GET", `/tk/v1/accounts/${id}/webhooks/${other.body.webhook.id}/deliveries`, { token: owner });
    assert.deepEqual(none.body.deliveries, [], "an endpoint not subscribed to token.leaked gets nothing");
  });
});
