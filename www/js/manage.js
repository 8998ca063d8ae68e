// May the signed-in token manage a token? Asked of the core (the package's rules: the management
// request each scope language means, decided by the scope engine; "holds" for rotations), the
// same functions the service runs, so the page refuses what the service would answer 403 to.

/** {allowed, reason} for `verb` on the token `{id, owner}`. */
export function mayManage(tk, scope, verb, target) {
  try {
    return tk.mayManage(scope, verb, target);
  } catch (e) {
    return { allowed: false, reason: e.message };
  }
}

/** {allowed, reason} for rotating `token` (a token object of the API) signed in as `me` (`/self`). */
export function mayRotate(tk, me, token) {
  const d = mayManage(tk, me.scope, "rotate", { id: token.id, owner: token.ownerId });
  if (!d.allowed) return d;
  let h;
  try {
    h = tk.holds({ account: me.accountId, id: me.id, scope: me.scope, expiresAt: me.expiresAt }, { account: token.accountId, id: token.id, scope: token.scope, expiresAt: token.expiresAt });
  } catch (e) {
    return { allowed: false, reason: e.message };
  }
  return h.held ? d : { allowed: false, reason: `${h.reason} (${h.code})` };
}

/** The TokenkitError-like value the page shows for a refusal. */
export const refusal = (what, d) => ({ name: "TokenkitError", code: "insufficient_scope", message: `your token's scope does not allow ${what}: ${d.reason}` });
