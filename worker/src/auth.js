// Who is calling: the presented token, checked in the order DESIGN.md gives — format and
// checksum (no storage read for a typo or a fake) → lookup by digest → revoked → expired (and
// the rotation grace of a previous secret) → scope, per route.
import { fail } from "./http.js";
import { holds, managementRequest } from "../../www/js/manage.js";

/** The token from `Authorization: Bearer <t>`, `Authorization: <t>` or `x-access-token: <t>`. */
export function presented(request) {
  const h = request.headers.get("authorization");
  if (h !== null) {
    const t = h.trim();
    return /^bearer\s+/i.test(t) ? t.replace(/^bearer\s+/i, "").trim() : t;
  }
  const x = request.headers.get("x-access-token");
  return x === null ? null : x.trim();
}

/**
 * Checks a secret. `{ok: true, row, previous}` for a live token (previous = matched a
 * rotated-out secret still in its grace), else `{ok: false, code, message}`.
 */
export async function check(secret, store, tk, now) {
  if (typeof secret !== "string" || secret === "") return { ok: false, code: "missing_token", message: "no access token presented" };
  try {
    tk.parseToken(secret);
  } catch (e) {
    return { ok: false, code: e.code === "invalid_checksum" ? "invalid_checksum" : "malformed_token", message: e.message };
  }
  const digest = store.digest(secret);
  const row = await store.byDigest(digest);
  if (!row) return { ok: false, code: "unknown_token", message: "the access token is not known" };
  if (row.revoked_at !== null) return { ok: false, row, code: "revoked", message: "the access token has been revoked" };
  const previous = row.digest !== digest;
  if (previous && !(row.prev_expires_at !== null && row.prev_expires_at > now)) {
    return { ok: false, row, code: "rotated", message: "the access token was rotated and its grace period is over" };
  }
  if (row.expires_at !== null && row.expires_at <= now) return { ok: false, row, code: "expired", message: "the access token has expired" };
  return { ok: true, row, previous };
}

/** The caller object the routes and the dialects use. */
export function callerOf(row, previous = false) {
  return {
    account: row.account_id,
    owner: row.owner_id,
    tokenId: row.id,
    scope: JSON.parse(row.scope),
    expiresAt: row.expires_at ?? null,
    role: row.member_role,
    isRoot: row.account_is_root === 1,
    previous,
    row,
  };
}

/** Authenticates a request to tokenkit's own API, or throws the 401. */
export async function authenticate(request, ctx) {
  const { store, tk, now } = ctx;
  const r = await check(presented(request), store, tk, now);
  if (!r.ok) throw fail(401, r.code, r.message);
  ctx.tokenId = r.row.id; // the request log's token id (worker/src/index.js)
  recordUse(ctx, r.row);
  return callerOf(r.row, r.previous);
}

/**
 * After a successful `check`: records the use of the token `row` (Store.recordUse: at most once
 * a minute), the write left to `ctx.waitUntil`.
 */
export function recordUse(ctx, row) {
  const write = ctx.store.recordUse(row, ctx.now);
  if (write) ctx.waitUntil(write);
}

/**
 * A secret in its rotation grace keeps working, but it may not mint secrets (create, rotate,
 * first tokens): otherwise a leaked old secret — the usual reason to rotate — could turn its
 * grace period into a fresh token for the whole lifetime.
 */
export function requireCurrent(caller) {
  if (caller.previous) throw fail(403, "previous_secret", "a rotated-out secret in its grace period cannot issue or rotate secrets; use the current one");
}

/**
 * The request that managing tokens means in each scope language (docs/service.md):
 * S2 list/issue/revoke-access-token with the token id; privileges and names `tokens:read` /
 * `tokens:write`; policy `<verb>AccessToken` on `member/<owner>:token/<id>`. One definition,
 * shared with the dashboard (www/js/manage.js), so the page refuses exactly what this answers 403.
 */
export { managementRequest };

/** Throws 403 unless the caller's scope allows managing token `target` with `verb`. */
export function requireManage(tk, caller, verb, target) {
  const req = managementRequest(caller.scope.language, verb, target);
  const compiled = tk.compileScope(caller.scope);
  try {
    const d = compiled.explain(req);
    if (!d.allowed) throw fail(403, "insufficient_scope", `the token's scope does not allow this: ${d.reason}`);
  } finally {
    compiled.free();
  }
}

/**
 * A rotation hands the caller the token's new secret, so the caller must hold what the token
 * (row, in the caller's account) holds: `holds`, shared with the dashboard. 403
 * scope_not_covered / outlives_issuer otherwise.
 */
export function requireHolds(tk, caller, row) {
  const h = holds(tk, { id: caller.tokenId, scope: caller.scope, expiresAt: caller.expiresAt }, { id: row.id, scope: JSON.parse(row.scope), expiresAt: row.expires_at });
  if (!h.held) throw fail(403, h.code, `rotating this token would hand you its new secret: ${h.reason}`);
}

/** Admins and owners act on every member's tokens in their account; members on their own. */
export const isAdmin = (caller) => caller.role === "owner" || caller.role === "admin";
