// The D1 statements: every SQL text the token service runs, one function each, on the `DB`
// binding (migrations/0001_init.sql). Statements only: secrets and digests are made in
// mint.js, lookups by digest are cached by ../digest-lookup.js, rows are shaped for the APIs
// by shapes.js. All times are epoch ms (UTC).

/** The `dialect` column of a token stored without one: the dialect of its scope language. */
const DIALECT_OF_LANGUAGE = { s2: "s2", privileges: "akinon", policy: "launchdarkly", names: "space" };

/** A token row with what auth needs of its member and account (see `tokensByDigests`). */
const BY_DIGEST = "SELECT t.*, m.role AS member_role, a.is_root AS account_is_root FROM tokens t JOIN members m ON m.id = t.owner_id JOIN accounts a ON a.id = t.account_id";

/** The rows (with member role and root flag) whose current or previous digest is one of `digests`, in one query. */
export async function tokensByDigests(db, digests) {
  const marks = digests.map((_, i) => `?${i + 1}`).join(", ");
  const { results } = await db
    .prepare(`${BY_DIGEST} WHERE t.digest IN (${marks}) OR t.prev_digest IN (${marks})`)
    .bind(...digests)
    .all();
  return results;
}

/** The live (not revoked) token `id` of `account`, or null. */
export function liveToken(db, account, id) {
  return db.prepare("SELECT * FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NULL").bind(account, id).first();
}

/** Sets last_used_at = now unless another write set it within `granularityMs` (guarded in SQL). */
export function touchLastUsed(db, seq, now, granularityMs) {
  return db.prepare("UPDATE tokens SET last_used_at = ?1 WHERE seq = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - ?3)").bind(now, seq, granularityMs).run();
}

/**
 * Inserts a token, after deleting a revoked token of the same (account, id) (S2 lets a client
 * issue an id again after revoking it), in one batch. A live token with that id fails the
 * UNIQUE constraint (`idTaken`).
 */
export function insertToken(db, { id, account, owner, dialect, name, description, scope, digest, hint, meta, expiresAt, conditions }, now) {
  const c = conditionColumns(conditions);
  return db.batch([
    db.prepare("DELETE FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NOT NULL").bind(account, id),
    db
      .prepare(
        "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version, not_before, allowed_ips, remaining, refill_amount, refill_interval, refilled_at, rate_limit, rate_period) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?)",
      )
      .bind(id, account, owner, dialect ?? DIALECT_OF_LANGUAGE[scope.language] ?? "tokenkit", name, description ?? null, JSON.stringify(scope), scope.language, digest, hint, JSON.stringify(meta ?? {}), now, now, expiresAt ?? null, c.notBefore, c.allowedIps, c.remaining, c.refillAmount, c.refillInterval, now, c.rateLimit, c.ratePeriod),
  ]);
}

/**
 * The columns of a token's conditions (the core's stored form, `null`/`undefined` = none);
 * `refilled_at` starts at the creation time, so the first refill is at the next boundary.
 */
function conditionColumns(c) {
  return {
    notBefore: c?.notBefore ?? null,
    allowedIps: c?.allowedIps ? JSON.stringify(c.allowedIps) : null,
    remaining: c?.remaining ?? null,
    refillAmount: c?.refill?.amount ?? null,
    refillInterval: c?.refill?.interval ?? null,
    rateLimit: c?.rateLimit?.limit ?? null,
    ratePeriod: c?.rateLimit?.periodSeconds ?? null,
  };
}

/**
 * Spends one use of the token `seq`, in one statement, so concurrent uses never spend more than
 * there is: when a refill is due (`boundary` given and the last refill before it) `remaining`
 * becomes `amount - 1` and `refilled_at` the boundary, else `remaining - 1`, provided what it
 * was before is above 0. The core computes the boundary and the amount (decideConditions's
 * spend); SQLite evaluates every SET expression on the row as it was. Resolves to the uses
 * left, or null when none was left (no row changed).
 */
export async function spendUse(db, seq, boundary, amount) {
  const due = "(?2 IS NOT NULL AND (refilled_at IS NULL OR refilled_at < ?2))";
  const before = `(CASE WHEN ${due} THEN ?3 ELSE remaining END)`;
  const row = await db
    .prepare(`UPDATE tokens SET remaining = ${before} - 1, refilled_at = CASE WHEN ${due} THEN ?2 ELSE refilled_at END WHERE seq = ?1 AND remaining IS NOT NULL AND ${before} > 0 RETURNING remaining`)
    .bind(seq, boundary ?? null, amount ?? null)
    .first();
  return row ? row.remaining : null;
}

/** Whether an `insertToken` failed because (account, id) is taken by a live token. */
export const idTaken = (e) => /UNIQUE constraint failed: tokens\.account_id, tokens\.id/.test(String(e?.message ?? e));

/** Writes the editable fields of a live token if its version is still `expected` (meta.changes > 0, else 0: D1 counts the log rows its triggers write too). */
export function updateToken(db, account, id, expected, { name, description, scope, expiresAt, meta, conditions, remainingRead }, now) {
  if (conditions === undefined) {
    return db
      .prepare(
        "UPDATE tokens SET name = ?, description = ?, scope = ?, scope_language = ?, expires_at = ?, meta = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND version = ? AND revoked_at IS NULL",
      )
      .bind(name, description ?? null, JSON.stringify(scope), scope.language, expiresAt ?? null, JSON.stringify(meta ?? {}), now, account, id, expected)
      .run();
  }
  // With the conditions (tokenkit's own PATCH): a refill keeps its schedule (refilled_at), or
  // starts at now. `remaining` is written only when the patch changed it (the value differs from
  // `remainingRead`, what the patch was applied to): uses spent since that read (atomic spends do
  // not bump the version) are never given back by a patch of another field.
  const c = conditionColumns(conditions);
  return db
    .prepare(
      "UPDATE tokens SET name = ?, description = ?, scope = ?, scope_language = ?, expires_at = ?, meta = ?, updated_at = ?, version = version + 1, not_before = ?, allowed_ips = ?, remaining = CASE WHEN ? IS ? THEN remaining ELSE ? END, refill_amount = ?, refill_interval = ?, refilled_at = COALESCE(refilled_at, ?), rate_limit = ?, rate_period = ? WHERE account_id = ? AND id = ? AND version = ? AND revoked_at IS NULL",
    )
    .bind(name, description ?? null, JSON.stringify(scope), scope.language, expiresAt ?? null, JSON.stringify(meta ?? {}), now, c.notBefore, c.allowedIps, c.remaining, remainingRead ?? null, c.remaining, c.refillAmount, c.refillInterval, now, c.rateLimit, c.ratePeriod, account, id, expected)
    .run();
}

/** Replaces the digest of the live token `row` (at its version); the old one becomes the previous digest until `until`. */
export function rotateToken(db, row, { digest, hint }, until, now) {
  return db
    .prepare(
      "UPDATE tokens SET digest = ?, hint = ?, prev_digest = ?, prev_expires_at = ?, updated_at = ?, version = version + 1 WHERE seq = ? AND version = ? AND revoked_at IS NULL",
    )
    .bind(digest, hint, row.digest, until, now, row.seq, row.version)
    .run();
}

/** Revokes a live token (soft delete) and ends its previous secret. */
export function revokeToken(db, account, id, now) {
  return db
    .prepare("UPDATE tokens SET revoked_at = ?, prev_digest = NULL, prev_expires_at = NULL, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND revoked_at IS NULL")
    .bind(now, now, account, id)
    .run();
}

/**
 * One page of live tokens, newest first. `cursor` is the last row's seq. `expired` selects by
 * the core's rule (expired = now ≥ expiry); `expiringUntil` is the end of the core's window
 * (parseListQuery).
 */
export async function pageTokens(db, { account, owner, name, expired, expiringUntil, cursor, limit }, now) {
  const where = ["account_id = ?", "revoked_at IS NULL"];
  const args = [account];
  if (owner) {
    where.push("owner_id = ?");
    args.push(owner);
  }
  if (name) {
    where.push("instr(lower(name), lower(?)) > 0");
    args.push(name);
  }
  if (expired === true) {
    where.push("expires_at IS NOT NULL AND expires_at <= ?");
    args.push(now);
  } else if (expired === false) {
    where.push("(expires_at IS NULL OR expires_at > ?)");
    args.push(now);
  }
  if (expiringUntil !== undefined) {
    where.push("expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?");
    args.push(now, expiringUntil);
  }
  if (cursor !== undefined) {
    where.push("seq < ?");
    args.push(cursor);
  }
  args.push(limit + 1);
  const { results } = await db.prepare(`SELECT * FROM tokens WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`).bind(...args).all();
  const more = results.length > limit;
  const rows = more ? results.slice(0, limit) : results;
  return { rows, next: more ? String(rows[rows.length - 1].seq) : null };
}

/** Every live token of an account, oldest first. */
export async function listTokens(db, account) {
  const { results } = await db.prepare("SELECT * FROM tokens WHERE account_id = ? AND revoked_at IS NULL ORDER BY seq").bind(account).all();
  return results;
}

export function accountById(db, id) {
  return db.prepare("SELECT * FROM accounts WHERE id = ?").bind(id).first();
}

/**
 * A member and its first token — and, with `account.isNew`, the account
 * too — in one D1 batch (a transaction): either all rows exist afterwards or none.
 */
export function provision(db, { account, member, token }, now) {
  const statements = [];
  if (account.isNew) statements.push(db.prepare("INSERT INTO accounts (id, name, is_root, created_at) VALUES (?, ?, 0, ?)").bind(account.id, account.name, now));
  const c = conditionColumns(token.conditions);
  statements.push(
    db.prepare("INSERT INTO members (id, account_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)").bind(member.id, account.id, member.name, member.role, now),
    db
      .prepare(
        "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version, not_before, allowed_ips, remaining, refill_amount, refill_interval, refilled_at, rate_limit, rate_period) VALUES (?,?,?,'tokenkit',?,NULL,?,?,?,?,'{}',?,?,?,1,?,?,?,?,?,?,?,?)",
      )
      .bind(token.id, account.id, member.id, token.name, JSON.stringify(token.scope), token.scope.language, token.digest, token.hint, now, now, token.expiresAt ?? null, c.notBefore, c.allowedIps, c.remaining, c.refillAmount, c.refillInterval, now, c.rateLimit, c.ratePeriod),
  );
  return db.batch(statements);
}

/** The members of an account, oldest first. */
export async function membersOf(db, account) {
  const { results } = await db.prepare("SELECT * FROM members WHERE account_id = ? ORDER BY created_at, id").bind(account).all();
  return results;
}
