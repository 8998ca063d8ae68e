// Mounts the four seed dialects' route files (worker/src/dialects/) on the shared store and
// auth, through the `deps` contract written at the top of worker/src/dialects/common.js.
import { authenticateUse, callerOf, clientIp, storedState } from "./auth.js";
import { toDialect } from "./store.js";
import * as s2 from "./dialects/s2.js";
import * as akinon from "./dialects/akinon.js";
import * as launchdarkly from "./dialects/launchdarkly.js";
import * as space from "./dialects/space.js";
import { respond } from "./dialects/common.js";

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
        const made = await store.insert(
          { id: draft.id ?? undefined, account: c.account, owner: c.owner, name: draft.name, description: draft.description, scope: draft.scope, expiresAt: draft.expiresAt ?? null, meta: draft.meta, conditions },
          ctx.now,
        );
        return made ? { token: toDialect(made.row), secret: made.secret } : null;
      },
      update: async (token, expectedVersion) => {
        const row = await store.update(
          token.account,
          token.id,
          expectedVersion,
          { name: token.name, description: token.description, scope: token.scope, expiresAt: token.expiresAt ?? null, meta: token.meta },
          ctx.now,
        );
        return row ? toDialect(row) : null;
      },
      rotate: async (token, previousValidUntil) => {
        const r = await store.rotate(token.account, token.id, previousValidUntil ?? null, ctx.now);
        return r ? { token: toDialect(r.row), secret: r.secret } : null;
      },
      remove: (account, id) => store.revoke(account, id, ctx.now),
    },
  };
}
