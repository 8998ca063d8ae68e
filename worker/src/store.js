// D1 access for tokens, members and accounts. Only digests are stored; a secret exists in
// memory just long enough to be digested and shown once. All times are epoch ms (UTC).
// Lookups by digest go through the isolate's verification cache (verify-cache.js); every method
// that writes a token row ends in `changed()`, which empties it.
import { verifyCache, ttlOf } from "./verify-cache.js";

const DIALECT_OF_LANGUAGE = { s2: "s2", privileges: "akinon", policy: "launchdarkly", names: "space" };

/** A token row with what auth needs of its member and account (see `byDigest`). */
const BY_DIGEST = "SELECT t.*, m.role AS member_role, a.is_root AS account_is_root FROM tokens t JOIN members m ON m.id = t.owner_id JOIN accounts a ON a.id = t.account_id";

/** last_used_at is written at most once per this many ms per token. */
export const USE_GRANULARITY_MS = 60_000;

export function newId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

const iso = (ms) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

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

export class Store {
  constructor(env, tk) {
    this.db = env.DB;
    this.env = env;
    this.tk = tk;
    const key = env.TOKENKIT_PEPPER;
    this.pepper = key ? { version: env.TOKENKIT_PEPPER_VERSION || "v1", key } : undefined;
  }

  /** The stored form of a secret; computed once per secret for this request (verify and the
   *  prefetch ask for the same ones). */
  digest(secret) {
    this.digests ??= new Map();
    let d = this.digests.get(secret);
    if (d === undefined) this.digests.set(secret, (d = this.tk.digestToken(secret, this.pepper)));
    return d;
  }

  /** A fresh secret, its digest and its masked hint. */
  mint() {
    const secret = this.tk.generateToken();
    return { secret, digest: this.tk.digestToken(secret, this.pepper), hint: this.tk.maskToken(secret) };
  }

  /**
   * Looks up several secrets' rows and keeps them for `byDigest` for the rest of this request (a
   * Store lives for one request): from the verification cache when fresh there, the rest in one
   * D1 round trip. Verify is the hot path and presents two tokens, the caller's and the one to
   * check; each D1 query costs more than all else it does.
   */
  async prefetch(secrets) {
    await this.lookup([...new Set(secrets.map((s) => this.digest(s)))]);
  }

  async byDigest(digest) {
    if (!this.known?.has(digest)) await this.lookup([digest]);
    return this.known.get(digest);
  }

  /** Fills `known` for `digests`: cache hits first, one D1 query for the rest (stored if found). */
  async lookup(digests) {
    const ttl = ttlOf(this.env);
    this.known ??= new Map();
    const missing = [];
    for (const d of digests) {
      const hit = ttl > 0 ? verifyCache.get(d, Date.now(), ttl) : undefined;
      if (hit === undefined) missing.push(d);
      else this.known.set(d, hit);
    }
    if (missing.length === 0) return;
    // The epoch and time before the read: a write that lands while it is in flight keeps its
    // result out of the cache, and its freshness counts from before D1 answered.
    const epoch = verifyCache.epoch;
    const at = Date.now();
    const marks = missing.map((_, i) => `?${i + 1}`).join(", ");
    const { results } = await this.db
      .prepare(`${BY_DIGEST} WHERE t.digest IN (${marks}) OR t.prev_digest IN (${marks})`)
      .bind(...missing)
      .all();
    for (const d of missing) {
      const row = results.find((r) => r.digest === d || r.prev_digest === d) ?? null;
      this.known.set(d, row);
      if (ttl > 0 && row !== null) verifyCache.put(d, row, at, epoch);
    }
  }

  /**
   * After any write to a token row (its digests, scope, expiry, revocation, …): this isolate's
   * later lookups read D1 again, and so does the rest of this request.
   */
  changed() {
    verifyCache.invalidateAll();
    this.known = undefined;
  }

  /** Runs a write to token rows, then `changed()` — also when the write fails (it may have landed). */
  async writing(write) {
    try {
      return await write();
    } finally {
      this.changed();
    }
  }

  async row(account, id) {
    return this.db.prepare("SELECT * FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NULL").bind(account, id).first();
  }

  /**
   * Records a use of the token `row` (from `check`) at most once a minute: a write only when the
   * row's last_used_at is older than that, guarded again in SQL (another isolate may have written
   * it). The promise is for `waitUntil`; `undefined` when nothing is due. Not a token change: the
   * cached rows get the new time and keep their freshness (verifyCache.used).
   */
  recordUse(row, now) {
    if (row.last_used_at !== null && row.last_used_at >= now - USE_GRANULARITY_MS) return undefined;
    verifyCache.used(row, now);
    return this.db.prepare("UPDATE tokens SET last_used_at = ?1 WHERE seq = ?2 AND (last_used_at IS NULL OR last_used_at < ?1 - ?3)").bind(now, row.seq, USE_GRANULARITY_MS).run();
  }

  /**
   * Inserts a token; `null` when (account, id) is taken by a live token. A revoked token's id
   * may be reused (S2 lets a client issue an id again after revoking it).
   */
  async insert({ id, account, owner, dialect, name, description, scope, expiresAt, meta }, now) {
    const { secret, digest, hint } = this.mint();
    const tokenId = id ?? newId();
    const scopeText = JSON.stringify(scope);
    try {
      await this.writing(() => this.db.batch([
        this.db.prepare("DELETE FROM tokens WHERE account_id = ? AND id = ? AND revoked_at IS NOT NULL").bind(account, tokenId),
        this.db
          .prepare(
            "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)",
          )
          .bind(tokenId, account, owner, dialect ?? DIALECT_OF_LANGUAGE[scope.language] ?? "tokenkit", name, description ?? null, scopeText, scope.language, digest, hint, JSON.stringify(meta ?? {}), now, now, expiresAt ?? null),
      ]));
    } catch (e) {
      if (/UNIQUE constraint failed: tokens\.account_id, tokens\.id/.test(String(e?.message ?? e))) return null;
      throw e;
    }
    return { row: await this.row(account, tokenId), secret };
  }

  /** Writes the editable fields if the version is still `expected`; `null` when it is not. */
  async update(account, id, expected, { name, description, scope, expiresAt, meta }, now) {
    const r = await this.writing(() =>
      this.db
        .prepare(
          "UPDATE tokens SET name = ?, description = ?, scope = ?, scope_language = ?, expires_at = ?, meta = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND version = ? AND revoked_at IS NULL",
        )
        .bind(name, description ?? null, JSON.stringify(scope), scope.language, expiresAt ?? null, JSON.stringify(meta ?? {}), now, account, id, expected)
        .run(),
    );
    if (!r.meta || r.meta.changes !== 1) return null;
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
    const r = await this.writing(() =>
      this.db
        .prepare(
          "UPDATE tokens SET digest = ?, hint = ?, prev_digest = ?, prev_expires_at = ?, updated_at = ?, version = version + 1 WHERE seq = ? AND version = ? AND revoked_at IS NULL",
        )
        .bind(digest, hint, cur.digest, until, now, cur.seq, cur.version)
        .run(),
    );
    if (!r.meta || r.meta.changes !== 1) return null;
    return { row: await this.row(account, id), secret };
  }

  /** Revokes (soft delete: the row stays so a presented secret answers `revoked`). */
  async revoke(account, id, now) {
    const r = await this.writing(() =>
      this.db
        .prepare("UPDATE tokens SET revoked_at = ?, prev_digest = NULL, prev_expires_at = NULL, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ? AND revoked_at IS NULL")
        .bind(now, now, account, id)
        .run(),
    );
    return Boolean(r.meta && r.meta.changes === 1);
  }

  /**
   * One page of live tokens, newest first. `cursor` is the last row's seq. `expired` selects by
   * the core's rule (expired = now ≥ expiry); `expiringUntil` is the core's window end
   * (parseListQuery).
   */
  async page({ account, owner, name, expired, expiringUntil, cursor, limit }, now) {
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
    const { results } = await this.db.prepare(`SELECT * FROM tokens WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ?`).bind(...args).all();
    const more = results.length > limit;
    const rows = more ? results.slice(0, limit) : results;
    return { rows, next: more ? String(rows[rows.length - 1].seq) : null };
  }

  async listAll(account) {
    const { results } = await this.db.prepare("SELECT * FROM tokens WHERE account_id = ? AND revoked_at IS NULL ORDER BY seq").bind(account).all();
    return results;
  }

  // ---- accounts and members ----
  async account(id) {
    return this.db.prepare("SELECT * FROM accounts WHERE id = ?").bind(id).first();
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
    const statements = [];
    if (account === undefined) statements.push(this.db.prepare("INSERT INTO accounts (id, name, is_root, created_at) VALUES (?, ?, 0, ?)").bind(accountId, accountName, now));
    statements.push(
      this.db.prepare("INSERT INTO members (id, account_id, name, role, created_at) VALUES (?, ?, ?, ?, ?)").bind(memberId, accountId, memberName, role, now),
      this.db
        .prepare(
          "INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version) VALUES (?,?,?,'tokenkit',?,NULL,?,?,?,?,'{}',?,?,?,1)",
        )
        .bind(tokenId, accountId, memberId, token.name, JSON.stringify(token.scope), token.scope.language, digest, hint, now, now, token.expiresAt ?? null),
    );
    await this.writing(() => this.db.batch(statements));
    return {
      account: { id: accountId, name: accountName, createdAt: iso(now) },
      member: { id: memberId, accountId, name: memberName, role, createdAt: iso(now) },
      row: await this.row(accountId, tokenId),
      secret,
    };
  }

  async members(account) {
    const { results } = await this.db.prepare("SELECT * FROM members WHERE account_id = ? ORDER BY created_at, id").bind(account).all();
    return results.map((m) => ({ id: m.id, accountId: m.account_id, name: m.name, role: m.role, createdAt: iso(m.created_at) }));
  }
}
