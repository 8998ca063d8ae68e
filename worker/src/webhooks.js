// Webhooks: events, their deliveries, the scheduled run (Cron Trigger) that finds expiring tokens
// and delivers what is due, and the signing secrets' protection at rest. The decisions are the
// core's (src/rules/webhooks.rs, src/webhook.rs, through the package): which events exist, which
// expiry warning is due for a token now, the signature, what an attempt's outcome means and when
// the next one is. This file reads and writes D1 and makes the HTTP requests.
//
// Other routes enqueue an event with `enqueueEvent` (the D1 statements to batch with their own
// mutation, so the event exists if and only if the mutation happened); the next scheduled run
// delivers it (docs/service.md, "Webhooks").
import { iso } from "./store/shapes.js";
import { newId } from "./store/mint.js";

// ---------------------------------------------------------------------------------------------
// Events

/**
 * The D1 statements that record the event `type` (one of the core's `webhookRules().events`)
 * with its `data` (a JSON-able object: the payload's `data`) for `account` at `now` (epoch ms),
 * and one pending delivery for each of the account's endpoints subscribed to `type`. Run them in
 * the same `db.batch([...yourStatements, ...enqueueEvent(...)])` as the change they report: a
 * batch is a transaction. `id` (optional, `evt_…`) makes the event idempotent: enqueueing the
 * same id again adds nothing (expiry warnings use it); by default a fresh id. Returns
 * `{id, statements}`.
 */
export function enqueueEvent(db, { account, type, data, now, id }) {
  const eventId = id ?? `evt_${newId()}`;
  return {
    id: eventId,
    statements: [
      db.prepare("INSERT OR IGNORE INTO webhook_events (id, account_id, type, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)").bind(eventId, account, type, JSON.stringify(data), now),
      // Endpoints that existed when the event happened and subscribe to its type.
      db
        .prepare(
          `INSERT OR IGNORE INTO webhook_deliveries (event_id, webhook_id, status, attempts, next_attempt_at, created_at)
           SELECT e.id, h.id, 'pending', 0, e.created_at, e.created_at
           FROM webhook_events e JOIN webhooks h ON h.account_id = e.account_id AND h.created_at <= e.created_at
           WHERE e.id = ?1 AND EXISTS (SELECT 1 FROM json_each(h.events) WHERE json_each.value = e.type)`,
        )
        .bind(eventId),
    ],
  };
}

/** The body a receiver gets for an event row: `{id, type, created, account, data}`. */
export function payloadOf(event) {
  return JSON.stringify({ id: event.event_id, type: event.type, created: iso(event.event_created_at), account: event.account_id, data: JSON.parse(event.data) });
}

// ---------------------------------------------------------------------------------------------
// Signing secrets at rest

const enc = new TextEncoder();
const b64u = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64u = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/**
 * The key material signing secrets are encrypted under: the worker secret TOKENKIT_WEBHOOK_KEY
 * (key id `wk`), else the pepper TOKENKIT_PEPPER (key id `pepper-<version>`), else none (webhooks
 * are then unavailable: a signing secret is never stored in clear).
 */
export function webhookKeyOf(env) {
  if (env.TOKENKIT_WEBHOOK_KEY) return { id: "wk", material: env.TOKENKIT_WEBHOOK_KEY };
  if (env.TOKENKIT_PEPPER) return { id: `pepper-${env.TOKENKIT_PEPPER_VERSION || "v1"}`, material: env.TOKENKIT_PEPPER };
  return null;
}

const keys = new Map();

/** AES-256-GCM key from the material by HKDF-SHA-256 (its own salt and info: never the digests' key). */
function aesKey(key) {
  const cacheKey = `${key.id}\u0000${key.material}`;
  let k = keys.get(cacheKey);
  if (!k) {
    k = crypto.subtle
      .importKey("raw", enc.encode(key.material), "HKDF", false, ["deriveKey"])
      .then((base) => crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: enc.encode("tokenkit webhook signing secrets"), info: enc.encode(key.id) }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]));
    keys.set(cacheKey, k);
  }
  return k;
}

/** `aes-gcm:<key id>:<iv>:<ciphertext>`; `aad` binds it to its row (account and endpoint ids). */
export async function sealSecret(key, secret, aad) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: enc.encode(aad) }, await aesKey(key), enc.encode(secret)));
  return `aes-gcm:${key.id}:${b64u(iv)}:${b64u(ct)}`;
}

/** The signing secret of a stored `secret_enc`, or throws (unknown key id, altered text or row). */
export async function openSecret(env, sealed, aad) {
  const [alg, keyId, iv, ct] = sealed.split(":");
  const key = webhookKeyOf(env);
  if (alg !== "aes-gcm" || !key || key.id !== keyId) throw new Error(`no key ${keyId} for a webhook secret`);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64u(iv), additionalData: enc.encode(aad) }, await aesKey(key), unb64u(ct));
  return new TextDecoder().decode(pt);
}

export const secretAad = (account, webhookId) => `tokenkit webhook ${account} ${webhookId}`;

/** May endpoints be plain http:// to a loopback host? Only where the var says so (local runs). */
export const allowLoopbackHttp = (env) => env.TOKENKIT_WEBHOOK_LOOPBACK_HTTP === "allow";

// ---------------------------------------------------------------------------------------------
// The scheduled run

/** Tokens looked at per run, deliveries attempted per run, attempts in flight at once. */
const SCAN_BATCH = 200;
const DELIVERY_BATCH = 50;
const PARALLEL = 6;
/** A claimed delivery is not picked again by an overlapping run for this long. */
const LEASE_MS = 120_000;
const TIMEOUT_MS = 10_000;

async function sha256Hex(text) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Finds live tokens of accounts with an endpoint subscribed to `token.expiring` whose expiry is
 * within the widest threshold, skipping those whose last warning says nothing is due yet; asks
 * the core which warning is due for each; records it (at most once per token, expiry and
 * threshold: the primary key) and enqueues its event, in one batch per token. Returns the count.
 */
export async function scanExpiring(env, tk, now) {
  const db = env.DB;
  const { warningHorizonMs } = tk.webhookRules();
  const { results } = await db
    .prepare(
      `SELECT t.seq, t.id, t.account_id, t.owner_id, t.name, t.hint, t.expires_at,
              (SELECT json_group_array(w.threshold_days) FROM expiry_warnings w WHERE w.token_seq = t.seq AND w.expires_at = t.expires_at) AS sent
       FROM tokens t
       WHERE t.revoked_at IS NULL AND t.expires_at > ?1 AND t.expires_at <= ?2
         AND EXISTS (SELECT 1 FROM webhooks h, json_each(h.events) ev WHERE h.account_id = t.account_id AND ev.value = 'token.expiring')
         AND NOT EXISTS (SELECT 1 FROM expiry_warnings w WHERE w.token_seq = t.seq AND w.expires_at = t.expires_at AND w.next_due_at > ?1)
       ORDER BY t.expires_at LIMIT ?3`,
    )
    .bind(now, now + warningHorizonMs, SCAN_BATCH)
    .all();
  let count = 0;
  for (const t of results) {
    const due = tk.expiryWarningDue(t.expires_at, now, JSON.parse(t.sent));
    if (!due) continue;
    const id = `evt_${(await sha256Hex(`expiry:${t.seq}:${t.expires_at}:${due.thresholdDays}`)).slice(0, 24)}`;
    const data = {
      token: { id: t.id, name: t.name, owner: t.owner_id, hint: t.hint, expiresAt: iso(t.expires_at) },
      thresholdDays: due.thresholdDays,
    };
    const event = enqueueEvent(db, { account: t.account_id, type: "token.expiring", data, now, id });
    const [r] = await db.batch([
      db.prepare("INSERT OR IGNORE INTO expiry_warnings (token_seq, expires_at, threshold_days, next_due_at, event_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").bind(t.seq, t.expires_at, due.thresholdDays, due.nextDueAt, id, now),
      ...event.statements,
    ]);
    if (r.meta?.changes === 1) count++;
  }
  return count;
}

/** One attempt of one claimed delivery; records its outcome (the core's). Returns the new status. */
async function attempt(env, tk, d, now) {
  let status = null;
  let error = null;
  try {
    const secret = await openSecret(env, d.secret_enc, secretAad(d.account_id, d.webhook_id));
    const body = payloadOf(d);
    // The signature's time is the wall clock (the receiver compares it with its own), not the
    // run's scheduled time.
    const signature = tk.signWebhook(secret, Math.floor(Date.now() / 1000), body);
    const r = await fetch(d.url, {
      method: "POST",
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "tokenkit-webhooks/1",
        [tk.webhookRules().signatureHeader.toLowerCase()]: signature,
        "tokenkit-event": d.type,
        "tokenkit-event-id": d.event_id,
        "tokenkit-delivery": String(d.id),
      },
    });
    status = r.status;
    if (r.body) await r.body.cancel().catch(() => {});
    if (status < 200 || status > 299) error = `HTTP ${status}`;
  } catch (e) {
    error = String(e?.name === "TimeoutError" ? "timeout" : e?.message ?? e).slice(0, 200);
  }
  const outcome = tk.deliveryOutcome(status, d.attempts + 1, now);
  await env.DB.prepare("UPDATE webhook_deliveries SET status = ?1, attempts = attempts + 1, next_attempt_at = ?2, last_attempt_at = ?3, last_status = ?4, last_error = ?5 WHERE id = ?6")
    .bind(outcome.status, outcome.nextAttemptAt, now, status, error, d.id)
    .run();
  return outcome.status;
}

/**
 * Attempts the deliveries due at `now`: each is claimed first (a lease on next_attempt_at, so
 * an overlapping run does not send it twice), then sent signed, then recorded. Returns counts.
 */
export async function deliverDue(env, tk, now) {
  const db = env.DB;
  const { results } = await db
    .prepare(
      `SELECT d.id, d.attempts, d.event_id, d.webhook_id, h.url, h.secret_enc, h.account_id, e.type, e.data, e.created_at AS event_created_at
       FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= ?1
       ORDER BY d.next_attempt_at, d.id LIMIT ?2`,
    )
    .bind(now, DELIVERY_BATCH)
    .all();
  const counts = { delivered: 0, pending: 0, failed: 0 };
  const queue = [...results];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      const claim = await db.prepare("UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id = ?2 AND status = 'pending' AND next_attempt_at <= ?3").bind(now + LEASE_MS, d.id, now).run();
      if (claim.meta?.changes !== 1) continue;
      counts[await attempt(env, tk, d, now)]++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return counts;
}

/** The Cron Trigger's work at `now` (the run's scheduled time): warnings, then deliveries. */
export async function runScheduled(env, tk, now) {
  const warnings = await scanExpiring(env, tk, now);
  const deliveries = await deliverDue(env, tk, now);
  return { warnings, ...deliveries };
}
