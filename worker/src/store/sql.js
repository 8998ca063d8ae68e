// The D1 statements: every SQL text the token service runs, one function each, on the `DB`
// binding (migrations/0001_init.sql). Statements only: secrets and digests are made in
// mint.js, lookups by digest are cached by ../digest-lookup.js, rows are shaped for the APIs
// by shapes.js. All times are epoch ms (UTC).

/** The `dialect` column of a token stored without one: the dialect of its scope language. */
const DIALECT_OF_LANGUAGE = { s2: "s2", privileges: "akinon", policy: "launchdarkly", names: "space" };

/** A token row with what auth needs of its member and account (see `tokensByDigests`). */
const BY_DIGEST_COLUMNS = "SELECT t.*, m.role AS member_role, a.is_root AS account_is_root";
const BY_DIGEST_JOINS = "JOIN members m ON m.id = t.owner_id JOIN accounts a ON a.id = t.account_id";
const BY_DIGEST_FROM = `FROM tokens t ${BY_DIGEST_JOINS}`;

/**
 * The rows (with member role and root flag) whose current or previous digest is one of
 * `digests`, and those with an older retired secret among them (`retired_digest` set: reuse
 * detection, migrations/0004_leaks.sql), in one query. D1 binds at most 100 parameters: callers
 * pass at most `MAX_DIGESTS_PER_QUERY`.
 */
export async function tokensByDigests(db, digests) {
  const marks = digests.map((_, i) => `?${i + 1}`).join(", ");
  const { results } = await db
    .prepare(
      `${BY_DIGEST_COLUMNS}, NULL AS retired_digest ${BY_DIGEST_FROM} WHERE t.digest IN (${marks}) OR t.prev_digest IN (${marks}) ` +
        `UNION ALL ${BY_DIGEST_COLUMNS}, r.digest AS retired_digest FROM retired_secrets r JOIN tokens t ON t.seq = r.token_seq ${BY_DIGEST_JOINS} WHERE r.digest IN (${marks})`,
    )
    .bind(...digests)
    .all();
  return results;
}

/** The most digests one `tokensByDigests` query takes (D1's limit of bound parameters). */
export const MAX_DIGESTS_PER_QUERY = 100;

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
export function insertToken(db, { id, account, owner, dialect, name, description, scope, digest, hint, meta, expiresAt, conditions }, now, extra = []) {
  const c = conditionColumns(conditions);
  return db.batch([
    db.prepare("DELETE FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NOT NULL").bind(account, id),
    db
      .prepare(
        "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version, not_before, allowed_ips, remaining, refill_amount, refill_interval, refilled_at, rate_limit, rate_period) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?)",
      )
      .bind(id, account, owner, dialect ?? DIALECT_OF_LANGUAGE[scope.language] ?? "tokenkit", name, description ?? null, JSON.stringify(scope), scope.language, digest, hint, JSON.stringify(meta ?? {}), now, now, expiresAt ?? null, c.notBefore, c.allowedIps, c.remaining, c.refillAmount, c.refillInterval, now, c.rateLimit, c.ratePeriod),
    ...extra,
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

/** Whether an `insertToken` failed because its owner was removed meanwhile (migrations/0003's trigger). */
export const ownerRemoved = (e) => /tokenkit: member removed/.test(String(e?.message ?? e));

/**
 * Runs `statement` in one batch (a transaction) with `extra` after it (audit events, …);
 * resolves to the statement's own result.
 */
async function withExtra(db, statement, extra = []) {
  if (extra.length === 0) return statement.run();
  const [first] = await db.batch([statement, ...extra]);
  return first;
}

/** Whether an `insertToken` failed because (account, id) is taken by a live token. */
export const idTaken = (e) => /UNIQUE constraint failed: tokens\.account_id, tokens\.id/.test(String(e?.message ?? e));

/** Writes the editable fields of a live token if its version is still `expected` (meta.changes > 0, else 0: D1 counts the log rows its triggers write too). */
export function updateToken(db, account, id, expected, fields, now, extra) {
  return withExtra(db, updateStatement(db, account, id, expected, fields, now), extra);
}

function updateStatement(db, account, id, expected, { name, description, scope, expiresAt, meta, conditions, remainingRead }, now) {
  if (conditions === undefined) {
    return db
      .prepare(
        "UPDATE tokens SET name = ?, description = ?, scope = ?, scope_language = ?, expires_at = ?, meta = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND version = ? AND revoked_at IS NULL",
      )
      .bind(name, description ?? null, JSON.stringify(scope), scope.language, expiresAt ?? null, JSON.stringify(meta ?? {}), now, account, id, expected);
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
    .bind(name, description ?? null, JSON.stringify(scope), scope.language, expiresAt ?? null, JSON.stringify(meta ?? {}), now, c.notBefore, c.allowedIps, c.remaining, remainingRead ?? null, c.remaining, c.refillAmount, c.refillInterval, now, c.rateLimit, c.ratePeriod, account, id, expected);
}

/**
 * Replaces the digest of the live token `row` (at its version); the old one becomes the previous
 * digest until `until`, and the previous one it displaces joins the token's retired secrets, of
 * which the newest `olderKept` stay (reuse detection). One batch (a transaction): the retired
 * secret is kept only if the rotation lands; `extra` (the audit event, which reads the UPDATE's
 * `changes()`) runs right after the UPDATE. Resolves to the UPDATE's result (meta.changes > 0, else 0).
 */
export async function rotateToken(db, row, { digest, hint }, until, now, olderKept, extra = []) {
  const [, updated] = await db.batch([
    db
      .prepare("INSERT INTO retired_secrets (digest, token_seq, retired_at) SELECT prev_digest, seq, ? FROM tokens WHERE seq = ? AND version = ? AND revoked_at IS NULL AND prev_digest IS NOT NULL")
      .bind(now, row.seq, row.version),
    db
      .prepare(
        "UPDATE tokens SET digest = ?, hint = ?, prev_digest = ?, prev_expires_at = ?, updated_at = ?, version = version + 1 WHERE seq = ? AND version = ? AND revoked_at IS NULL",
      )
      .bind(digest, hint, row.digest, until, now, row.seq, row.version),
    ...extra,
    db
      .prepare("DELETE FROM retired_secrets WHERE token_seq = ?1 AND digest NOT IN (SELECT digest FROM retired_secrets WHERE token_seq = ?1 ORDER BY retired_at DESC, rowid DESC LIMIT ?2)")
      .bind(row.seq, olderKept),
  ]);
  return updated;
}

/**
 * The statement that revokes a live token (soft delete) and ends its previous secret: the one
 * every revocation runs (a single revoke, a bulk revoke, a member's removal).
 */
export function revokeStatement(db, account, id, now) {
  return db
    .prepare("UPDATE tokens SET revoked_at = ?, prev_digest = NULL, prev_expires_at = NULL, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND revoked_at IS NULL")
    .bind(now, now, account, id);
}

/**
 * The statement that keeps a live token's previous secret among its retired ones, run before the
 * revocation clears it: presenting that secret later answers `revoked`, as the current one does.
 */
export function retireStatement(db, account, id, now) {
  return db
    .prepare("INSERT INTO retired_secrets (digest, token_seq, retired_at) SELECT prev_digest, seq, ? FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NULL AND prev_digest IS NOT NULL")
    .bind(now, account, id);
}

/** retireStatement for every live token of `owner` (a member's removal). */
export function retireAllOfStatement(db, account, owner, now) {
  return db
    .prepare("INSERT INTO retired_secrets (digest, token_seq, retired_at) SELECT prev_digest, seq, ? FROM tokens WHERE account_id = ? AND owner_id = ? AND revoked_at IS NULL AND prev_digest IS NOT NULL")
    .bind(now, account, owner);
}

/**
 * Revokes a live token (its previous secret joins its retired ones), with `extra` statements
 * (its audit event, which reads the UPDATE's `changes()`) right after the UPDATE, in one batch.
 * Resolves to the UPDATE's result (meta.changes > 0, else 0).
 */
export async function revokeToken(db, account, id, now, extra = []) {
  const [, updated] = await db.batch([retireStatement(db, account, id, now), revokeStatement(db, account, id, now), ...extra]);
  return updated;
}

/**
 * Revokes several live tokens in one batch (a transaction): for each id its revokeStatement,
 * then `extraFor(id)` (its audit event). Resolves to the ids that were revoked.
 */
export async function revokeTokens(db, account, ids, now, extraFor = () => [], tail = []) {
  const statements = [];
  const at = [];
  for (const id of ids) {
    statements.push(retireStatement(db, account, id, now));
    at.push(statements.length);
    statements.push(revokeStatement(db, account, id, now), ...extraFor(id));
  }
  statements.push(...tail);
  if (statements.length === 0) return [];
  const results = await db.batch(statements);
  return ids.filter((_, i) => results[at[i]].meta?.changes > 0); // > 0: D1 counts the rows its triggers write too
}

/**
 * Disables (`at` an instant) or enables (`at` null) a live token. Not a change of the token
 * itself: neither its version nor its updated_at move, so enabling restores it as it was.
 */
export function setDisabled(db, account, id, at, extra) {
  const statement = db
    .prepare(`UPDATE tokens SET disabled_at = ? WHERE account_id = ? AND id = ? AND revoked_at IS NULL AND disabled_at IS ${at === null ? "NOT NULL" : "NULL"}`)
    .bind(at, account, id);
  return withExtra(db, statement, extra);
}

/**
 * A query's WHERE text and its arguments: the `base` conditions (bound to `args`), then each
 * `[applies, condition, ...values]` of `filters` that applies, in order.
 */
export function whereOf(base, args, filters) {
  const where = [...base];
  const values = [...args];
  for (const [applies, condition, ...vs] of filters) {
    if (!applies) continue;
    where.push(condition);
    values.push(...vs);
  }
  return { where: where.join(" AND "), args: values };
}

/** One page of `limit` rows of `results` (read with LIMIT limit + 1) and the next page's cursor (the last row's seq). */
export function pageOf(results, limit) {
  const more = results.length > limit;
  const rows = more ? results.slice(0, limit) : results;
  return { rows, next: more ? String(rows[rows.length - 1].seq) : null };
}

/** The live tokens matching a bulk revocation filter (the core's parseBulkRevoke), oldest first, at most `limit`. */
export async function matchingTokens(db, account, { owner, name, createdBefore, notUsedSince }, limit) {
  const q = whereOf(["account_id = ?", "revoked_at IS NULL"], [account], [
    [owner !== null, "owner_id = ?", owner],
    [name !== null, "instr(lower(name), lower(?)) > 0", name],
    [createdBefore !== null, "created_at < ?", createdBefore],
    [notUsedSince !== null, "(last_used_at IS NULL OR last_used_at < ?)", notUsedSince],
  ]);
  const { results } = await db.prepare(`SELECT id, owner_id FROM tokens WHERE ${q.where} ORDER BY seq LIMIT ?`).bind(...q.args, limit).all();
  return results;
}

/** The live tokens of a member. */
export async function tokensOf(db, account, owner) {
  const { results } = await db.prepare("SELECT id FROM tokens WHERE account_id = ? AND owner_id = ? AND revoked_at IS NULL ORDER BY seq").bind(account, owner).all();
  return results.map((r) => r.id);
}

/** A member (not removed) of `account`, or null. */
export function memberById(db, account, id) {
  return db.prepare("SELECT * FROM members WHERE account_id = ? AND id = ? AND removed_at IS NULL").bind(account, id).first();
}

/** How many owners `account` has (not removed). */
export async function ownerCount(db, account) {
  const r = await db.prepare("SELECT count(*) AS n FROM members WHERE account_id = ? AND role = 'owner' AND removed_at IS NULL").bind(account).first();
  return r?.n ?? 0;
}

/** Changes a member's role if it is still `from`, with `extra` in the same batch. */
export function setRole(db, account, id, from, to, extra) {
  const keeps = from === "owner" && to !== "owner" ? ` AND ${KEEPS_AN_OWNER}` : "";
  return withExtra(db, db.prepare(`UPDATE members SET role = ?1 WHERE account_id = ?2 AND id = ?3 AND role = ?4 AND removed_at IS NULL${keeps}`).bind(to, account, id, from), extra);
}

/** The statement that marks a member removed. */
export function removeMemberStatement(db, account, id, now) {
  return db.prepare(`UPDATE members SET removed_at = ?1 WHERE account_id = ?2 AND id = ?3 AND removed_at IS NULL AND ${KEEPS_AN_OWNER}`).bind(now, account, id);
}

/** An owner may leave its role only while the account has another (checked again in SQL: two concurrent removals). */
const KEEPS_AN_OWNER = "(role != 'owner' OR (SELECT count(*) FROM members o WHERE o.account_id = ?2 AND o.role = 'owner' AND o.removed_at IS NULL) > 1)";

/** The statement that revokes every live token of `owner` (after its audit statement: auditRevokeAllOf). */
export function revokeAllOfStatement(db, account, owner, now) {
  return db
    .prepare("UPDATE tokens SET revoked_at = ?, prev_digest = NULL, prev_expires_at = NULL, updated_at = ?, version = version + 1 WHERE account_id = ? AND owner_id = ? AND revoked_at IS NULL")
    .bind(now, now, account, owner);
}

/** An account's policy row, or null. */
export function policyOf(db, account) {
  return db.prepare("SELECT * FROM account_policies WHERE account_id = ?").bind(account).first();
}

/** Writes an account's policy, with `extra` in the same batch. */
export function putPolicy(db, account, { maxLifetime, requireExpiry, onLeak }, now, extra) {
  const statement = db
    .prepare("INSERT INTO account_policies (account_id, max_lifetime, require_expiry, on_leak, updated_at) VALUES (?1, ?2, ?3, ?5, ?4) ON CONFLICT (account_id) DO UPDATE SET max_lifetime = ?2, require_expiry = ?3, on_leak = ?5, updated_at = ?4")
    .bind(account, maxLifetime, requireExpiry ? 1 : 0, now, onLeak ?? "revoke");
  return withExtra(db, statement, extra);
}

/**
 * Revokes the token `seq` for a `reason` (`leaked`, `reused`) unless it is revoked already. One
 * D1 batch, so what must land with the revocation lands in the same transaction: the audit row
 * (`extra`: the audit row and the webhook event, worker/src/incidents.js). Its secrets stay (the previous one
 * too), so presenting any of them later answers `revoked`.
 */
export function revokeFor(db, seq, reason, now, extra = []) {
  return db.batch([db.prepare("UPDATE tokens SET revoked_at = ?1, revoked_reason = ?2, updated_at = ?1, version = version + 1 WHERE seq = ?3 AND revoked_at IS NULL").bind(now, reason, seq), ...extra]);
}

/**
 * Moves a stored digest of the token `seq` from an older pepper version to the current one:
 * `column` is `digest` or `prev_digest`, and the write lands only while it still holds `from`.
 */
export function redigest(db, seq, column, from, to) {
  const col = column === "prev_digest" ? "prev_digest" : "digest";
  return db.prepare(`UPDATE tokens SET ${col} = ?1 WHERE seq = ?2 AND ${col} = ?3`).bind(to, seq, from).run();
}

/**
 * One page of live tokens (`revoked`: of revoked ones), newest first. `cursor` is the last row's seq. `expired` selects by
 * the core's rule (expired = now ≥ expiry); `expiringUntil` is the end of the core's window
 * (parseListQuery).
 */
export async function pageTokens(db, { account, owner, name, expired, expiringUntil, cursor, limit, revoked }, now) {
  const q = whereOf(["account_id = ?", revoked ? "revoked_at IS NOT NULL" : "revoked_at IS NULL"], [account], [
    [Boolean(owner), "owner_id = ?", owner],
    [Boolean(name), "instr(lower(name), lower(?)) > 0", name],
    [expired === true, "expires_at IS NOT NULL AND expires_at <= ?", now],
    [expired === false, "(expires_at IS NULL OR expires_at > ?)", now],
    [expiringUntil !== undefined, "expires_at IS NOT NULL AND expires_at > ? AND expires_at <= ?", now, expiringUntil],
    [cursor !== undefined, "seq < ?", cursor],
  ]);
  const { results } = await db.prepare(`SELECT * FROM tokens WHERE ${q.where} ORDER BY seq DESC LIMIT ?`).bind(...q.args, limit + 1).all();
  return pageOf(results, limit);
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
export function provision(db, { account, member, token }, now, extra = []) {
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
    ...extra,
  );
  return db.batch(statements);
}

/** The members of an account, oldest first. */
export async function membersOf(db, account) {
  const { results } = await db.prepare("SELECT * FROM members WHERE account_id = ? AND removed_at IS NULL ORDER BY created_at, id").bind(account).all();
  return results;
}
