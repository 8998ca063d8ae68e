// The verification cache: per isolate (module scope), the token rows that authentication looks
// up by digest, fresh for VERIFY_CACHE_TTL_MS (docs/service.md, "Verification cache").
//
// - Keys are digests, values the row as D1 returned it (token columns, the owner's role, the
//   account's root flag): digests and metadata, never a secret.
// - Positive only: a digest D1 does not know is never remembered, so a token created elsewhere
//   works at once everywhere, and random well-formed tokens cannot evict live ones.
// - Nothing is "valid because cached": auth.js checks revocation, expiry and the rotation grace
//   on every request against the request's time, whatever row it gets.
// - Every write this isolate makes to a token (Store.changed) evicts the changed tokens' entries
//   (read from the invalidation log at once; the whole cache when it cannot be read) and bumps
//   the epoch; a read that started before the bump is not stored after it, so a lookup after a
//   write always sees the write. Other isolates learn of it from the same log (cache-sync.js),
//   within VERIFY_CACHE_MAX_STALE_MS; the TTL remains the bound should the log not be read.
// - At most MAX_ENTRIES entries; inserting past it evicts the oldest insertion.
import { fail } from "./http.js";

export const DEFAULT_TTL_MS = 5000;
export const MAX_TTL_MS = 60_000;
export const MAX_ENTRIES = 4096;

/**
 * The TTL in ms from the worker's VERIFY_CACHE_TTL_MS: unset = DEFAULT_TTL_MS; `0` = off;
 * otherwise a whole number of ms up to MAX_TTL_MS, as a JSON number or a decimal string (a
 * `[vars]` value or `--var`). Anything else throws: a typo must not silently become another
 * staleness bound.
 */
export function parseTtl(raw) {
  if (raw === undefined) return DEFAULT_TTL_MS;
  const ok = (typeof raw === "number" && Number.isInteger(raw)) || (typeof raw === "string" && /^(0|[1-9][0-9]{0,5})$/.test(raw));
  const n = ok ? Number(raw) : NaN;
  if (!(n >= 0 && n <= MAX_TTL_MS)) {
    const e = new Error(`VERIFY_CACHE_TTL_MS must be a whole number of milliseconds from 0 (cache off) to ${MAX_TTL_MS}`);
    e.code = "invalid_config";
    throw e;
  }
  return n;
}

let seen; // [raw, ttl or error] of the last configuration read
let logged = false;

/** The configured TTL, or the 500 `invalid_config` (logged once per isolate, without the value). */
export function ttlOf(env) {
  const raw = env.VERIFY_CACHE_TTL_MS;
  if (!seen || seen[0] !== raw) {
    try {
      seen = [raw, parseTtl(raw)];
    } catch (e) {
      seen = [raw, e];
    }
  }
  if (seen[1] instanceof Error) {
    if (!logged) {
      logged = true;
      console.error("tokenkit: invalid configuration:", seen[1].message);
    }
    throw fail(500, "invalid_config", `the service is misconfigured: ${seen[1].message}`);
  }
  return seen[1];
}

export class VerifyCache {
  constructor(max = MAX_ENTRIES) {
    this.max = max;
    this.entries = new Map(); // digest -> {row (frozen), at: epoch ms of the read}
    this.epoch = 0;
  }

  /** The row cached for `digest` if read less than `ttl` ms before `now`, else undefined. */
  get(digest, now, ttl) {
    const e = this.entries.get(digest);
    if (e === undefined) return undefined;
    if (now - e.at >= ttl || now < e.at) {
      this.entries.delete(digest);
      return undefined;
    }
    return e.row;
  }

  /**
   * Stores `row` (read from D1 at `at`) for `digest`, unless a write happened since the read
   * began (`epoch` is the one taken before it). Returns whether it stored.
   */
  put(digest, row, at, epoch) {
    if (epoch !== this.epoch || row === null || row === undefined) return false;
    this.entries.delete(digest);
    while (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value);
    this.entries.set(digest, { row: Object.freeze({ ...row }), at });
    return true;
  }

  /**
   * Records that this isolate wrote `last_used_at = at` for the row: its entries get the new
   * value (a new frozen row; the one a request holds keeps showing the row as it was read) and
   * keep their read time, so recording use never extends freshness.
   */
  used(row, at) {
    for (const d of [row.digest, row.prev_digest]) {
      const e = d === null || d === undefined ? undefined : this.entries.get(d);
      if (e !== undefined && e.row.seq === row.seq) this.entries.set(d, { row: Object.freeze({ ...e.row, last_used_at: at }), at: e.at });
    }
  }

  /**
   * After other isolates changed the tokens `seqs` (tokens.seq; a Set), as the invalidation log
   * lists them: their entries go, and a read in flight is not stored after this (the epoch).
   */
  evictTokens(seqs) {
    this.epoch++;
    for (const [d, e] of this.entries) if (seqs.has(e.row.seq)) this.entries.delete(d);
  }

  /** After a write to any token: nothing cached before it is served again. */
  invalidateAll() {
    this.epoch++;
    this.entries.clear();
  }

  get size() {
    return this.entries.size;
  }
}

/** The isolate's cache (module scope: shared by every request this isolate serves). */
export const verifyCache = new VerifyCache();
