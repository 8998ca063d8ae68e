// The minimal admin API: accounts (root admins only) and members (root admins, or an owner/admin
// of the account). Each creation also issues the new member's first token, shown once. The
// first token follows the rules of POST /tk/v1/tokens: its scope must be covered by the caller's
// and it may not outlive the caller's token — root included (the root token is an owner token
// that never expires, so it covers everything).
import { authenticate, requireCurrent, requireManage } from "../auth.js";
import { fail, json, onlyFields, readObject, ruled, textField } from "../http.js";
import { toMeta } from "../store.js";
import { auditEvent, tokenEvent } from "../audit.js";
import { expiryOf, grantable } from "./tokens.js";

/**
 * The first token's scope (the role's default when none is given: the core's firstTokenScope)
 * and expiry (the core's first-token lifetime when none is given), checked before anything is
 * written.
 */
function firstToken(ctx, caller, body, role, policy = null) {
  const { tk } = ctx;
  const scope = grantable(tk, body.scope === undefined ? tk.firstTokenScope(role) : body.scope, caller);
  // The account's policy (a member's account; a new account has none yet) last, as on POST /tk/v1/tokens.
  const expiresAt = ruled(() => tk.policyExpiry(policy, expiryOf(tk, body.lifetime, caller, ctx.now, tk.ruleDefaults().firstTokenLifetime), body.lifetime !== undefined, ctx.now));
  // A first token is never laxer than its issuer: it carries the caller's conditions of use.
  const conditions = ruled(() => ctx.tk.grantConditions(caller.conditions, {}));
  return { scope, expiresAt, conditions };
}

const created = (p, ctx) => ({ token: toMeta(p.row, ctx), secret: p.secret });

export async function createAccount(request, ctx) {
  const caller = await authenticate(request, ctx);
  ruled(() => ctx.tk.requireCreateAccount(caller.role, caller.isRoot));
  requireManage(ctx.tk, caller, "create", { id: "*", owner: "*" });
  requireCurrent(ctx.tk, caller);
  const body = await readObject(request);
  onlyFields(body, ["name", "owner", "scope", "lifetime"]);
  const name = textField(ctx.tk, body, "name");
  if (body.owner === null) throw fail(422, "invalid_field", "owner must be a string", "owner");
  const ownerName = textField(ctx.tk, body, "owner") || "owner";
  const { scope, expiresAt, conditions } = firstToken(ctx, caller, body, "owner");
  // The events belong to the new account (the actor is the root account's token).
  const audit = (ids) => [
    auditEvent(ctx, { action: "account.created", account: ids.account, target: { type: "account", id: ids.account, subject: null }, detail: { name } }),
    auditEvent(ctx, { action: "member.added", account: ids.account, target: { type: "member", id: ids.member, subject: ids.member }, detail: { name: ownerName, role: "owner" } }),
    tokenEvent(ctx, "token.created", { account: ids.account, id: ids.token, owner: ids.member }, { name: `${ownerName} (first token)`, dialect: "tokenkit" }),
  ];
  const p = await ctx.store.provision({ accountName: name, memberName: ownerName, role: "owner", token: { name: `${ownerName} (first token)`, scope, expiresAt, conditions } }, ctx.now, audit);
  return json({ account: p.account, member: p.member, ...created(p, ctx) }, 201);
}

/** The account `id` if the caller may manage its members: 404 for another account, 403 for a non-admin of it. */
export async function manageable(ctx, caller, id) {
  const account = await ctx.store.account(id);
  if (!account) throw fail(404, "not_found", "no such account");
  ruled(() => ctx.tk.requireManageMembers(caller.role, caller.isRoot, caller.account === id));
  return account;
}

export async function createMember(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(ctx.tk, caller, "create", { id: "*", owner: "*" });
  requireCurrent(ctx.tk, caller);
  const body = await readObject(request);
  onlyFields(body, ["name", "role", "scope", "lifetime"]);
  const name = textField(ctx.tk, body, "name");
  const role = ruled(() => ctx.tk.checkNewMemberRole(caller.role, caller.isRoot, body.role));
  const { scope, expiresAt, conditions } = firstToken(ctx, caller, body, role, await ctx.store.policy(id));
  const audit = (ids) => [
    auditEvent(ctx, { action: "member.added", account: id, target: { type: "member", id: ids.member, subject: ids.member }, detail: { name, role } }),
    tokenEvent(ctx, "token.created", { account: id, id: ids.token, owner: ids.member }, { name: `${name} (first token)`, dialect: "tokenkit" }),
  ];
  const p = await ctx.store.provision({ account: id, memberName: name, role, token: { name: `${name} (first token)`, scope, expiresAt, conditions } }, ctx.now, audit);
  return json({ member: p.member, ...created(p, ctx) }, 201);
}

export async function listMembers(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(ctx.tk, caller, "read", { id: "*", owner: "*" });
  return json({ members: await ctx.store.members(id) });
}
