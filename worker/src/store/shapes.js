// Rows as the APIs show them: tokenkit's own API (`toMeta`, `toMember`, `toAccount`) and the
// dialects' common model (`toDialect`). Never the secret or its digest. Rows are D1's (epoch ms,
// UTC); tokenkit's API shows times as RFC 3339 with milliseconds.

export const iso = (ms) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/**
 * A token's conditions of use in the core's stored form (src/rules/conditions.rs; the columns of
 * migrations/0002_controls.sql). `remaining` is the row's count as read: never a decision's
 * source (the atomic spend is, store.spend).
 */
export function conditionsOf(row) {
  return {
    notBefore: row.not_before ?? null,
    allowedIps: row.allowed_ips ? JSON.parse(row.allowed_ips) : null,
    remaining: row.remaining ?? null,
    refill: row.refill_amount === null || row.refill_amount === undefined ? null : { amount: row.refill_amount, interval: row.refill_interval },
    rateLimit: row.rate_limit === null || row.rate_limit === undefined ? null : { limit: row.rate_limit, periodSeconds: row.rate_period },
  };
}

/**
 * The conditions as tokenkit's API shows them (`notBefore` as RFC 3339). With `view` ({tk, now}),
 * `remaining` is what it stands at now: a refill due since the last one (the core's
 * refilledRemaining) counts, as the next use will find it.
 */
export function conditionsView(row, view) {
  const c = conditionsOf(row);
  let remaining = c.remaining;
  if (view && remaining !== null && c.refill !== null) remaining = view.tk.refilledRemaining(remaining, c.refill, row.refilled_at ?? undefined, view.now).remaining;
  return { notBefore: iso(c.notBefore), allowedIps: c.allowedIps, remaining, refill: c.refill, rateLimit: c.rateLimit };
}

/** tokenkit's own API shape of a token (never the secret or its digest); `view` as conditionsView's. */
export function toMeta(row, view) {
  return {
    id: row.id,
    accountId: row.account_id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description ?? null,
    hint: row.hint,
    scope: JSON.parse(row.scope),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    version: row.version,
    dialect: row.dialect,
    ...conditionsView(row, view),
    disabledAt: iso(row.disabled_at),
    // null for a live token; `revokedReason` null for a revocation by request, `leaked` (a secret
    // scanner reported it) or `reused` (a retired secret of it was presented again).
    revokedAt: iso(row.revoked_at),
    revokedReason: row.revoked_reason ?? null,
  };
}

/** The dialects' common model (src/dialect/mod.rs `Token`). */
export function toDialect(row) {
  return {
    id: row.id,
    account: row.account_id,
    owner: row.owner_id,
    name: row.name,
    description: row.description ?? undefined,
    scope: JSON.parse(row.scope),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at ?? null,
    lastUsedAt: row.last_used_at ?? undefined,
    hint: row.hint.slice(-4),
    meta: JSON.parse(row.meta || "{}"),
    version: row.version,
    conditions: conditionsOf(row),
  };
}

/** tokenkit's API shape of a member row. */
export function toMember(row) {
  return { id: row.id, accountId: row.account_id, name: row.name, role: row.role, createdAt: iso(row.created_at) };
}

/** tokenkit's API shape of an account row. */
export function toAccount(row) {
  return { id: row.id, name: row.name, createdAt: iso(row.created_at) };
}
