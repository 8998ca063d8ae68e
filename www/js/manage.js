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
 * {allowed, reason} for rotating `token` (a token object of the API) signed in as `me` (`/self`):
 * the management request, and, since the new secret is handed to the caller, that `me` holds
 * what the token holds — the service's 403 scope_not_covered / outlives_issuer. A token may
 * always rotate itself.
 */
export function mayRotate(tk, me, token) {
  const d = mayManage(tk, me.scope, "rotate", { id: token.id, owner: token.ownerId });
  if (!d.allowed || token.id === me.id) return d;
  try {
    const c = tk.explainCovers(me.scope, token.scope);
    if (!c.covered) return { allowed: false, reason: `its new secret would be broader than your token (scope_not_covered): ${c.reason}` };
    tk.checkOutlives(token.expiresAt, me.expiresAt);
  } catch (e) {
    return { allowed: false, reason: `${e.message} (${e.code ?? "invalid"})` };
  }
  return d;
}

/** The TokenkitError-like value the page shows for a refusal. */
export const refusal = (what, d) => ({ name: "TokenkitError", code: "insufficient_scope", message: `your token's scope does not allow ${what}: ${d.reason}` });
