// One request's lookups of token rows by digest, through the isolate's verification cache
// (verify-cache.js; docs/service.md, "Verification cache"): the glue between that cache and the
// D1 read. A Store (store/store.js) owns one for its request.
//
// - Rows looked up are kept (`known`) for the rest of the request; fresh cache entries are used
//   instead of D1, and what D1 returns is cached (only rows that exist).
// - Every write to a token row goes through `writing`, which ends in `changed()`: the changed
//   tokens' entries leave the cache (and its epoch moves), and the rest of the request reads D1 again.
import { verifyCache, ttlOf } from "./verify-cache.js";
import { afterWrite, cacheUsable } from "./cache-sync.js";

export class DigestLookup {
  /** `read(digests)` is the D1 query: the rows whose current, previous or a retired digest is one of them. */
  /** `waitUntil(promise)` keeps a background read of the invalidation log alive (cache-sync.js). */
  constructor(env, read, waitUntil = (p) => p.catch(() => {})) {
    this.env = env;
    this.read = read;
    this.waitUntil = waitUntil;
    this.known = undefined; // digest -> row or null, for this request
    this.outcome = undefined; // "hit" when every lookup of this request came from the cache, "miss" when one read D1
  }

  /** The row of `digest` (current or previous), or null. */
  async get(digest) {
    if (!this.known?.has(digest)) await this.fill([digest]);
    return this.known.get(digest);
  }

  /** Fills `known` for `digests`: cache hits first, one D1 query for the rest (stored if found). */
  async fill(digests) {
    const ttl = ttlOf(this.env);
    this.known ??= new Map();
    // In sync with the other isolates' changes (cache-sync.js)? A promise only when the
    // invalidation log must be read first.
    let usable = ttl > 0 && cacheUsable(this.env, this.waitUntil);
    if (usable instanceof Promise) usable = await usable;
    const missing = [];
    for (const d of digests) {
      const hit = usable ? verifyCache.get(d, Date.now(), ttl) : undefined;
      if (hit === undefined) missing.push(d);
      else this.known.set(d, hit);
    }
    if (missing.length === 0) {
      this.outcome ??= "hit";
      return;
    }
    this.outcome = "miss";
    // The epoch and time before the read: a write that lands while it is in flight keeps its
    // result out of the cache, and its freshness counts from before D1 answered.
    const epoch = verifyCache.epoch;
    const at = Date.now();
    const results = await this.read(missing);
    for (const d of missing) {
      const row = results.find((r) => r.digest === d || r.prev_digest === d || r.retired_digest === d) ?? null;
      this.known.set(d, row);
      if (ttl > 0 && row !== null) verifyCache.put(d, row, at, epoch);
    }
  }

  /**
   * After any write to a token row (its digests, scope, expiry, revocation, …): the rest of this
   * request reads D1 again, and this isolate's cache loses the changed tokens' entries before
   * the request goes on (cache-sync.js afterWrite: the write's own log entries; the whole cache
   * when the log cannot be read).
   */
  async changed() {
    this.known = undefined;
    let ttl;
    try {
      ttl = ttlOf(this.env);
    } catch {
      ttl = 0;
    }
    await afterWrite(this.env, ttl);
  }

  /** Runs a write to token rows, then `changed()` — also when the write fails (it may have landed). */
  async writing(write) {
    try {
      return await write();
    } finally {
      await this.changed();
    }
  }

  /**
   * This isolate wrote `last_used_at = now` for `row`: not a token change, so the cached rows
   * get the new time and keep their freshness (verifyCache.used).
   */
  used(row, now) {
    verifyCache.used(row, now);
  }
}
