// tokenkit's own API under /tk/v1/: tokens CRUD, patch, rotate, verify and the `self` variants.
// Every rule (scope coverage, lifetimes, patch policy) is the wasm core's; this file moves data.
import { admitUse, authenticate, check, callerOf, presented, recordUse, requireCurrent, requireHolds, requireManage } from "../auth.js";
import { fail, json, onlyFields, readJson, readObject, ruled, textField } from "../http.js";
import { conditionsOf, newId, toMeta } from "../store.js";
import { tokenEvent } from "../audit.js";

/** The fields of a token's conditions of use (the core's parseConditions reads them). */
const CONDITION_FIELDS = ["notBefore", "allowedIps", "remaining", "refill", "rateLimit"];

/**
 * Expiry (epoch ms or null) of a lifetime input, decided by the core (`issueExpiry`): omitted,
 * the default lifetime (`defaultLifetime`, the core's when undefined) shortened to the issuer's
 * expiry; given, a lifetime past the issuer's expiry is refused (403 outlives_issuer).
 */
export function expiryOf(tk, lifetime, caller, now, defaultLifetime) {
  return ruled(() => tk.issueExpiry(lifetime, caller.expiresAt, now, defaultLifetime), 422, "lifetime");
}

/** The validated, normalised scope, covered by the caller's (the core's `grantScope`). */
export function grantable(tk, scope, caller) {
  return ruled(() => tk.grantScope(caller.scope, scope), 422, "scope");
}

/** A live token the caller may act on, or 404 (never 403: ids of others are not disclosed). */
async function target(ctx, caller, id) {
  const row = await ctx.store.row(caller.account, id);
  if (!row || !ctx.tk.mayActOn(caller.role, caller.owner, row.owner_id)) throw fail(404, "not_found", "no such token");
  return row;
}

const etag = (row) => `"${row.version}"`;

/** The condition fields `body` names (absent ones stay absent: the core tells absent from null). */
const conditionInput = (body) => Object.fromEntries(CONDITION_FIELDS.filter((k) => Object.hasOwn(body, k)).map((k) => [k, body[k]]));

export async function create(request, ctx) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  const body = await readObject(request);
  onlyFields(body, ["name", "description", "lifetime", "scope", ...CONDITION_FIELDS]);
  const name = textField(tk, body, "name");
  const description = textField(tk, body, "description");
  const scope = grantable(tk, body.scope, caller);
  // The account's policy last: a default lifetime is shortened to its maximum, an asked one past it refused.
  const policy = await store.policy(caller.account);
  const expiresAt = ruled(() => tk.policyExpiry(policy, expiryOf(tk, body.lifetime, caller, now), body.lifetime !== undefined, now));
  // Conditions: the caller's where the body names none, never laxer than the caller's (403).
  const conditions = ruled(() => tk.grantConditions(caller.conditions, conditionInput(body)));
  const id = newId();
  requireManage(tk, caller, "create", { id, owner: caller.owner });
  requireCurrent(tk, caller);
  const audit = (tokenId) => [tokenEvent(ctx, "token.created", { account: caller.account, id: tokenId, owner: caller.owner }, { name, dialect: "tokenkit" })];
  const made = await store.insert({ id, account: caller.account, owner: caller.owner, dialect: "tokenkit", name, description, scope, expiresAt, conditions }, now, audit);
  if (!made) throw fail(409, "conflict", "token id collision, retry");
  return json({ token: toMeta(made.row, ctx), secret: made.secret }, 201, { etag: etag(made.row) });
}

export async function list(request, ctx, url) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  requireManage(tk, caller, "read", { id: "*", owner: caller.owner });
  // Parameters, their limits and the expiry window they select: the core's (parseListQuery).
  const q = ruled(() => tk.parseListQuery([...url.searchParams], now));
  if (q.all) {
    ruled(() => tk.requireListAll(caller.role));
    requireManage(tk, caller, "read", { id: "*", owner: "*" });
  }
  const page = await store.page(
    {
      account: caller.account,
      owner: q.all ? undefined : caller.owner,
      name: q.name ?? undefined,
      expired: q.expired ?? undefined,
      expiringUntil: q.expiringUntil ?? undefined,
      cursor: q.cursor ?? undefined,
      limit: q.limit,
      revoked: q.revoked,
    },
    now,
  );
  return json({ tokens: page.rows.map((r) => toMeta(r, ctx)), next_cursor: page.next });
}

export async function get(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  const row = await target(ctx, caller, id);
  requireManage(ctx.tk, caller, "read", { id, owner: row.owner_id });
  return json(toMeta(row, ctx), 200, { etag: etag(row) });
}

function ifMatch(request, row) {
  const h = request.headers.get("if-match");
  if (h === null || h.trim() === "*") return;
  const tags = h.split(",").map((s) => s.trim().replace(/^W\//, ""));
  if (!tags.includes(etag(row))) throw fail(412, "precondition_failed", "the token was changed since you read it (version mismatch)");
}

export async function patch(request, ctx, url, [id]) {
  const { tk, store, now } = ctx;
  const caller = await authenticate(request, ctx);
  const row = await target(ctx, caller, id);
  requireManage(tk, caller, "update", { id, owner: row.owner_id });
  const { body: ops, text: patchText } = await readJson(request, ["application/json-patch+json", "application/json"]);
  const policyOf = await store.policy(caller.account);
  // The OpenAPI document's maxItems: a patch's cost grows with its length (docs/patch.md).
  if (Array.isArray(ops)) ruled(() => tk.checkItems("patch", ops.length));
  ifMatch(request, row);
  const doc = JSON.stringify({ ...toMeta(row), expiresAt: row.expires_at });
  // A patch may only shorten the expiry, and not to past the caller's own (the core's cap).
  const maxExpiresAt = tk.patchExpiryCap(row.expires_at ?? null, caller.expiresAt) ?? undefined;
  let result;
  try {
    result = tk.applyTokenPatch("tokenkit", doc, patchText, { now, maxExpiresAt, callerScope: caller.scope });
  } catch (e) {
    if (e?.name === "TokenkitError") {
      const status = e.code === "scope_not_covered" ? 403 : 422;
      return json({ error: { code: e.code, message: e.message, ...(e.path !== undefined ? { field: e.path } : {}), ...(e.operation !== undefined ? { operation: e.operation } : {}) } }, status);
    }
    throw e;
  }
  const next = JSON.parse(result.token);
  // An untouched field keeps its value even if this API would not accept it on create: a dialect
  // may store an empty name (Space has none, LaunchDarkly's is optional) or a longer description.
  const name = next.name === row.name ? row.name : textField(tk, next, "name");
  const description = (next.description ?? null) === (row.description ?? null) ? (row.description ?? null) : textField(tk, next, "description");
  const scope = ruled(() => tk.validateScope(next.scope), 422, "scope");
  // The patched document keeps whatever form the value had: epoch ms when untouched, RFC 3339
  // or epoch ms when patched (the policy has checked it: after now, not extended).
  const expiresAt = next.expiresAt === null || next.expiresAt === undefined ? null : typeof next.expiresAt === "number" ? next.expiresAt : Date.parse(tk.formatInstant(next.expiresAt));
  // The conditions: parsed, and each changed one no laxer than the caller's (the core's patchConditions).
  const conditions = ruled(() => tk.patchConditions(caller.conditions, conditionsOf(row), conditionInput(next)));
  // The patched token must meet the account's policy (a token that breaks it may only be patched into it).
  ruled(() => tk.requirePolicy(policyOf, expiresAt, now));
  const audit = [tokenEvent(ctx, "token.patched", { account: caller.account, id, owner: row.owner_id }, { patch: JSON.stringify(ops).length <= 16_384 ? ops : { truncated: true, operations: ops.length }, versionBefore: row.version, versionAfter: row.version + 1 })];
  const updated = await store.update(caller.account, id, row.version, { name, description, scope, expiresAt, meta: JSON.parse(row.meta || "{}"), conditions, remainingRead: row.remaining ?? null }, now, audit);
  if (!updated) throw fail(412, "precondition_failed", "the token was changed concurrently (version mismatch)");
  return json(toMeta(updated, ctx), 200, { etag: etag(updated) });
}

async function doRotate(request, ctx, caller, row) {
  const { tk, store, now } = ctx;
  requireCurrent(tk, caller);
  const body = await readObject(request, { allowEmpty: true });
  onlyFields(body, ["grace"]);
  const policy = await store.policy(row.account_id);
  // None, or a lifetime capped at the token's expiry, which must end: the core's rotationGrace.
  const grace = ruled(() => tk.rotationGrace(body.grace, row.expires_at ?? null, now), 422, "grace");
  // A new secret only for a token that meets the account's policy now.
  ruled(() => tk.requirePolicy(policy, row.expires_at ?? null, now));
  const audit = (cur) => [tokenEvent(ctx, "token.rotated", { account: cur.account_id, id: cur.id, owner: cur.owner_id }, { versionBefore: cur.version, versionAfter: cur.version + 1, graceUntil: grace.until === null ? null : new Date(grace.until).toISOString() })];
  const r = await store.rotate(row.account_id, row.id, grace.previousValidUntil, now, audit);
  if (!r) throw fail(412, "precondition_failed", "the token was changed concurrently");
  return json({ token: toMeta(r.row, ctx), secret: r.secret, previous_expires_at: grace.until === null ? null : new Date(grace.until).toISOString() }, 200, { etag: etag(r.row) });
}

export async function rotate(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  const row = await target(ctx, caller, id);
  requireManage(ctx.tk, caller, "rotate", { id, owner: row.owner_id });
  requireHolds(ctx.tk, caller, row);
  return doRotate(request, ctx, caller, row);
}

export async function revoke(request, ctx, url, [id]) {
  const caller = await authenticate(request, ctx);
  const row = await target(ctx, caller, id);
  requireManage(ctx.tk, caller, "delete", { id, owner: row.owner_id });
  await ctx.store.revoke(caller.account, id, ctx.now, [tokenEvent(ctx, "token.revoked", { account: caller.account, id, owner: row.owner_id })]);
  return new Response(null, { status: 204 });
}

export async function self(request, ctx) {
  const caller = await authenticate(request, ctx);
  return json({ ...toMeta(caller.row, ctx), role: caller.role, root: caller.isRoot }, 200, { etag: etag(caller.row) });
}

export async function selfRotate(request, ctx) {
  const caller = await authenticate(request, ctx);
  return doRotate(request, ctx, caller, caller.row);
}

export async function selfRevoke(request, ctx) {
  const caller = await authenticate(request, ctx);
  await ctx.store.revoke(caller.account, caller.tokenId, ctx.now, [tokenEvent(ctx, "token.revoked", { account: caller.account, id: caller.tokenId, owner: caller.owner })]);
  return new Response(null, { status: 204 });
}

const REQUEST_FIELDS = ["action", "resource", "basin", "stream", "accessToken"];

/**
 * The language-independent shape of a verify request, checked before the token is (so a bad
 * request is refused whatever token comes with it); the scope engine checks the rest.
 */
function checkRequestShape(req) {
  if (req === undefined || req === null) return;
  if (typeof req !== "object" || Array.isArray(req)) throw fail(422, "invalid_field", "request must be an object {action, resource?, …}", "request");
  for (const [k, v] of Object.entries(req)) {
    if (!REQUEST_FIELDS.includes(k)) throw fail(422, "unknown_field", `unknown request field ${JSON.stringify(k).slice(0, 60)}`, `request.${k.slice(0, 60)}`);
    if (typeof v !== "string") throw fail(422, "invalid_field", `request.${k} must be a string`, `request.${k}`);
  }
  if (typeof req.action !== "string") throw fail(422, "invalid_field", "request.action is required", "request.action");
}

/**
 * Verifies a token for a resource server. The caller authenticates with its own token, which
 * must allow reading tokens (403 otherwise); only tokens of the caller's account are answered
 * (any other answers `unknown_token`, so accounts cannot probe each other). 200 with
 * `valid: false` and a code for every failure.
 */
export async function verify(request, ctx) {
  const { tk, store, now } = ctx;
  // One D1 round trip for both tokens when both are well formed (store.prefetch). The answer's
  // precedence is unchanged: 401 for the caller first, then 403, then the body's 400/413/415.
  const own = presented(request);
  let read = null;
  if (typeof own === "string" && tk.isWellFormedToken(own)) {
    read = await readObject(request).then(
      (body) => ({ body }),
      (error) => ({ error }),
    );
    const t = read.body?.token;
    await store.prefetch(typeof t === "string" && t.length <= 200 && tk.isWellFormedToken(t) ? [own, t] : [own]);
  }
  const caller = await authenticate(request, ctx);
  requireManage(tk, caller, "read", { id: "*", owner: caller.owner });
  if (read?.error) throw read.error;
  const body = read ? read.body : await readObject(request);
  onlyFields(body, ["token", "request", "ip"]);
  if (typeof body.token !== "string") throw fail(422, "invalid_field", "token must be a string", "token");
  ruled(() => tk.checkLength("token", body.token));
  checkRequestShape(body.request);
  // The address the checked token is used from (its allowedIps); absent = unknown, which an
  // allow-list refuses.
  if (body.ip !== undefined && body.ip !== null) ruled(() => tk.checkIp(body.ip, "ip"));
  const out = { valid: false, code: "unknown_token", rule: "lookup", tokenId: null, owner: null, scope: null, expiresAt: null, remaining: null, reason: "the access token is not known" };
  const r = await check(body.token, ctx);
  if (r.row && r.row.account_id !== caller.account) return json(out);
  if (!r.ok) return json({ ...out, code: r.code, rule: r.rule, reason: r.message });
  const t = callerOf(r.row);
  Object.assign(out, { tokenId: t.tokenId, owner: t.owner, scope: t.scope, expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString() });
  // A valid verify is a use of the token: its conditions decide it, and it spends one.
  const use = await admitUse(ctx, r.row, body.ip ?? undefined);
  if (use.outcome !== "ok") {
    const limited = use.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: use.retryAfterSeconds };
    return json({ ...out, remaining: use.remaining ?? null, code: use.code, rule: use.rule, reason: use.message, ...limited });
  }
  out.remaining = use.remaining;
  recordUse(ctx, r.row);
  if (body.request === undefined || body.request === null) return json({ ...out, valid: true, code: "ok", rule: r.rule, reason: "the access token is valid" });
  const compiled = tk.compileScope(t.scope);
  try {
    const d = ruled(() => compiled.explain(body.request), 422, "request");
    return json({ ...out, valid: d.allowed, code: d.allowed ? "ok" : "forbidden", rule: d.rule ?? "scope", reason: d.reason });
  } finally {
    compiled.free();
  }
}
