// The Store: one request's access to tokens, members and accounts. It composes the D1
// statements (sql.js), the minting of secrets and digests (mint.js) and the cached lookups by
// digest (../digest-lookup.js over ../verify-cache.js). Only digests are stored; a secret exists
// in memory just long enough to be digested and shown once. All times are epoch ms (UTC). Every
// method that writes a token row goes through `writing`, which evicts the changed tokens from
// the verification cache (the invalidation log, ../cache-sync.js).
import * as sql from "./sql.js";
import { Digests, mintSecret, newId, pepperOf } from "./mint.js";
import { toAccount, toMember } from "./shapes.js";
import { DigestLookup } from "../digest-lookup.js";

/**
 * Whether a one-row UPDATE changed its row. D1's `meta.changes` counts the rows its triggers
 * wrote too (the invalidation log's entry, migrations/0005), so "changed" is any, not exactly 1:
 * the triggers fire only when the row itself changed.
 */
const changedRow = (r) => Boolean(r.meta && r.meta.changes > 0);

/** last_used_at is written at most once per this many ms per token. */
export const USE_GRANULARITY_MS = 60_000;

export class Store {
  /** `waitUntil(promise)`: the request's, for work after the response (the invalidation log's reads). */
  constructor(env, tk, waitUntil) {
    this.db = env.DB;
    this.env = env;
    this.tk = tk;
    this.pepper = pepperOf(env);
    this.digests = new Digests(tk, this.pepper);
    this.lookups = new DigestLookup(env, (digests) => sql.tokensByDigests(this.db, digests), waitUntil);
  }

  /** The stored form of a secret; computed once per secret for this request. */
  digest(secret) {
    return this.digests.of(secret);
  }

  /** A fresh secret, its digest and its masked hint. */
  mint() {
    return mintSecret(this.tk, this.pepper);
  }

  /**
   * Looks up several secrets' rows and keeps them for `byDigest` for the rest of this request (a
   * Store lives for one request): from the verification cache when fresh there, the rest in one
   * D1 round trip. Verify is the hot path and presents two tokens, the caller's and the one to
   * check; each D1 query costs more than all else it does.
   */
  async prefetch(secrets) {
    await this.lookups.fill([...new Set(secrets.map((s) => this.digest(s)))]);
  }

  /** The token row (with its member's role and account's root flag) of a current or previous digest, or null. */
  async byDigest(digest) {
    return this.lookups.get(digest);
  }

  /** After any write to a token row: this isolate's later lookups of it, and this request's, read D1 again. */
  changed() {
    return this.lookups.changed();
  }

  /** Runs a write to token rows, then `changed()` — also when the write fails (it may have landed). */
  writing(write) {
    return this.lookups.writing(write);
  }

  async row(account, id) {
    return sql.liveToken(this.db, account, id);
  }

  /**
   * Records a use of the token `row` (from `check`) at most once a minute: a write only when the
   * row's last_used_at is older than that, guarded again in SQL (another isolate may have written
   * it). The promise is for `waitUntil`; `undefined` when nothing is due. Not a token change: the
   * cached rows get the new time and keep their freshness.
   */
  recordUse(row, now) {
    if (row.last_used_at !== null && row.last_used_at >= now - USE_GRANULARITY_MS) return undefined;
    this.lookups.used(row, now);
    return sql.touchLastUsed(this.db, row.seq, now, USE_GRANULARITY_MS);
  }

  /**
   * Spends one use of the token `row` (the core's decideConditions asked for it, with the refill
   * `boundary` and `amount`): one atomic D1 statement (sql.spendUse), never the cached row.
   * Resolves to the uses left, or null when there were none. Not a token change for the
   * verification cache: a decision never reads `remaining` from a row.
   */
  spend(row, boundary, amount) {
    return sql.spendUse(this.db, row.seq, boundary, amount);
  }

  /**
   * Counts one use of the token `row` in the rate window `window` (the core's) on the token's
   * Durable Object (rate-counter.js): the window's count including this use.
   */
  rateHit(row, window) {
    const ns = this.env.RATE;
    return ns.get(ns.idFromName(`token:${row.seq}`)).hit(window);
  }

  /**
   * Inserts a token; `null` when (account, id) is taken by a live token. A revoked token's id
   * may be reused (S2 lets a client issue an id again after revoking it).
   */
  async insert({ id, account, owner, dialect, name, description, scope, expiresAt, meta, conditions }, now) {
    const { secret, digest, hint } = this.mint();
    const tokenId = id ?? newId();
    try {
      await this.writing(() => sql.insertToken(this.db, { id: tokenId, account, owner, dialect, name, description, scope, digest, hint, meta, expiresAt, conditions }, now));
    } catch (e) {
      if (sql.idTaken(e)) return null;
      throw e;
    }
    return { row: await this.row(account, tokenId), secret };
  }

  /** Writes the editable fields if the version is still `expected`; `null` when it is not. */
  async update(account, id, expected, fields, now) {
    const r = await this.writing(() => sql.updateToken(this.db, account, id, expected, fields, now));
    if (!changedRow(r)) return null;
    return this.row(account, id);
  }

  /**
   * New secret; the previous one stays valid until `previousUntil` (null = not at all). Its
   * digest is kept either way (with an end of `now` when there is no grace), so presenting it
   * later answers `rotated` rather than `unknown_token`, until the next rotation replaces it.
   */
  async rotate(account, id, previousUntil, now) {
    const cur = await this.row(account, id);
    if (!cur) return null;
    const { secret, digest, hint } = this.mint();
    // The core decides until when the old secret works (rotationGrace, LaunchDarkly's reset);
    // without a grace its digest is kept with an end of now.
    const until = previousUntil ?? now;
    const r = await this.writing(() => sql.rotateToken(this.db, cur, { digest, hint }, until, now));
    if (!changedRow(r)) return null;
    return { row: await this.row(account, id), secret };
  }

  /** Revokes (soft delete: the row stays so a presented secret answers `revoked`). */
  async revoke(account, id, now) {
    const r = await this.writing(() => sql.revokeToken(this.db, account, id, now));
    return changedRow(r);
  }

  /** One page of live tokens, newest first. `cursor` is the last row's seq. */
  async page(query, now) {
    return sql.pageTokens(this.db, query, now);
  }

  async listAll(account) {
    return sql.listTokens(this.db, account);
  }

  // ---- accounts and members ----
  async account(id) {
    return sql.accountById(this.db, id);
  }

  /**
   * Creates a member and its first token — and, with `accountName`, the account too — in one
   * D1 batch (a transaction): either all rows exist afterwards or none.
   */
  async provision({ account, accountName, memberName, role, token }, now) {
    const accountId = account ?? newId();
    const memberId = newId();
    const tokenId = newId();
    const { secret, digest, hint } = this.mint();
    await this.writing(() =>
      sql.provision(
        this.db,
        {
          account: { id: accountId, name: accountName, isNew: account === undefined },
          member: { id: memberId, name: memberName, role },
          token: { id: tokenId, name: token.name, scope: token.scope, digest, hint, expiresAt: token.expiresAt, conditions: token.conditions },
        },
        now,
      ),
    );
    return {
      account: toAccount({ id: accountId, name: accountName, created_at: now }),
      member: toMember({ id: memberId, account_id: accountId, name: memberName, role, created_at: now }),
      row: await this.row(accountId, tokenId),
      secret,
    };
  }

  async members(account) {
    return (await sql.membersOf(this.db, account)).map(toMember);
  }
}
