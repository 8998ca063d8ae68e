// Revocation propagation (docs/service.md, "Many isolates"): keeps this isolate's verification
// cache (verify-cache.js) within VERIFY_CACHE_MAX_STALE_MS of every change made through any
// other isolate, by following the invalidation log in D1 (migrations/0005_invalidations.sql:
// triggers append one entry per changed token, in the change's own transaction).
//
// - A request that may use the cache asks the core (cacheSyncAction) what the age of the last
//   read of the log and of the read in flight allow: use the cache; use it and read the log in
//   the background (at most one read in flight, after VERIFY_CACHE_SYNC_MS); past
//   VERIFY_CACHE_MAX_STALE_MS, read the log first — and when that read fails — or, while another
//   request's read is in flight, not use the cache for this request (its lookups go to D1, as
//   with the cache off). A read that never settles (its request cancelled) stops counting as in
//   flight after the core's lease (2 x VERIFY_CACHE_MAX_STALE_MS).
// - A read returns the entries past the isolate's cursor; the core (cacheSyncBatch) says what it
//   evicts: the listed tokens' entries, or everything when entries may be missing. Either way
//   the cache's epoch moves, so a D1 read in flight during the eviction is not cached after it.
// - A write by this isolate reads the log at once (afterWrite): its own change is evicted before
//   the request goes on, the rest of the cache is kept.
// - The log is read on the D1 primary (the binding without a session), as the rows are: a
//   row is never older than the log position that said it was fresh.
// Nothing here holds a connection between requests: Workers cannot keep I/O across requests.
import { cacheSyncAction, cacheSyncBatch, cacheSyncBounds } from "../../pkg/full/workerd.js";
import { fail } from "./http.js";
import { verifyCache } from "./verify-cache.js";

const state = {
  cursor: null, // seq of the last log entry applied; null until the first read
  syncedAt: -Infinity, // when the last successful read began (epoch ms)
  inflight: null, // when the latest read in flight began, or null
};

let seen; // [sync raw, max-stale raw, bounds or error]
let logged = false;

/** The configured bounds ({syncMs, maxStaleMs, batchLimit}), or the 500 `invalid_config`. */
export function boundsOf(env) {
  const sync = env.VERIFY_CACHE_SYNC_MS;
  const stale = env.VERIFY_CACHE_MAX_STALE_MS;
  if (!seen || seen[0] !== sync || seen[1] !== stale) {
    const text = (v) => (v === undefined ? undefined : String(v));
    try {
      seen = [sync, stale, cacheSyncBounds(text(sync), text(stale))];
    } catch (e) {
      seen = [sync, stale, e];
    }
  }
  const b = seen[2];
  if (b instanceof Error) {
    if (!logged) {
      logged = true;
      console.error("tokenkit: invalid configuration:", b.message);
    }
    throw fail(500, "invalid_config", `the service is misconfigured: ${b.message}`);
  }
  return b;
}

/**
 * Whether this request may use the cache: `true`/`false`, or a promise of it when the log must
 * be read first. `waitUntil` keeps a background read alive past the response.
 */
export function cacheUsable(env, waitUntil) {
  const b = boundsOf(env);
  const now = Date.now();
  const action = cacheSyncAction(now - state.syncedAt, state.inflight === null ? undefined : now - state.inflight, b.syncMs, b.maxStaleMs);
  if (action === 0) return true;
  if (action === 1) {
    waitUntil(readLog(env.DB, b));
    return true;
  }
  if (action === 3) return false;
  return readLog(env.DB, b).then(
    () => true,
    () => false,
  );
}

/**
 * After this isolate wrote token rows (Store.writing): reads the log before the request goes
 * on, so the entries of the tokens the write changed (listed by the triggers in its own
 * transaction) are gone from this isolate's cache for its next lookup, and every other entry
 * stays. Without the cache, or when the log cannot be read, the whole cache is emptied.
 */
export async function afterWrite(env, ttl) {
  if (ttl === 0) return verifyCache.invalidateAll();
  try {
    await readLog(env.DB, boundsOf(env));
  } catch {
    verifyCache.invalidateAll();
  }
}

/** One read of the log past the cursor, applied to the cache. */
async function readLog(db, b) {
  const started = Date.now();
  state.inflight = started;
  try {
    if (state.cursor === null) {
      // First read: nothing cached before it is known to be current.
      const top = await db.prepare("SELECT COALESCE(MAX(seq), 0) AS top FROM invalidations").first("top");
      verifyCache.invalidateAll();
      state.cursor = Math.max(state.cursor ?? 0, top);
    } else {
      const from = state.cursor;
      const { results } = await db.prepare("SELECT seq, token_seq FROM invalidations WHERE seq > ?1 ORDER BY seq LIMIT ?2").bind(from, b.batchLimit).all();
      const plan = cacheSyncBatch(from, results.length > 0 ? results[0].seq : null, results.length);
      if (plan === 2) verifyCache.invalidateAll();
      else if (plan === 1) verifyCache.evictTokens(new Set(results.map((r) => r.token_seq)));
      if (results.length > 0) state.cursor = Math.max(state.cursor, results[results.length - 1].seq);
    }
    if (started > state.syncedAt) state.syncedAt = started;
  } finally {
    if (state.inflight === started) state.inflight = null;
  }
}
