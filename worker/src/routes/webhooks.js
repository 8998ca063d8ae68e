// An account's webhook endpoints (owners and admins: the core's requireManageWebhooks) and
// their recent deliveries. The signing secret is answered once, at creation; it is stored
// encrypted (worker/src/webhooks.js) and never answered again.
import { authenticate, requireCurrent, requireManage } from "../auth.js";
import { fail, json, onlyFields, readObject, ruled } from "../http.js";
import { iso } from "../store/shapes.js";
import { newId } from "../store/mint.js";
import { allowLoopbackHttp, sealSecret, secretAad, webhookKeyOf } from "../webhooks.js";

const ANY = { id: "*", owner: "*" };

/** The account `id` if the caller may manage its webhooks (`verb`: the scope's management verb). */
async function manageable(request, ctx, id, verb) {
  const caller = await authenticate(request, ctx);
  const account = await ctx.store.account(id);
  if (!account) throw fail(404, "not_found", "no such account");
  ruled(() => ctx.tk.requireManageWebhooks(caller.role, caller.isRoot, caller.account === id));
  requireManage(ctx.tk, caller, verb, ANY);
  return caller;
}

const toWebhook = (row) => ({ id: row.id, url: row.url, events: JSON.parse(row.events), secretHint: row.secret_hint, createdAt: iso(row.created_at) });

export async function create(request, ctx, url, [id]) {
  const caller = await manageable(request, ctx, id, "update");
  requireCurrent(ctx.tk, caller); // it answers a secret
  const body = await readObject(request);
  onlyFields(body, ["url", "events"]);
  const { tk, env } = ctx;
  const target = ruled(() => tk.checkWebhookUrl(body.url, allowLoopbackHttp(env)));
  const events = ruled(() => tk.checkWebhookEvents(body.events));
  const key = webhookKeyOf(env);
  if (!key) throw fail(503, "webhooks_unavailable", "webhooks need the worker secret TOKENKIT_WEBHOOK_KEY (or TOKENKIT_PEPPER) to keep signing secrets encrypted");
  const db = env.DB;
  const { n } = await db.prepare("SELECT COUNT(*) AS n FROM webhooks WHERE account_id = ?1").bind(id).first();
  ruled(() => tk.checkWebhookCount(n));
  const webhookId = newId();
  const secret = tk.generateWebhookSecret();
  const row = { id: webhookId, url: target, events: JSON.stringify(events), secret_hint: tk.maskToken(secret), created_at: ctx.now };
  const sealed = await sealSecret(key, secret, secretAad(id, webhookId));
  // The count again in SQL: two concurrent creations cannot pass the limit together.
  const r = await db
    .prepare(
      `INSERT INTO webhooks (id, account_id, url, events, secret_enc, secret_hint, created_at, created_by)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE (SELECT COUNT(*) FROM webhooks WHERE account_id = ?2) < ?9`,
    )
    .bind(webhookId, id, row.url, row.events, sealed, row.secret_hint, row.created_at, caller.tokenId, tk.webhookRules().maxWebhooks)
    .run();
  if (r.meta?.changes !== 1) ruled(() => tk.checkWebhookCount(tk.webhookRules().maxWebhooks));
  return json({ webhook: toWebhook(row), secret }, 201);
}

export async function list(request, ctx, url, [id]) {
  await manageable(request, ctx, id, "read");
  const { results } = await ctx.env.DB.prepare("SELECT id, url, events, secret_hint, created_at FROM webhooks WHERE account_id = ?1 ORDER BY created_at, id").bind(id).all();
  return json({ webhooks: results.map(toWebhook) });
}

export async function remove(request, ctx, url, [id, webhookId]) {
  await manageable(request, ctx, id, "update");
  const db = ctx.env.DB;
  const [, gone] = await db.batch([
    db.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?1 AND webhook_id IN (SELECT id FROM webhooks WHERE account_id = ?2)").bind(webhookId, id),
    db.prepare("DELETE FROM webhooks WHERE id = ?1 AND account_id = ?2").bind(webhookId, id),
  ]);
  if (gone.meta?.changes !== 1) throw fail(404, "not_found", "no such webhook");
  return new Response(null, { status: 204 });
}

/** The endpoint's most recent deliveries (newest first, at most 50). */
export async function deliveries(request, ctx, url, [id, webhookId]) {
  await manageable(request, ctx, id, "read");
  const db = ctx.env.DB;
  const hook = await db.prepare("SELECT id FROM webhooks WHERE id = ?1 AND account_id = ?2").bind(webhookId, id).first();
  if (!hook) throw fail(404, "not_found", "no such webhook");
  const { results } = await db
    .prepare(
      `SELECT d.id, d.event_id, e.type, e.created_at AS event_created_at, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error
       FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE d.webhook_id = ?1 ORDER BY d.id DESC LIMIT 50`,
    )
    .bind(webhookId)
    .all();
  return json({
    deliveries: results.map((d) => ({
      id: d.id,
      event: { id: d.event_id, type: d.type, createdAt: iso(d.event_created_at) },
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === "pending" ? iso(d.next_attempt_at) : null,
      lastAttemptAt: iso(d.last_attempt_at),
      lastStatus: d.last_status,
      lastError: d.last_error,
    })),
  });
}
