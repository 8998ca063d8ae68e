// What the service does when a token is compromised: a secret scanner reported it live
// (routes/leaks.js, reason `leaked`), or a retired secret of it was presented again (auth.js
// `check`, reason `reused`). The decision that the token is compromised is the core's (labelLeak's
// action, decideVerification's `revoke`); this is the one place that carries it out:
//
// - the token is revoked with its reason and the revocation audited (`token.revoked`, detail
//   `{reason}`; no actor: the service did it), in one D1 batch (sql.revokeFor);
// - the owner is notified: in the same batch, the webhook event `token.leaked` | `token.reused`
//   (worker/src/webhooks.js enqueueEvent, delivered by the next scheduled run), whose id is the
//   token's and the reason's, so a token's compromise is announced at most once; and one
//   structured log line (`{"msg":"token_event",…}`, never a secret or digest).
import { auditEvent } from "./audit.js";
import { enqueueEvent } from "./webhooks.js";

/** The event type of a compromise reason. */
const EVENT = { leaked: "token.leaked", reused: "token.reused" };

/**
 * Revokes the token `row` for `reason` (`leaked` | `reused`) — or disables it, when `action` is
 * `disable` (a leak under the account policy `onLeak: "disable"`) — and notifies its owner. True when
 * this call revoked it (false: it was revoked already, and nothing is sent again).
 */
export async function compromised(ctx, row, reason, details = {}, action = "revoke") {
  const { store, now } = ctx;
  // Disabling (the account's policy onLeak: "disable") is a reversible pause, audited as a
  // disable; its event's id carries the instant, as a token may be enabled and reported again.
  // A revocation is final: one event per token and reason.
  const disable = action === "disable";
  const target = { type: "token", id: row.id, subject: row.owner_id };
  const audit = auditEvent(ctx, { action: disable ? "token.disabled" : "token.revoked", account: row.account_id, target, detail: { reason } });
  const data = { token: { id: row.id, name: row.name, owner: row.owner_id, hint: row.hint }, reason, action, ...details };
  const event = enqueueEvent(ctx.env.DB, { account: row.account_id, type: EVENT[reason], data, now, id: disable ? `evt_${reason}_${row.seq}_${now}` : `evt_${reason}_${row.seq}` });
  const extra = [audit, ...event.statements];
  const done = disable ? await store.setDisabled(row.account_id, row.id, now, extra) : await store.revokeFor(row, reason, now, extra);
  if (done) logIncident({ type: EVENT[reason], at: new Date(now).toISOString(), tokenId: row.id, accountId: row.account_id, ownerId: row.owner_id, reason, action, ...details });
  return done;
}

/** The incident's log line (`token_event`; the owner hears of it by webhook, above). Named apart
 *  from audit.js's `tokenEvent`, the audit row of a token's change. */
function logIncident(event) {
  console.log(JSON.stringify({ msg: "token_event", ...event }));
}
