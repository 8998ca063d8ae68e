// Rows as the APIs show them: tokenkit's own API (`toMeta`, `toMember`, `toAccount`) and the
// dialects' common model (`toDialect`). Never the secret or its digest. Rows are D1's (epoch ms,
// UTC); tokenkit's API shows times as RFC 3339 with milliseconds.

export const iso = (ms) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** tokenkit's own API shape of a token (never the secret or its digest). */
export function toMeta(row) {
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
