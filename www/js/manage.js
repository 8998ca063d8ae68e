// May the signed-in token manage a token? The request that managing a token means in each scope
// language — the one definition, imported by the service too (worker/src/auth.js; docs/service.md) —
// decided by the wasm compiled scope, so the page refuses what the service would answer with
// 403 insufficient_scope. Plain ES module with no browser APIs: the worker bundles it.

const POLICY_ACTION = { read: "viewAccessToken", create: "createAccessToken", update: "updateAccessToken", rotate: "resetAccessToken", delete: "deleteAccessToken" };

/** A stand-in for the id the service will give a new token (random hex, like store.newId). */
export const NEW_ID = "000000000000000000000000";

// `:` separates a policy resource's segments, so an id that contains one (S2 ids are the
// client's) must not add a segment that a deny on `member/*:token/*` would no longer match.
const segment = (s) => String(s).replace(/[%:]/g, (c) => (c === "%" ? "%25" : "%3A"));

export function managementRequest(language, verb, { id, owner }) {
  switch (language) {
    case "s2":
      if (verb === "read") return { action: "list-access-tokens" };
      return { action: verb === "delete" ? "revoke-access-token" : "issue-access-token", accessToken: id };
    case "policy":
      return { action: POLICY_ACTION[verb], resource: `member/${segment(owner)}:token/${segment(id)}` };
    default:
      return { action: verb === "read" ? "tokens:read" : "tokens:write" };
  }
}

/** {allowed, reason} for `verb` on the token `{id, owner}`. */
export function mayManage(tk, scope, verb, target) {
  let compiled;
  try {
    compiled = tk.compileScope(scope);
    return compiled.explain(managementRequest(scope.language, verb, target));
  } catch (e) {
    return { allowed: false, reason: e.message };
  } finally {
    compiled?.free();
  }
}

/**
 * May `holder` be handed a new secret for `token` (a rotation)? Only if it could issue that token
 * itself: its scope covers the token's and the token does not outlive it. A token may always
 * rotate itself. Both are `{id, scope, expiresAt}` (scope as an object; expiry as epoch ms, an
 * RFC 3339 string or null). `{held: true}`, or `{held: false, code, reason}` with the code the
 * service answers 403 with — one definition, used by the service (worker/src/auth.js
 * `requireHolds`) and by the page (`mayRotate`), like `managementRequest`.
 */
export function holds(tk, holder, token) {
  if (token.id === holder.id) return { held: true };
  try {
    const c = tk.explainCovers(holder.scope, token.scope);
    if (!c.covered) return { held: false, code: "scope_not_covered", reason: `its new secret would be broader than the caller's token: ${c.reason}` };
    tk.checkOutlives(token.expiresAt ?? null, holder.expiresAt ?? null);
  } catch (e) {
    return { held: false, code: e.code ?? "invalid_scope", reason: e.message };
  }
  return { held: true };
}

/** {allowed, reason} for rotating `token` (a token object of the API) signed in as `me` (`/self`). */
export function mayRotate(tk, me, token) {
  const d = mayManage(tk, me.scope, "rotate", { id: token.id, owner: token.ownerId });
  if (!d.allowed) return d;
  const h = holds(tk, me, token);
  return h.held ? d : { allowed: false, reason: `${h.reason} (${h.code})` };
}

/** The TokenkitError-like value the page shows for a refusal. */
export const refusal = (what, d) => ({ name: "TokenkitError", code: "insufficient_scope", message: `your token's scope does not allow ${what}: ${d.reason}` });
