// What the service does when a token is compromised: a secret scanner reported it live
// (routes/leaks.js, reason `leaked`), or a retired secret of it was presented again (auth.js
// `check`, reason `reused`). The decision that the token is compromised is the core's (labelLeak's
// action, decideVerification's `revoke`); this is the one place that carries it out:
//
// - the token is revoked with its reason, in one D1 batch (sql.revokeFor). The audit log (issue
//   #18) appends its row to that batch, and an account policy that asks to disable instead of
//   revoke is decided by the core's labelLeak / decideVerification and applied here;
// - the owner is notified: `tokenEvent` writes one structured log line per compromised token
//   (`{"msg":"token_event","type":"token.leaked"|"token.reused",…}`, never a secret or digest),
//   the hook the webhook deliveries (issue #19, part 2) enqueue from.

/** The event type of a compromise reason. */
const EVENT = { leaked: "token.leaked", reused: "token.reused" };

/**
 * Revokes the token `row` for `reason` (`leaked` | `reused`) and notifies its owner. True when
 * this call revoked it (false: it was revoked already, and nothing is sent again).
 */
export async function compromised(store, row, reason, now, details = {}) {
  const revoked = await store.revokeFor(row, reason, now);
  if (revoked) tokenEvent({ type: EVENT[reason], at: new Date(now).toISOString(), tokenId: row.id, accountId: row.account_id, ownerId: row.owner_id, reason, ...details });
  return revoked;
}

/** Announces an event about a token to its owner. Today: one structured log line. */
export function tokenEvent(event) {
  console.log(JSON.stringify({ msg: "token_event", ...event }));
}
