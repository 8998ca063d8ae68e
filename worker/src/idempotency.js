// Idempotent creates (issue #18; docs/service.md, "Idempotency-Key"): a POST that creates
// something — a token, a rotation or reset, an account, a member, on tokenkit's API and the four
// dialects — with an `Idempotency-Key` header runs at most once per key for 24 h. The decision
// (proceed, replay, 422 idempotency_key_reused, 409 idempotency_in_progress) and what a replay
// may show are the core's (src/rules/idempotency.rs); this file claims keys in D1 and stores
// outcomes.
//
// - A key is claimed atomically (INSERT … ON CONFLICT DO NOTHING on its primary key) before the
//   request runs: of concurrent requests with one key, one runs; the others are answered 409
//   (still running) or, once it is done, its outcome.
// - Keys are per credential: the stored key is a hash of the key and of the presented
//   credential (never the credential or its digest), so one client's keys never meet another's.
// - A successful outcome (2xx) is stored with every tokenkit token in it replaced by null (the
//   core's redactSecrets): no secret is ever readable from the database. A replay answers that
//   outcome with `Idempotent-Replayed: true` (tokenkit's own API also `"replayed": true`): the
//   same token metadata, `secret: null`. A client that lost the first answer's secret knows the
//   token's id from the replay and rotates it. A failed request (not 2xx) releases its key.
import { fail, readText, ruled } from "./http.js";
import { presented } from "./auth.js";

/** The POST routes that create something (tokenkit's own, then the dialects'). */
const CREATES = [
  /^\/tk\/v1\/tokens$/,
  /^\/tk\/v1\/tokens\/[^/]+\/rotate$/,
  /^\/tk\/v1\/self\/rotate$/,
  /^\/tk\/v1\/accounts$/,
  /^\/tk\/v1\/accounts\/[^/]+\/members$/,
  /^\/tk\/v1\/accounts\/[^/]+\/webhooks$/,
  /^\/v1\/access-tokens\/?$/,
  /^\/api\/v1\/me\/tokens\/?$/,
  /^\/api\/v2\/tokens\/?$/,
  /^\/api\/v2\/tokens\/[^/]+\/reset$/,
  /^\/v1\/accounts\/[^/]+\/accessTokens\/?$/,
];

const enc = new TextEncoder();
async function sha256hex(text) {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function replay(row, url) {
  let body = row.body;
  if (body !== null && url.pathname.startsWith("/tk/")) body = JSON.stringify({ ...JSON.parse(body), replayed: true });
  const headers = { "cache-control": "no-store", "idempotent-replayed": "true" };
  if (body !== null) headers["content-type"] = "application/json; charset=utf-8";
  return new Response(body, { status: row.status, headers });
}

/**
 * Runs `run(request)` under the request's Idempotency-Key when it has one and creates something;
 * otherwise just runs it.
 */
export async function withIdempotency(request, ctx, url, run) {
  const key = request.headers.get("idempotency-key");
  if (key === null || request.method !== "POST" || !CREATES.some((re) => re.test(url.pathname))) return run(request);
  const { tk, env, now } = ctx;
  const db = env.DB;
  ruled(() => tk.checkIdempotencyKey(key));
  const text = await readText(request);
  const credential = await sha256hex(`tokenkit idempotency credential\0${presented(request) ?? url.searchParams.get("access_token") ?? ""}`);
  const keyHash = await sha256hex(`tokenkit idempotency key\0${credential}\0${key}`);
  const fingerprint = await sha256hex(`${request.method}\0${url.pathname}\0${url.search}\0${credential}\0${text}`);
  const ttl = tk.ruleDefaults().idempotencyTtlMs;
  const [, claimed] = await db.batch([
    db.prepare("DELETE FROM idempotency_keys WHERE created_at <= ?").bind(now - ttl),
    db.prepare("INSERT INTO idempotency_keys (key_hash, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (key_hash) DO NOTHING").bind(keyHash, fingerprint, now),
  ]);
  if (claimed.meta?.changes !== 1) {
    const row = await db.prepare("SELECT * FROM idempotency_keys WHERE key_hash = ?").bind(keyHash).first();
    const decision = ruled(() => tk.decideIdempotency(row ? { fingerprint: row.fingerprint, createdAt: row.created_at, status: row.status ?? null } : null, fingerprint, now));
    if (decision === "replay") return replay(row, url);
    // A claim past its lease (or gone): take it over, unless another request just did.
    const took = row
      ? await db.prepare("UPDATE idempotency_keys SET fingerprint = ?, created_at = ?, status = NULL, body = NULL WHERE key_hash = ? AND created_at = ?").bind(fingerprint, now, keyHash, row.created_at).run()
      : await db.prepare("INSERT INTO idempotency_keys (key_hash, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (key_hash) DO NOTHING").bind(keyHash, fingerprint, now).run();
    if (took.meta?.changes !== 1) throw fail(409, "idempotency_in_progress", "a request with this Idempotency-Key is still running; retry later", "Idempotency-Key");
  }
  const release = () => db.prepare("DELETE FROM idempotency_keys WHERE key_hash = ? AND created_at = ? AND status IS NULL").bind(keyHash, now).run();
  let response;
  try {
    response = await run(new Request(request.url, { method: request.method, headers: request.headers, body: text === "" ? undefined : text }));
  } catch (e) {
    await release();
    throw e;
  }
  if (response.status < 200 || response.status > 299) {
    await release();
    return response;
  }
  const out = await response.text();
  let stored = null;
  if (out !== "") {
    try {
      stored = tk.redactSecrets(out);
    } catch {
      stored = null;
    }
  }
  await db.prepare("UPDATE idempotency_keys SET status = ?, body = ? WHERE key_hash = ? AND created_at = ?").bind(response.status, stored, keyHash, now).run();
  return new Response(out === "" ? null : out, response);
}
