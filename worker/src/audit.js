// The audit log's writer and reader (issue #18; docs/service.md, "Audit log"). The rules —
// which actions exist, who reads which events, the query — are the core's (src/rules/audit.rs);
// this file builds the D1 statements.
//
// The writer's API, for every mutation path (tokenkit's routes, the dialects' store, and any
// later one: leak revocation, reuse revocation, webhooks):
//
//   auditEvent(ctx, { action, account, target: { type, id, subject }, detail }) -> D1PreparedStatement
//
// The statement is put in the SAME `db.batch([...])` as the mutation, right after the mutation's
// statement: it inserts the event only when that statement changed a row (SQLite's `changes()`),
// so a guarded UPDATE that matched nothing (a version race, an already revoked token) leaves no
// event, and a mutation that fails rolls the event back with it. `ctx` is the request's (index.js):
// the actor (`ctx.actor`, set by authentication: the calling token's id and its member; null for
// a system action), the client (`ctx.client`: CF-Connecting-IP and the user agent), the API
// (`ctx.api`), the request id and the time. `subject` is the member the event is about (a
// token's owner, the member added or removed; null for an account-wide event): members read
// the events whose subject they are. `detail` is a small JSON object — never a secret or a digest.
import { newId, pageOf, whereOf } from "./store.js";

/** The API (dialect) a path belongs to: what the audit log records as `api`. */
export function apiOf(pathname) {
  if (pathname.startsWith("/tk/")) return "tokenkit";
  if (pathname.startsWith("/v1/access-tokens")) return "s2";
  if (pathname.startsWith("/api/v1/")) return "akinon";
  if (pathname.startsWith("/api/v2/")) return "launchdarkly";
  if (pathname.startsWith("/v1/accounts/")) return "space";
  return "tokenkit";
}

/** Who did it: the authenticated token `row` (its public id and member). */
export function setActor(ctx, row) {
  ctx.actor = { token: row.id, member: row.owner_id };
}

const COLUMNS = "id, at, account_id, actor_token, actor_member, action, target_type, target_id, subject, ip, user_agent, api, request_id, detail";

/** The values of one event, in COLUMNS order. */
function values(ctx, { action, account, target, detail }, id = newId()) {
  const ua = ctx.client?.userAgent;
  return [
    id,
    ctx.now,
    account,
    ctx.actor?.token ?? null,
    ctx.actor?.member ?? null,
    action,
    target.type,
    target.id,
    target.subject ?? null,
    ctx.client?.ip ?? null,
    ua ? ctx.tk.boundUserAgent(ua) : null,
    ctx.api ?? "tokenkit",
    ctx.requestId ?? null,
    JSON.stringify(detail ?? {}),
  ];
}

/**
 * The statement that records one event, written only if the batch's statement before it changed
 * a row. Batch it right after the mutation it records.
 */
export function auditEvent(ctx, event) {
  const marks = Array.from({ length: 14 }, (_, i) => `?${i + 1}`).join(", ");
  return ctx.env.DB.prepare(`INSERT INTO audit_events (${COLUMNS}) SELECT ${marks} WHERE changes() > 0`).bind(...values(ctx, event));
}

/**
 * The statement that records a `token.revoked` event for every live token of `owner` in
 * `account` (the set a member's removal revokes last, for tokens issued while it ran): batch it
 * just before the UPDATE that revokes them.
 */
export function auditRevokeAllOf(ctx, account, owner, detail) {
  const v = values(ctx, { action: "token.revoked", account, target: { type: "token", id: "", subject: owner }, detail });
  return ctx.env.DB.prepare(
    `INSERT INTO audit_events (${COLUMNS}) SELECT lower(hex(randomblob(12))), ?1, account_id, ?2, ?3, 'token.revoked', 'token', id, owner_id, ?4, ?5, ?6, ?7, ?8 FROM tokens WHERE account_id = ?9 AND owner_id = ?10 AND revoked_at IS NULL`,
  ).bind(v[1], v[3], v[4], v[9], v[10], v[11], v[12], v[13], account, owner);
}

/** An event row as `GET /tk/v1/audit` shows it. */
export function toEvent(row) {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    accountId: row.account_id,
    actor: { tokenId: row.actor_token ?? null, memberId: row.actor_member ?? null },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    subject: row.subject ?? null,
    ip: row.ip ?? null,
    userAgent: row.user_agent ?? null,
    api: row.api,
    requestId: row.request_id ?? null,
    detail: JSON.parse(row.detail || "{}"),
  };
}

/**
 * One page of events, newest first, of what `view` (the core's auditView) may read, under the
 * core-checked query `q` (parseAuditQuery).
 */
export async function pageEvents(db, view, q) {
  const w = whereOf(["account_id = ?"], [view.account], [
    [view.subject !== null, "subject = ?", view.subject],
    [q.target !== null, "target_id = ?", q.target],
    [q.actor !== null, "(actor_token = ? OR actor_member = ?)", q.actor, q.actor],
    [q.action !== null, "action = ?", q.action],
    [q.since !== null, "at >= ?", q.since],
    [q.until !== null, "at < ?", q.until],
    [q.cursor !== null, "seq < ?", q.cursor],
  ]);
  const { results } = await db.prepare(`SELECT * FROM audit_events WHERE ${w.where} ORDER BY seq DESC LIMIT ?`).bind(...w.args, q.limit + 1).all();
  const { rows, next } = pageOf(results, q.limit);
  return { events: rows.map(toEvent), next_cursor: next };
}

/** `auditEvent` for a token of `account` owned by `owner` (its subject). */
export function tokenEvent(ctx, action, { account, id, owner }, detail) {
  return auditEvent(ctx, { action, account, target: { type: "token", id, subject: owner }, detail });
}
