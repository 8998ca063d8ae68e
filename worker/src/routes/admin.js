// The minimal admin API: accounts (root admins only) and members (root admins, or an owner/admin
// of the account). Each creation also issues the new member's first token, shown once. The
// first token follows the rules of POST /tk/v1/tokens: its scope must be covered by the caller's
// and it may not outlive the caller's token — root included (the root token is an owner token
// that never expires, so it covers everything).
import { authenticate, isAdmin, requireCurrent, requireManage } from "../auth.js";
import { fail, json, onlyFields, readObject, text } from "../http.js";
import { toMeta } from "../store.js";
import { expiryOf, grantable } from "./tokens.js";

const ROLES = ["owner", "admin", "member"];
const FIRST_LIFETIME = "one-year";

/** The first token's scope and expiry, checked before anything is written. */
function firstToken(ctx, caller, body, defaultScope) {
  const scope = grantable(ctx.tk, body.scope === undefined ? defaultScope : body.scope, caller);
  const expiresAt = expiryOf(ctx.tk, body.lifetime, caller, ctx.now, FIRST_LIFETIME);
  return { scope, expiresAt };
}

const created = (p) => ({ token: toMeta(p.row), secret: p.secret });

export async function createAccount(request, ctx) {
  const caller = await authenticate(request, ctx);
  if (!caller.isRoot || !isAdmin(caller)) throw fail(403, "forbidden", "only the root account's owners and admins may create accounts");
  requireManage(ctx.tk, caller, "create", { id: "*", owner: "*" });
  requireCurrent(caller);
  const body = await readObject(request);
  onlyFields(body, ["name", "owner", "scope", "lifetime"]);
  const name = text(body, "name");
  if (body.owner === null) throw fail(422, "invalid_field", "owner must be a string", "owner");
  const ownerName = text(body, "owner", { required: false }) || "owner";
  const { scope, expiresAt } = firstToken(ctx, caller, body, { language: "policy", role: "owner" });
  const p = await ctx.store.provision({ accountName: name, memberName: ownerName, role: "owner", token: { name: `${ownerName} (first token)`, scope, expiresAt } }, ctx.now);
  return json({ account: p.account, member: p.member, ...created(p) }, 201);
}

/** The account `id` if the caller may manage its members: 404 for another account, 403 for a non-admin of it. */
async function manageable(ctx, caller, id) {
  const account = await ctx.store.account(id);
  const own = caller.account === id;
  if (!account || !(own || (caller.isRoot && isAdmin(caller)))) throw fail(404, "not_found", "no such account");
  if (!isAdmin(caller)) throw fail(403, "forbidden", "only the account's owners and admins may manage members");
  return account;
}

export async function createMember(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(ctx.tk, caller, "create", { id: "*", owner: "*" });
  requireCurrent(caller);
  const body = await readObject(request);
  onlyFields(body, ["name", "role", "scope", "lifetime"]);
  const name = text(body, "name");
  const role = body.role === undefined ? "member" : body.role;
  if (!ROLES.includes(role)) throw fail(422, "invalid_field", `role must be one of ${ROLES.join(", ")}`, "role");
  if (role === "owner" && !(caller.role === "owner" || (caller.isRoot && isAdmin(caller)))) throw fail(403, "forbidden", "only an owner may add an owner", "role");
  const { scope, expiresAt } = firstToken(ctx, caller, body, { language: "policy", role: role === "member" ? "writer" : role });
  const p = await ctx.store.provision({ account: id, memberName: name, role, token: { name: `${name} (first token)`, scope, expiresAt } }, ctx.now);
  return json({ member: p.member, ...created(p) }, 201);
}

export async function listMembers(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  requireManage(ctx.tk, caller, "read", { id: "*", owner: "*" });
  return json({ members: await ctx.store.members(id) });
}
