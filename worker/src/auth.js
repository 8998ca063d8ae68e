// Who is calling: the presented token, checked in the order DESIGN.md gives. The decisions are
// the core's (src/rules/, through the package): the format and checksum before any storage read
// (`checkPresented`), then the stored row's meaning now (`decideVerification`), then per route
// the management request (`requireManage`) and "holds" (`requireHolds`). This file reads
// headers and rows and turns the core's refusals into HTTP errors.
import { fail, ruled } from "./http.js";
import { conditionsOf } from "./store.js";
import { setActor } from "./audit.js";
import { compromised } from "./incidents.js";

/** The token from `Authorization: Bearer <t>`, `Authorization: <t>` or `x-access-token: <t>`. */
export function presented(request) {
  const h = request.headers.get("authorization");
  if (h !== null) {
    const t = h.trim();
    return /^bearer\s+/i.test(t) ? t.replace(/^bearer\s+/i, "").trim() : t;
  }
  const x = request.headers.get("x-access-token");
  return x === null ? null : x.trim();
}

/** What the core's verification decision reads of a stored row. */
export const storedState = (row) => ({
  digest: row.digest,
  previousDigest: row.prev_digest ?? null,
  previousExpiresAt: row.prev_expires_at ?? null,
  revokedAt: row.revoked_at ?? null,
  disabledAt: row.disabled_at ?? null,
  expiresAt: row.expires_at ?? null,
  retiredDigest: row.retired_digest ?? null,
});

/**
 * Checks a secret. `{ok: true, row, previous, rule}` for a live token (previous = matched a
 * rotated-out secret still in its grace), else `{ok: false, code, message, rule, row?}`.
 * The secret is looked up under every configured pepper version (store.find); one verified under
 * an older version moves to the current one (the core's needsRedigest). A retired secret
 * presented again revokes its token before the answer (the core's verdict says `revoke`:
 * incidents.js, reason `reused`).
 */
export async function check(secret, ctx) {
  const { store, tk, now } = ctx;
  const bad = tk.checkPresented(secret);
  if (bad) return { ok: false, code: bad.code, message: bad.message, rule: bad.rule };
  const { digest, row } = await store.find(secret);
  const v = tk.decideVerification(row ? storedState(row) : null, digest, now);
  if (v.valid) {
    // (With one pepper the digest found is always the current one: no call needed.)
    if (store.ring.peppers.length > 1 && tk.needsRedigest(digest, store.pepper?.version ?? null)) await store.redigest(row, secret, digest);
    return { ok: true, row, previous: v.previous, rule: v.rule };
  }
  if (v.revoke) await compromised(ctx, row, "reused");
  return { ok: false, row: row ?? undefined, code: v.code, message: v.message, rule: v.rule };
}

/** The caller object the routes and the dialects use. */
export function callerOf(row, previous = false) {
  return {
    // Read by the few routes that compare conditions (requireHolds, a patch): made on use.
    get conditions() {
      return conditionsOf(row);
    },
    account: row.account_id,
    owner: row.owner_id,
    tokenId: row.id,
    scope: JSON.parse(row.scope),
    expiresAt: row.expires_at ?? null,
    role: row.member_role,
    isRoot: row.account_is_root === 1,
    previous,
    row,
  };
}

/**
 * The client's address: `CF-Connecting-IP`, which Cloudflare sets on every request (a client's
 * own value is replaced; `wrangler dev` sets it from the socket when the client did not).
 * `X-Forwarded-For` and the like are never read: any client can write them.
 */
export const clientIp = (request) => request.headers.get("cf-connecting-ip") ?? undefined;

/**
 * One use of the live token `row` from `ip`, under its conditions (not-before, allowed
 * addresses, rate limit, remaining uses): the core's decideConditions decides; this loop only
 * reads the counters it asks for — the token's rate window count (its Durable Object) and the
 * atomic spend of one use (one D1 statement) — and asks again. Resolves to the core's final
 * decision: `{outcome: "ok", remaining}` or `{outcome: "refused", status, code, rule, message,
 * retryAfterSeconds?}`.
 */
export async function admitUse(ctx, row, ip) {
  const { tk, store, now } = ctx;
  const conditions = storedConditions(row);
  const counters = {};
  for (let asked = 0; asked < 3; asked++) {
    const d = tk.decideConditions(conditions, now, ip, asked === 0 ? null : counters);
    if (d.outcome !== "count") return d;
    if (d.counter === "rate") counters.rateCount = await store.rateHit(row, d.window);
    else {
      const left = await store.spend(row, d.boundary, d.amount);
      counters.spent = left !== null;
      if (left !== null) counters.remaining = left;
    }
  }
  throw new Error("decideConditions asked for more than its two counters");
}

const conditionsByRow = new WeakMap();

/**
 * The row's conditions as the core's decideConditions takes them: `null` when the row stores
 * none (every condition column empty: the core reads null as no conditions). Made once per row
 * object — a row served by the verification cache is the same frozen object for every request of
 * its freshness window — and read only, never changed.
 */
function storedConditions(row) {
  let c = conditionsByRow.get(row);
  if (c === undefined) {
    const all = conditionsOf(row);
    c = Object.values(all).every((v) => v === null) ? null : all;
    if (Object.isFrozen(row)) conditionsByRow.set(row, c);
  }
  return c;
}

/** The row as it stands after a use that left `remaining` uses (shown by /self, verify). */
const afterUse = (row, d) => (d.remaining === null || d.remaining === undefined ? row : { ...row, remaining: d.remaining });

/** tokenkit's own error for a refused use: its status and code, `Retry-After` for a rate limit. */
export function refusedUse(d) {
  return Object.assign(fail(d.status, d.code, d.message), { headers: retryAfter(d) });
}

/** `Retry-After` for a refused use the core says may be retried later, else undefined. */
export const retryAfter = (d) => (d.retryAfterSeconds === undefined ? undefined : { "retry-after": String(d.retryAfterSeconds) });

/** Authenticates a request to tokenkit's own API, or throws the 401 (403, 429 for its conditions). */
export async function authenticate(request, ctx) {
  const { store, tk, now } = ctx;
  const r = await check(presented(request), ctx);
  if (!r.ok) throw fail(401, r.code, r.message);
  ctx.tokenId = r.row.id; // the request log's token id (worker/src/index.js)
  setActor(ctx, r.row); // the audit log's actor (worker/src/audit.js)
  const d = await admitUse(ctx, r.row, clientIp(request));
  if (d.outcome !== "ok") throw refusedUse(d);
  recordUse(ctx, r.row);
  return callerOf(afterUse(r.row, d), r.previous);
}

/**
 * For a dialect route: the caller of `secret` used from `ip`, `null` when the token does not
 * verify, or `{refused}` with the core's decision when its conditions refuse this use.
 */
export async function authenticateUse(ctx, secret, ip) {
  const r = await check(secret, ctx);
  if (!r.ok) return null;
  ctx.tokenId = r.row.id; // the request log's token id (worker/src/index.js)
  setActor(ctx, r.row); // the audit log's actor (worker/src/audit.js)
  const d = await admitUse(ctx, r.row, ip);
  if (d.outcome !== "ok") return { refused: d };
  recordUse(ctx, r.row);
  return { row: afterUse(r.row, d), previous: r.previous };
}

/**
 * After a successful `check`: records the use of the token `row` (Store.recordUse: at most once
 * a minute), the write left to `ctx.waitUntil`.
 */
export function recordUse(ctx, row) {
  const write = ctx.store.recordUse(row, ctx.now);
  if (write) ctx.waitUntil(write);
}

/** 403 previous_secret for a rotated-out secret in its grace: it may not mint secrets. */
export function requireCurrent(tk, caller) {
  ruled(() => tk.requireCurrent(caller.previous === true));
}

/** 403 insufficient_scope unless the caller's scope allows `verb` on the token `target` ({id, owner}). */
export function requireManage(tk, caller, verb, target) {
  // The stored scope text when there is one: the core parses it as it would the object's JSON.
  ruled(() => tk.requireManage(caller.row?.scope ?? caller.scope, verb, target));
}

/**
 * A rotation hands the caller the token's new secret, so the caller must hold what the token
 * (row, in the caller's account) holds: 403 scope_not_covered / outlives_issuer /
 * conditions_not_covered (the token's conditions of use laxer than the caller's) otherwise.
 */
export function requireHolds(tk, caller, row) {
  const holder = { account: caller.account, id: caller.tokenId, scope: caller.scope, expiresAt: caller.expiresAt, conditions: caller.conditions };
  const token = { account: row.account_id, id: row.id, scope: JSON.parse(row.scope), expiresAt: row.expires_at ?? null, conditions: conditionsOf(row) };
  ruled(() => tk.requireHolds(holder, token));
}
