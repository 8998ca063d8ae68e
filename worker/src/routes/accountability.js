// Accountability routes of tokenkit's own API (issue #18): disable / enable, bulk revoke, the
// audit log, member removal and role changes, account policies. The decisions are the core's
// (src/rules/: verify.rs's `disabled`, audit.rs, members.rs, policy.rs); every mutation is
// written with its audit event in one D1 batch (worker/src/audit.js).
import { authenticate, requireManage } from "../auth.js";
import { fail, json, onlyFields, readObject, ruled } from "../http.js";
import { iso, toMeta, toMember } from "../store/shapes.js";
import { auditEvent, auditRevokeAllOf, pageEvents, tokenEvent } from "../audit.js";
import { manageable } from "./admin.js";

/** A live token the caller may act on, or 404 (as tokens.js's). */
async function target(ctx, caller, id) {
  const row = await ctx.store.row(caller.account, id);
  if (!row || !ctx.tk.mayActOn(caller.role, caller.owner, row.owner_id)) throw fail(404, "not_found", "no such token");
  return row;
}

/**
 * POST /tk/v1/tokens/{id}/disable and /enable: a reversible pause. A disabled token answers
 * 401 `disabled` on every route of every API (the core's decideVerification) until enabled;
 * neither changes the token (its version, secret, expiry and history stay), so enabling
 * restores it as it was. Idempotent: disabling a disabled token answers it as it is, with no event.
 */
async function setDisabled(request, ctx, id, disable) {
  const caller = await authenticate(request, ctx);
  const row = await target(ctx, caller, id);
  requireManage(ctx.tk, caller, "update", { id, owner: row.owner_id });
  const action = disable ? "token.disabled" : "token.enabled";
  await ctx.store.setDisabled(caller.account, id, disable ? ctx.now : null, [tokenEvent(ctx, action, { account: caller.account, id, owner: row.owner_id })]);
  const after = await ctx.store.row(caller.account, id);
  if (!after) throw fail(404, "not_found", "no such token");
  return json(toMeta(after, ctx), 200, { etag: `"${after.version}"` });
}

export const disable = (request, ctx, url, [id]) => setDisabled(request, ctx, id, true);
export const enable = (request, ctx, url, [id]) => setDisabled(request, ctx, id, false);

/**
 * POST /tk/v1/tokens/revoke: revokes the caller's account's live tokens matching a filter
 * (owner, name, createdBefore, notUsedSince; the core's parseBulkRevoke: at least one, and a
 * member's are its own), at most the core's bulkRevokeMax a call, each with its event, in one transaction.
 */
export async function bulkRevoke(request, ctx) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  const body = await readObject(request);
  const f = ruled(() => tk.parseBulkRevoke(body, caller.role, caller.owner));
  requireManage(tk, caller, "delete", { id: "*", owner: f.owner ?? "*" });
  // At most the core's bulkRevokeMax a call; `more: true` asks the client to call again.
  const max = tk.ruleDefaults().bulkRevokeMax;
  const rows = await store.matching(caller.account, f, max);
  const owners = new Map(rows.map((r) => [r.id, r.owner_id]));
  const revoked = await store.revokeMany(
    caller.account,
    rows.map((r) => r.id),
    now,
    (id) => [tokenEvent(ctx, "token.revoked", { account: caller.account, id, owner: owners.get(id) }, { bulk: true })],
  );
  return json({ revoked: revoked.length, more: rows.length === max });
}

/**
 * GET /tk/v1/audit: one page of the events the caller may read (the core's auditView: owners
 * and admins their account's, members their own), newest first, filtered by the core-checked
 * query (parseAuditQuery).
 */
export async function audit(request, ctx, url) {
  const { tk } = ctx;
  const caller = await authenticate(request, ctx);
  const q = ruled(() => tk.parseAuditQuery([...url.searchParams]));
  const view = tk.auditView(caller.role, caller.account, caller.owner);
  requireManage(tk, caller, "read", { id: "*", owner: view.subject ?? "*" });
  return json(await pageEvents(ctx.env.DB, view, q));
}

/** The member `memberId` of the account `id` the caller manages, or 404. */
async function memberOf(ctx, id, memberId) {
  const m = await ctx.store.member(id, memberId);
  if (!m) throw fail(404, "not_found", "no such member");
  return m;
}

/**
 * DELETE /tk/v1/accounts/{id}/members/{memberId}: removes the member and revokes every live
 * token of it in one transaction (each with its event). 409 `last_owner` for the last owner.
 */
export async function removeMember(request, ctx, url, [id, memberId]) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(tk, caller, "delete", { id: "*", owner: memberId });
  const m = await memberOf(ctx, id, memberId);
  const owners = await store.owners(id);
  ruled(() => tk.checkRemoveMember(caller.role, caller.isRoot, m.role, owners));
  const memberAudit = auditEvent(ctx, { action: "member.removed", account: id, target: { type: "member", id: memberId, subject: memberId }, detail: { name: m.name, role: m.role } });
  const revoked = await store.removeMember(
    id,
    memberId,
    now,
    memberAudit,
    (tokenId) => [tokenEvent(ctx, "token.revoked", { account: id, id: tokenId, owner: memberId }, { memberRemoved: true })],
    auditRevokeAllOf(ctx, id, memberId, { memberRemoved: true }),
  );
  // Removed meanwhile, or the last owner by now (the SQL guard): nothing was written.
  if (revoked === null) {
    if (m.role === "owner") throw fail(409, "last_owner", "the account's last owner cannot be removed; make another owner first");
    throw fail(404, "not_found", "no such member");
  }
  return new Response(null, { status: 204 });
}

/** PATCH /tk/v1/accounts/{id}/members/{memberId} `{role}`: the core's checkRoleChange decides. */
export async function patchMember(request, ctx, url, [id, memberId]) {
  const { tk, store } = ctx;
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(tk, caller, "update", { id: "*", owner: memberId });
  const body = await readObject(request);
  onlyFields(body, ["role"]);
  const m = await memberOf(ctx, id, memberId);
  const owners = await store.owners(id);
  const role = ruled(() => tk.checkRoleChange(caller.role, caller.isRoot, m.role, body.role, owners));
  if (role !== m.role) {
    const event = auditEvent(ctx, { action: "member.role_changed", account: id, target: { type: "member", id: memberId, subject: memberId }, detail: { from: m.role, to: role } });
    if (!(await store.setRole(id, memberId, m.role, role, [event]))) {
      throw fail(409, m.role === "owner" ? "last_owner" : "conflict", "the member was changed concurrently, or is the account's last owner; read it again");
    }
  }
  return json(toMember({ ...m, role }));
}

/** The account's live tokens that break `policy` now: listed, never changed. */
async function violations(ctx, account, policy) {
  if (policy === null) return [];
  const out = [];
  for (const row of await ctx.store.listAll(account)) {
    const reason = ctx.tk.policyViolation(policy, row.expires_at ?? null, ctx.now);
    if (reason !== null) out.push({ id: row.id, name: row.name, ownerId: row.owner_id, expiresAt: iso(row.expires_at), reason });
  }
  return out;
}

const NO_POLICY = { maxLifetime: null, requireExpiry: false, onLeak: "revoke" };

/** GET /tk/v1/accounts/{id}/policy (owners and admins): the policy and the tokens that break it. */
export async function getPolicy(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(ctx.tk, caller, "read", { id: "*", owner: "*" });
  const policy = await ctx.store.policy(id);
  return json({ policy: policy ?? NO_POLICY, violations: await violations(ctx, id, policy) });
}

/**
 * PUT /tk/v1/accounts/{id}/policy (owners and admins) `{maxLifetime, requireExpiry}`: the core's
 * parsePolicy checks it; from then on every create, rotate, reset and patch of every API meets
 * it. Existing tokens that break it are answered (`violations`), not changed.
 */
export async function putPolicy(request, ctx, url, [id]) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(tk, caller, "update", { id: "*", owner: "*" });
  const body = await readObject(request);
  const policy = ruled(() => tk.parsePolicy(body));
  const before = (await store.policy(id)) ?? NO_POLICY;
  const event = auditEvent(ctx, { action: "account.policy_changed", account: id, target: { type: "account", id, subject: null }, detail: { before, after: policy } });
  await store.putPolicy(id, policy, now, [event]);
  return json({ policy, violations: await violations(ctx, id, policy) });
}
