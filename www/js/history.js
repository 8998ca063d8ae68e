// The audit log in the page (issue #18): a token's "History" card and the account activity page
// (#/activity). The service decides what the session may read (the core's auditView: owners and
// admins their account's events, members those about themselves); the page shows what it gets.
import { ApiError } from "./api.js";
import { h, nextId, timeEl } from "./format.js";
import { errorBox } from "./ui.js";

/** How the page words each action (display text only). */
const LABEL = {
  "token.created": "Created",
  "token.patched": "Edited",
  "token.rotated": "Secret rotated",
  "token.disabled": "Disabled",
  "token.enabled": "Enabled",
  "token.revoked": "Revoked",
  "member.added": "Member added",
  "member.removed": "Member removed",
  "member.role_changed": "Role changed",
  "account.created": "Account created",
  "account.policy_changed": "Policy changed",
};
export const actionLabel = (a) => LABEL[a] ?? a;

/** Who did it: the session itself, a member's name when known, else the ids. */
function actorOf(ctx, e) {
  if (e.actor.tokenId !== null && e.actor.tokenId === ctx.state.me.id) return h("span", {}, "this session");
  const m = e.actor.memberId ? ctx.state.members?.get(e.actor.memberId) : null;
  if (m) return h("span", {}, m.name);
  if (e.actor.tokenId === null) return h("span", { class: "muted" }, "the service");
  return h("code", { class: "id" }, e.actor.tokenId);
}

/** One line of what changed, for the actions that carry a detail. */
function detailOf(e) {
  const d = e.detail ?? {};
  if (e.action === "token.patched" && Array.isArray(d.patch)) return `${d.patch.map((op) => `${op.op} ${op.path}`).join(", ")} (version ${d.versionBefore} → ${d.versionAfter})`;
  if (e.action === "token.rotated") return `version ${d.versionBefore} → ${d.versionAfter}${d.graceUntil ? `, old secret until ${new Date(d.graceUntil).toISOString()}` : ""}`;
  if (e.action === "member.role_changed") return `${d.from} → ${d.to}`;
  if (e.action === "account.policy_changed") return `max lifetime ${d.after?.maxLifetime ?? "none"}, expiry ${d.after?.requireExpiry ? "required" : "optional"}, a leaked token ${d.after?.onLeak === "disable" ? "disabled" : "revoked"}`;
  if (d.memberRemoved) return "its member was removed";
  if (d.bulk) return "bulk revocation";
  return "";
}

const via = (e) => (e.api === "tokenkit" ? null : h("span", { class: "badge neutral" }, `via ${e.api}`));

/** The "History" card of a token's page: its events, newest first. */
export function historyCard(ctx, tokenId) {
  const list = h("ol", { class: "history", "aria-busy": "true" });
  const card = h("div", { class: "card history-card" }, h("h2", {}, "History"), list);
  (async () => {
    try {
      await ctx.loadMembers?.().catch(() => {});
      const r = await ctx.api.audit({ target: tokenId, limit: 50 });
      const events = r.body.events;
      list.replaceChildren(
        ...(events.length === 0
          ? [h("li", { class: "muted" }, "No recorded events.")]
          : events.map((e) =>
              h(
                "li",
                { class: "event", "data-action": e.action },
                h("strong", { class: "event-action" }, actionLabel(e.action)),
                " ",
                via(e),
                h("span", { class: "event-meta" }, timeEl(e.at, { withTime: true, rel: true }), " by ", actorOf(ctx, e)),
                detailOf(e) ? h("span", { class: "event-detail hint" }, detailOf(e)) : null,
              ),
            )),
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
      list.replaceChildren(h("li", {}, errorBox(e, "Could not load the history.")));
    } finally {
      list.removeAttribute("aria-busy");
    }
  })();
  return card;
}

/** #/activity: the account's events (or, for a member, its own), filtered by action, page by page. */
export async function activityView(ctx, root) {
  const { tk, api } = ctx;
  const id = nextId("activity");
  const action = h("select", { id: `${id}-action` }, h("option", { value: "" }, "All actions"), ...tk.auditActions().map((a) => h("option", { value: a }, actionLabel(a))));
  const body = h("tbody");
  const table = h(
    "table",
    { class: "activity", "aria-busy": "true" },
    h("thead", {}, h("tr", {}, ...["When", "What", "Target", "By", "From"].map((c) => h("th", { scope: "col" }, c)))),
    body,
  );
  const more = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  const slot = h("div", { class: "error-slot" });
  let cursor = null;
  await ctx.loadMembers?.().catch(() => {});

  const target = (e) => {
    if (e.target.type === "token") return h("a", { href: `#/tokens/${encodeURIComponent(e.target.id)}` }, h("code", { class: "id" }, e.target.id));
    if (e.target.type === "member") return h("span", {}, ctx.state.members?.get(e.target.id)?.name ?? "", " ", h("code", { class: "id" }, e.target.id));
    return h("span", { class: "muted" }, "the account");
  };
  async function load(reset) {
    table.setAttribute("aria-busy", "true");
    if (reset) cursor = null;
    try {
      const r = await api.audit({ action: action.value || undefined, cursor: cursor ?? undefined, limit: 50 });
      const rows = r.body.events.map((e) =>
        h(
          "tr",
          { "data-action": e.action },
          h("td", {}, timeEl(e.at, { withTime: true, rel: true })),
          h("td", {}, h("strong", {}, actionLabel(e.action)), " ", via(e), detailOf(e) ? h("div", { class: "hint" }, detailOf(e)) : null),
          h("td", {}, target(e)),
          h("td", {}, actorOf(ctx, e)),
          h("td", {}, e.ip ? h("code", {}, e.ip) : h("span", { class: "muted" }, "—")),
        ),
      );
      if (reset) body.replaceChildren(...rows);
      else body.append(...rows);
      if (reset && rows.length === 0) body.replaceChildren(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No recorded events.")));
      cursor = r.body.next_cursor;
      more.hidden = cursor === null;
      slot.replaceChildren();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
      slot.replaceChildren(errorBox(e, "Could not load the activity."));
    } finally {
      table.removeAttribute("aria-busy");
    }
  }
  action.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  root.replaceChildren(
    h(
      "section",
      { class: "page" },
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Access tokens"), h("span", { "aria-hidden": "true" }, " / "), h("span", { "aria-current": "page" }, "Activity")),
      h(
        "div",
        { class: "page-head" },
        h("div", {}, h("h1", { tabindex: "-1" }, "Account activity"), h("p", { class: "lead" }, "Who created, changed, rotated, disabled or revoked what, when and from where. Owners and admins see the whole account; members their own tokens.")),
      ),
      h("div", { class: "toolbar" }, h("label", { for: `${id}-action` }, "Action "), action),
      slot,
      h("div", { class: "table-wrap" }, table),
      more,
    ),
  );
  await load(true);
}
