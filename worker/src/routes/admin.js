// The minimal admin API: accounts (root only) and members (root, or an owner/admin of the
// account). Each creation also issues the new member's first token, shown once.
import { authenticate, isAdmin } from "../auth.js";
import { coreError, fail, json, onlyFields, readObject, text } from "../http.js";
import { toMeta } from "../store.js";

const ROLES = ["owner", "admin", "member"];

/** Issues `member`'s first token: its scope must be covered by the caller's unless root acts. */
async function firstToken(ctx, caller, account, member, body, defaultScope) {
  const { tk, store, now } = ctx;
  const raw = body.scope ?? defaultScope;
  let scope;
  try {
    scope = tk.validateScope(raw);
  } catch (e) {
    throw coreError(e, 422, "scope");
  }
  if (!caller.isRoot) {
    const c = tk.explainCovers(caller.scope, scope);
    if (!c.covered) throw fail(403, "scope_not_covered", `the first token's scope is broader than the caller's: ${c.reason}`, "scope");
  }
  let expiresAt;
  try {
    expiresAt = tk.expiresAtMs(body.lifetime ?? "one-year", now);
    if (!caller.isRoot) tk.checkOutlives(expiresAt, caller.expiresAt);
  } catch (e) {
    throw coreError(e, 422, "lifetime");
  }
  const made = await store.insert({ account, owner: member.id, dialect: "tokenkit", name: `${member.name} (first token)`, scope, expiresAt }, now);
  return { token: toMeta(made.row), secret: made.secret };
}

export async function createAccount(request, ctx) {
  const caller = await authenticate(request, ctx);
  if (!caller.isRoot || !isAdmin(caller)) throw fail(403, "forbidden", "only the root account's admins may create accounts");
  const body = await readObject(request);
  onlyFields(body, ["name", "owner", "scope", "lifetime"]);
  const name = text(body, "name");
  const ownerName = text(body, "owner", { required: false }) ?? "owner";
  const account = await ctx.store.createAccount(name, ctx.now);
  const member = await ctx.store.createMember(account.id, ownerName, "owner", ctx.now);
  const first = await firstToken(ctx, caller, account.id, member, body, { language: "policy", role: "owner" });
  return json({ account, member, ...first }, 201);
}

async function manageable(ctx, caller, id) {
  const account = await ctx.store.account(id);
  const allowed = caller.isRoot ? isAdmin(caller) : caller.account === id && isAdmin(caller);
  if (!account || !allowed) throw fail(404, "not_found", "no such account");
  return account;
}

export async function createMember(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  const body = await readObject(request);
  onlyFields(body, ["name", "role", "scope", "lifetime"]);
  const name = text(body, "name");
  const role = body.role ?? "member";
  if (!ROLES.includes(role)) throw fail(422, "invalid_field", `role must be one of ${ROLES.join(", ")}`, "role");
  if (role === "owner" && !caller.isRoot && caller.role !== "owner") throw fail(403, "forbidden", "only an owner may add an owner", "role");
  if (body.scope === undefined && !caller.isRoot) throw fail(422, "invalid_field", "scope is required (it must be covered by yours)", "scope");
  const member = await ctx.store.createMember(id, name, role, ctx.now);
  const first = await firstToken(ctx, caller, id, member, body, { language: "policy", role: role === "member" ? "writer" : role });
  return json({ member, ...first }, 201);
}

export async function listMembers(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  await manageable(ctx, caller, id);
  return json({ members: await ctx.store.members(id) });
}
