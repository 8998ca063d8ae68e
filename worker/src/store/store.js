// The Store: one request's access to tokens, members and accounts. It composes the D1
// statements (sql.js), the minting of secrets and digests (mint.js) and the cached lookups by
// digest (../digest-lookup.js over ../verify-cache.js). Only digests are stored; a secret exists
// in memory just long enough to be digested and shown once. All times are epoch ms (UTC). Every
// method that writes a token row goes through `writing`, which evicts the changed tokens from
// the verification cache (the invalidation log, ../cache-sync.js).
import * as sql from "./sql.js";
import { Digests, mintSecret, newId, pepperRingOf } from "./mint.js";
import { toAccount, toMember } from "./shapes.js";
import { DigestLookup } from "../digest-lookup.js";
import { fail } from "../http.js";

/** `tokensByDigests` for any number of digests: one query per 100 (D1's bound-parameter limit). */
async function readByDigests(db, digests) {
  if (digests.length <= sql.MAX_DIGESTS_PER_QUERY) return sql.tokensByDigests(db, digests);
  const out = [];
  for (let i = 0; i < digests.length; i += sql.MAX_DIGESTS_PER_QUERY) out.push(...(await sql.tokensByDigests(db, digests.slice(i, i + sql.MAX_DIGESTS_PER_QUERY))));
  return out;
}

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
    this.ring = pepperRingOf(tk, env);
    this.pepper = this.ring.current;
    this.digests = new Digests(tk, this.ring);
    this.lookups = new DigestLookup(env, (digests) => readByDigests(this.db, digests), waitUntil);
  }

  /** The stored form of a secret; computed once per secret for this request. */
  digest(secret) {
    return this.digests.of(secret);
  }

  /** A fresh secret, its digest and its masked hint. */
  mint() {
    return mintSecret(this.tk, this.pepper, this.ring);
  }

  /**
   * Looks up several secrets' rows and keeps them for `byDigest` for the rest of this request (a
   * Store lives for one request): from the verification cache when fresh there, the rest in one
   * D1 round trip. Verify is the hot path and presents two tokens, the caller's and the one to
   * check; each D1 query costs more than all else it does.
   */
  async prefetch(secrets) {
    await this.lookups.fill([...new Set(secrets.flatMap((s) => this.digests.all(s)))]);
  }

  /** The token row (with its member's role and account's root flag) of a current, previous or retired digest, or null. */
  async byDigest(digest) {
    return this.lookups.get(digest);
  }

  /**
   * The row of a presented secret under any configured pepper version (current first): `{digest,
   * row}` with the digest it was found by, or the current digest and null.
   */
  async find(secret) {
    const digests = this.digests.all(secret);
    if (digests.length > 1) await this.lookups.fill(digests);
    for (const digest of digests) {
      const row = await this.lookups.get(digest);
      if (row) return { digest, row };
    }
    return { digest: digests[0], row: null };
  }

  /**
   * A secret verified under an older pepper version moves to the current one (the core's
   * needsRedigest decided): the row's digest, or its previous digest, found as `from`, becomes
   * the current pepper's digest of `secret`. The write is guarded (it lands only while the column
   * still holds `from`).
   */
  redigest(row, secret, from) {
    const column = row.digest === from ? "digest" : row.prev_digest === from ? "prev_digest" : null;
    if (column === null) return undefined;
    return this.writing(() => sql.redigest(this.db, row.seq, column, from, this.digest(secret)));
  }

  /**
   * Revokes the token `row` for `reason` (`leaked`, `reused`) if it is not revoked yet; true when
   * this call revoked it. One D1 batch (sql.revokeFor) with `extra`: the audit row and the webhook event.
   */
  async revokeFor(row, reason, now, extra = []) {
    const results = await this.writing(() => sql.revokeFor(this.db, row.seq, reason, now, extra));
    return changedRow(results[0] ?? {});
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
  async insert({ id, account, owner, dialect, name, description, scope, expiresAt, meta, conditions }, now, audit) {
    const { secret, digest, hint } = this.mint();
    const tokenId = id ?? newId();
    try {
      await this.writing(() => sql.insertToken(this.db, { id: tokenId, account, owner, dialect, name, description, scope, digest, hint, meta, expiresAt, conditions }, now, audit?.(tokenId) ?? []));
    } catch (e) {
      if (sql.idTaken(e)) return null;
      // The owner was removed (and its tokens revoked) while this request ran.
      if (sql.ownerRemoved(e)) throw fail(401, "revoked", "the access token has been revoked");
      throw e;
    }
    return { row: await this.row(account, tokenId), secret };
  }

  /** Writes the editable fields if the version is still `expected`; `null` when it is not. */
  async update(account, id, expected, fields, now, audit = []) {
    const r = await this.writing(() => sql.updateToken(this.db, account, id, expected, fields, now, audit));
    if (!changedRow(r)) return null;
    return this.row(account, id);
  }

  /**
   * New secret; the previous one stays valid until `previousUntil` (null = not at all). Its
   * digest is kept either way (with an end of `now` when there is no grace), so presenting it
   * later answers `rotated` rather than `unknown_token`, until the next rotation replaces it.
   */
  async rotate(account, id, previousUntil, now, audit) {
    const cur = await this.row(account, id);
    if (!cur) return null;
    const { secret, digest, hint } = this.mint();
    // The core decides until when the old secret works (rotationGrace, LaunchDarkly's reset);
    // without a grace its digest is kept with an end of now.
    const until = previousUntil ?? now;
    const r = await this.writing(() => sql.rotateToken(this.db, cur, { digest, hint }, until, now, this.tk.retiredSecretsKept() - 1, audit?.(cur) ?? []));
    if (!changedRow(r)) return null;
    return { row: await this.row(account, id), secret };
  }

  /** Revokes (soft delete: the row stays so a presented secret answers `revoked`). */
  async revoke(account, id, now, audit = []) {
    const r = await this.writing(() => sql.revokeToken(this.db, account, id, now, audit));
    return changedRow(r);
  }

  /**
   * Revokes the live tokens `ids` of `account` in one transaction, each with `auditFor(id)`'s
   * statements after it, and `tail` at the end. Resolves to the ids revoked.
   */
  async revokeMany(account, ids, now, auditFor, tail) {
    return this.writing(() => sql.revokeTokens(this.db, account, ids, now, auditFor, tail));
  }

  /** Disables (`at` an instant) or enables (`at` null) a live token; false when it was not in the other state. */
  async setDisabled(account, id, at, audit = []) {
    const r = await this.writing(() => sql.setDisabled(this.db, account, id, at, audit));
    return changedRow(r);
  }

  /** The live tokens (id, owner_id) matching a bulk revocation filter, at most `limit`. */
  async matching(account, filter, limit) {
    return sql.matchingTokens(this.db, account, filter, limit);
  }

  /**
   * Removes the member `memberId` of `account` and revokes every live token of it, in one
   * transaction: the member, its audit statement (`memberAudit`), each token's revocation with
   * `auditFor(id)`, then whatever was issued to it meanwhile (`leftovers`: an audit statement
   * and the revocation of the rest). Resolves to the ids revoked by name.
   */
  async removeMember(account, memberId, now, memberAudit, auditFor, leftoversAudit) {
    const ids = await sql.tokensOf(this.db, account, memberId);
    const head = [sql.removeMemberStatement(this.db, account, memberId, now), memberAudit];
    return this.writing(async () => {
      const statements = [...head];
      const at = [];
      for (const id of ids) {
        statements.push(sql.retireStatement(this.db, account, id, now));
        at.push(statements.length);
        statements.push(sql.revokeStatement(this.db, account, id, now), ...auditFor(id));
      }
      statements.push(sql.retireAllOfStatement(this.db, account, memberId, now), leftoversAudit, sql.revokeAllOfStatement(this.db, account, memberId, now));
      const results = await this.db.batch(statements);
      if (!changedRow(results[0])) return null;
      return ids.filter((_, i) => changedRow(results[at[i]]));
    });
  }

  async member(account, id) {
    return sql.memberById(this.db, account, id);
  }

  async owners(account) {
    return sql.ownerCount(this.db, account);
  }

  /** Changes a member's role if it is still `from`; false when it was not. */
  async setRole(account, id, from, to, audit = []) {
    const r = await sql.setRole(this.db, account, id, from, to, audit);
    // A role is read with the token row by digest: cached rows must not keep the old one.
    this.changed();
    return changedRow(r);
  }

  /** An account's policy in the core's form (null when it has none). */
  async policy(account) {
    const r = await sql.policyOf(this.db, account);
    return r ? { maxLifetime: r.max_lifetime ?? null, requireExpiry: r.require_expiry === 1, onLeak: r.on_leak ?? "revoke" } : null;
  }

  async putPolicy(account, policy, now, audit = []) {
    return sql.putPolicy(this.db, account, policy, now, audit);
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
  async provision({ account, accountName, memberName, role, token }, now, audit) {
    const accountId = account ?? newId();
    const memberId = newId();
    const tokenId = newId();
    const { secret, digest, hint } = this.mint();
    const extra = audit?.({ account: accountId, member: memberId, token: tokenId }) ?? [];
    await this.writing(() =>
      sql.provision(
        this.db,
        {
          account: { id: accountId, name: accountName, isNew: account === undefined },
          member: { id: memberId, name: memberName, role },
          token: { id: tokenId, name: token.name, scope: token.scope, digest, hint, expiresAt: token.expiresAt, conditions: token.conditions },
        },
        now,
        extra,
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
