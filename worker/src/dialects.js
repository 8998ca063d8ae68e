// Mounts the four seed dialects' route files (worker/src/dialects/) on the shared store and
// auth, through the `deps` contract written at the top of worker/src/dialects/common.js.
import { authenticateUse, callerOf, clientIp, storedState } from "./auth.js";
import { toDialect } from "./store.js";
import * as s2 from "./dialects/s2.js";
import * as akinon from "./dialects/akinon.js";
import * as launchdarkly from "./dialects/launchdarkly.js";
import * as space from "./dialects/space.js";
import { respond, vendorError } from "./dialects/common.js";
import { tokenEvent } from "./audit.js";

/**
 * The account's policy (src/rules/policy.rs) on a dialect's token expiring at `expiresAt`, as the
 * core's `decide(policy)` applies it; without a policy, `expiresAt` as it is. A refusal is the
 * vendor's 403.
 */
async function underPolicy(ctx, account, expiresAt, decide) {
  const policy = await ctx.store.policy(account);
  if (policy === null) return expiresAt;
  try {
    return decide(policy);
  } catch (e) {
    if (e?.code === "policy_violation") throw vendorError({ tk: ctx.tk }, ctx.api, "forbidden", e.message);
    throw e;
  }
}

/** A new token's expiry: one the client `asked` for is refused past the maximum, a default one shortened to it. */
const newExpiry = (ctx, account, expiresAt, asked) => underPolicy(ctx, account, expiresAt, (p) => ctx.tk.policyExpiry(p, expiresAt, asked, ctx.now));

/** An update or a rotation: the token's expiry must meet the policy (it is kept as it is). */
const keptExpiry = (ctx, account, expiresAt) => underPolicy(ctx, account, expiresAt, (p) => (ctx.tk.requirePolicy(p, expiresAt, ctx.now), expiresAt));

/** A dialect's change of a token as JSON Patch `replace` operations (the audit log's `patch`). */
function changes(tk, before, after) {
  const ops = [];
  // Scopes compared in the core's normal form: a dialect may spell the same scope otherwise.
  const normal = (scope) => {
    try {
      return JSON.stringify(tk.validateScope(scope));
    } catch {
      return JSON.stringify(scope);
    }
  };
  for (const [path, a, b] of [
    ["/name", before.name, after.name],
    ["/description", before.description ?? null, after.description ?? null],
    ["/scope", normal(JSON.parse(before.scope)), normal(after.scope)],
    ["/expiresAt", before.expires_at ?? null, after.expiresAt ?? null],
    ["/meta", before.meta || "{}", JSON.stringify(after.meta ?? {})],
  ]) {
    if (a !== b) ops.push({ op: "replace", path, value: path === "/scope" || path === "/meta" ? JSON.parse(b) : path === "/expiresAt" && b !== null ? new Date(b).toISOString() : b });
  }
  return ops;
}

/**
 * The rest of a namespace that belongs to one vendor (`/api/v2/…` is LaunchDarkly's, `/api/v1/…`
 * Akinon's) answers that vendor's 404, so its clients can read the error. `/v1/…` is shared by
 * S2 and Space, so it keeps tokenkit's 404.
 */
async function vendorNotFound(request, url, deps) {
  if (url.pathname.startsWith("/api/v2/")) return respond(deps.tk.dialectErrorResponse("launchdarkly", "not_found", null));
  if (url.pathname.startsWith("/api/v1/")) return respond(deps.tk.dialectErrorResponse("akinon", "not_found", "Not found"));
  return null;
}

export const dialectRoutes = [s2.handle, akinon.handle, launchdarkly.handle, space.handle, vendorNotFound];

export function dialectDeps(ctx, request) {
  const { tk, store } = ctx;
  const now = () => ctx.now;
  const caller = (row) => {
    const c = callerOf(row);
    return { account: c.account, owner: c.owner, tokenId: c.tokenId, scope: c.scope, expiresAt: c.expiresAt, role: c.role, conditions: c.conditions };
  };
  return {
    tk,
    now,
    // Akinon's `organization` of list items: the stored account (name, first owner, creation time).
    async organization(account, privileges, fallbackOwner) {
      const a = await store.account(account);
      if (!a) return null;
      const owner = (await store.members(account)).find((m) => m.role === "owner");
      return tk.akinonOrganization(a.id, a.name, owner?.id ?? fallbackOwner, privileges, a.created_at);
    },
    // The token's conditions of use (from the client's CF-Connecting-IP) are decided here, as on
    // tokenkit's own API: `{refused}` carries the core's decision for the vendor's 401/403/429.
    async authenticate(secret) {
      if (typeof secret !== "string") return null;
      const r = await authenticateUse(ctx, secret, request ? clientIp(request) : undefined);
      if (r === null || r.refused) return r;
      return { ...caller(r.row), previous: r.previous === true };
    },
    store: {
      list: async (account) => (await store.listAll(account)).map(toDialect),
      get: async (account, id) => {
        const row = await store.row(account, id);
        return row ? toDialect(row) : null;
      },
      getBySecret: async (secret) => {
        if (!tk.isWellFormedToken(secret)) return null;
        const { digest, row } = await store.find(secret); // under any configured pepper version
        return row && tk.isCurrentSecret(storedState(row), digest) ? toDialect(row) : null;
      },
      create: async (c, draft) => {
        // The vendors' APIs have no conditions of use: a token they issue carries its issuer's
        // (the core's grantConditions with none asked for), so it is never laxer.
        const conditions = tk.grantConditions(c.conditions ?? null, {});
        const expiresAt = await newExpiry(ctx, c.account, draft.expiresAt ?? null, draft.expiresAt !== null && draft.expiresAt !== undefined);
        const audit = (id) => [tokenEvent(ctx, "token.created", { account: c.account, id, owner: c.owner }, { name: draft.name ?? "", dialect: ctx.api })];
        const made = await store.insert(
          { id: draft.id ?? undefined, account: c.account, owner: c.owner, name: draft.name, description: draft.description, scope: draft.scope, expiresAt, meta: draft.meta, conditions },
          ctx.now,
          audit,
        );
        return made ? { token: toDialect(made.row), secret: made.secret } : null;
      },
      update: async (token, expectedVersion) => {
        const before = await store.row(token.account, token.id);
        if (!before) return null;
        await keptExpiry(ctx, token.account, token.expiresAt ?? null);
        const audit = [tokenEvent(ctx, "token.patched", { account: token.account, id: token.id, owner: before.owner_id }, { patch: changes(tk, before, token), versionBefore: expectedVersion, versionAfter: expectedVersion + 1 })];
        const row = await store.update(
          token.account,
          token.id,
          expectedVersion,
          { name: token.name, description: token.description, scope: token.scope, expiresAt: token.expiresAt ?? null, meta: token.meta },
          ctx.now,
          audit,
        );
        return row ? toDialect(row) : null;
      },
      rotate: async (token, previousValidUntil) => {
        await keptExpiry(ctx, token.account, token.expiresAt ?? null);
        const audit = (cur) => [tokenEvent(ctx, "token.rotated", { account: cur.account_id, id: cur.id, owner: cur.owner_id }, { versionBefore: cur.version, versionAfter: cur.version + 1, graceUntil: previousValidUntil ? new Date(previousValidUntil).toISOString() : null })];
        const r = await store.rotate(token.account, token.id, previousValidUntil ?? null, ctx.now, audit);
        return r ? { token: toDialect(r.row), secret: r.secret } : null;
      },
      remove: async (account, id) => {
        const row = await store.row(account, id);
        if (!row) return false;
        return store.revoke(account, id, ctx.now, [tokenEvent(ctx, "token.revoked", { account, id, owner: row.owner_id })]);
      },
    },
  };
}
