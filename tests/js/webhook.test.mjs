// Webhooks as the package exports them: the signature (signWebhook / verifyWebhookSignature, the
// same code the token service signs with and a receiver verifies with), and the webhook rules
// the service applies (URLs, events, owners/admins, expiry warnings, the retry schedule).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const DAY = 86_400_000;
const code = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof tk.TokenkitError, String(e));
    return e.code;
  }
  return "ok";
};

test("signWebhook is HMAC-SHA-256 over `<t>.<body>`, as node:crypto computes it", () => {
  const secret = tk.generateWebhookSecret();
  assert.match(secret, /^whsec_[0-9A-Za-z]{36}$/);
  assert.notEqual(secret, tk.generateWebhookSecret());
  for (const body of ["", "{}", '{"é":"✓"}', "x".repeat(10_000)]) {
    const t = 1_767_225_600;
    const want = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    assert.equal(tk.signWebhook(secret, t, body), `t=${t},v1=${want}`);
    assert.equal(tk.signWebhook(secret, t, new TextEncoder().encode(body)), `t=${t},v1=${want}`);
  }
});

test("verifyWebhookSignature accepts the signed body and refuses tampering, a wrong secret, a replay", () => {
  const secret = tk.generateWebhookSecret();
  const t = 1_767_225_600;
  const body = JSON.stringify({ id: "evt_1", type: "token.expiring", data: { thresholdDays: 7 } });
  const h = tk.signWebhook(secret, t, body);
  assert.equal(tk.verifyWebhookSignature(h, body, secret, t + 299), t);
  assert.equal(tk.verifyWebhookSignature(h, new TextEncoder().encode(body).buffer, secret, t), t);
  assert.equal(code(() => tk.verifyWebhookSignature(h, body.replace("7", "1"), secret, t)), "signature_mismatch");
  assert.equal(code(() => tk.verifyWebhookSignature(h, body + " ", secret, t)), "signature_mismatch");
  assert.equal(code(() => tk.verifyWebhookSignature(h, body, tk.generateWebhookSecret(), t)), "signature_mismatch");
  assert.equal(code(() => tk.verifyWebhookSignature(h, body, secret, t + 301)), "signature_timestamp_out_of_tolerance");
  assert.equal(code(() => tk.verifyWebhookSignature(h, body, secret, t + 3600, 3600)), "ok");
  assert.equal(code(() => tk.verifyWebhookSignature(h, body, secret, t - 301)), "signature_timestamp_out_of_tolerance");
  for (const bad of [null, undefined, "", "t=1", `v1=${"0".repeat(64)}`, "t=x,v1=00"]) assert.equal(code(() => tk.verifyWebhookSignature(bad, body, secret, t)), "malformed_signature_header", String(bad));
  assert.equal(code(() => tk.verifyWebhookSignature(h, body, "", t)), "empty_secret");
  for (const f of [() => tk.verifyWebhookSignature(h, {}, secret, t), () => tk.verifyWebhookSignature(h, body, secret, -1), () => tk.verifyWebhookSignature(h, body, secret, 1.5), () => tk.verifyWebhookSignature(h, body, secret, t, -1), () => tk.verifyWebhookSignature(5, body, secret, t), () => tk.signWebhook(secret, "now", body)]) {
    assert.equal(code(f), "invalid_input");
  }
});

test("the webhook rules: URLs, events, owners and admins, the endpoint limit", () => {
  const rules = tk.webhookRules();
  assert.deepEqual(rules.events, ["token.expiring", "token.leaked", "token.reused"]);
  assert.deepEqual(rules.warningDays, [30, 7, 1]);
  assert.equal(rules.signatureHeader, "Tokenkit-Signature");
  assert.equal(tk.checkWebhookUrl("https://hooks.example.com/tk", false), "https://hooks.example.com/tk");
  assert.equal(tk.checkWebhookUrl("http://127.0.0.1:9000/x", true), "http://127.0.0.1:9000/x");
  for (const [u, local] of [["http://127.0.0.1:9000/x", false], ["http://example.com/", true], ["https://a:b@example.com/", true], [42, true]]) {
    assert.throws(() => tk.checkWebhookUrl(u, local), (e) => e.code === "invalid_field" && e.field === "url" && e.status === 422, String(u));
  }
  assert.deepEqual(tk.checkWebhookEvents(["token.reused", "token.expiring"]), ["token.expiring", "token.reused"]);
  for (const ev of [undefined, [], ["nope"], ["token.leaked", "token.leaked"], "token.leaked"]) {
    assert.throws(() => tk.checkWebhookEvents(ev), (e) => e.code === "invalid_field" && e.field === "events", JSON.stringify(ev));
  }
  assert.throws(() => tk.requireManageWebhooks("member", false, true), (e) => e.code === "forbidden" && e.status === 403);
  assert.throws(() => tk.requireManageWebhooks("owner", false, false), (e) => e.code === "not_found" && e.status === 404);
  assert.equal(tk.requireManageWebhooks("admin", true, false), undefined);
  assert.equal(tk.checkWebhookCount(rules.maxWebhooks - 1), undefined);
  assert.throws(() => tk.checkWebhookCount(rules.maxWebhooks), (e) => e.code === "too_many_webhooks" && e.status === 409);
});

test("expiry warnings: the tightest threshold reached, once; deliveries: exponential backoff, bounded", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(tk.expiryWarningDue(null, now, []), null);
  assert.equal(tk.expiryWarningDue(now + 31 * DAY, now, []), null);
  assert.deepEqual(tk.expiryWarningDue(now + 20 * DAY, now, []), { thresholdDays: 30, nextDueAt: now + 13 * DAY });
  assert.equal(tk.expiryWarningDue(now + 20 * DAY, now, [30]), null);
  assert.deepEqual(tk.expiryWarningDue(now + 5 * DAY, now, []), { thresholdDays: 7, nextDueAt: now + 4 * DAY });
  assert.deepEqual(tk.expiryWarningDue("2026-01-01T12:00:00Z", now, [30, 7]), { thresholdDays: 1, nextDueAt: now + DAY / 2 });
  assert.equal(tk.expiryWarningDue(now - 1, now, []), null);
  const { maxAttempts } = tk.webhookRules();
  assert.deepEqual(tk.deliveryOutcome(204, 1, now), { status: "delivered", nextAttemptAt: null });
  let waits = [];
  for (let a = 1; a < maxAttempts; a++) waits.push(tk.deliveryOutcome(500, a, now).nextAttemptAt - now);
  assert.deepEqual(waits, [1, 3, 9, 27, 81, 243, 729].map((m) => m * 60_000));
  assert.deepEqual(tk.deliveryOutcome(null, maxAttempts, now), { status: "failed", nextAttemptAt: null });
  assert.equal(code(() => tk.deliveryOutcome(1.5, 1, now)), "invalid_input");
});

test("the service's OpenAPI document names the core's events", () => {
  const doc = JSON.parse(readFileSync(new URL("../../worker/openapi.json", import.meta.url), "utf8"));
  assert.deepEqual(doc.components.schemas.WebhookEvent.enum, tk.webhookRules().events);
  const events = doc.paths["/tk/v1/accounts/{id}/webhooks"].post.requestBody.content["application/json"].schema.properties.events;
  assert.equal(events.maxItems, tk.webhookRules().events.length);
});
