// The token list: filters (all / expiring soon / expired / revoked, name), admins' "all members"
// toggle, cursor pagination (next_cursor), and per-row actions (none on revoked tokens, which
// carry a badge saying why they were revoked: leaked, reused secret, or by request).
import { ApiError } from "./api.js";
import { expiryState, h, maxLength, nextId, relative, soonDays, timeEl } from "./format.js";
import { rotateDialog, revokeDialog } from "./dialogs.js";
import { errorBox } from "./ui.js";
import { mayManage, mayRotate } from "./manage.js";
import { controlsSummary } from "./controls.js";

/** Tokens issued through a seed dialect carry its name (worker/src/store.js `dialect`). */
const DIALECT_LABEL = { s2: "S2", akinon: "Akinon", launchdarkly: "LaunchDarkly", space: "Space" };

export const PAGE_SIZE = 20;

const FILTERS = [
  ["all", "All"],
  ["soon", "Expiring soon"],
  ["expired", "Expired"],
  ["revoked", "Revoked"],
];

/** The badge of a revoked token: why it was revoked (the row's `revokedReason`). */
const REVOKED_BADGE = {
  leaked: ["Leaked", "A secret scanner reported this token in a public place; it was revoked at once."],
  reused: ["Reused secret", "A retired secret of this token was presented again (a sign it was stolen); the token was revoked."],
};

function revokedBadge(t) {
  const [label, title] = REVOKED_BADGE[t.revokedReason] ?? ["Revoked", "Revoked by a request."];
  return h("span", { class: `badge ${t.revokedReason ? "bad" : "neutral"} revoked-reason`, title }, label);
}

function expiryCell(t) {
  if (t.expiresAt === null) return h("td", { class: "expires", dataset: { label: "Expires" } }, h("span", { class: "muted" }, "Never"), " ", h("span", { class: "badge neutral" }, "No expiry"));
  const state = expiryState(t.expiresAt);
  return h(
    "td",
    { class: "expires", dataset: { label: "Expires" } },
    timeEl(t.expiresAt, { rel: true }),
    state === "expired" ? h("span", { class: "badge bad" }, "Expired") : null,
    state === "soon" ? h("span", { class: "badge warn" }, "Expires soon") : null,
  );
}

export async function listView(ctx, root) {
  const { tk, api, state } = ctx;
  const L = state.list;
  const me = state.me;
  const admin = tk.isAdminRole(me.role);

  const headingId = nextId("h");
  const canCreate = mayManage(tk, me.scope, "create", { id: tk.ruleDefaults().newId, owner: me.ownerId });
  const filterGroup = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Show" });
  for (const [v, label] of FILTERS) {
    const id = nextId("flt");
    filterGroup.append(
      h(
        "span",
        { class: "seg" },
        h("input", {
          type: "radio",
          name: "filter",
          id,
          value: v,
          checked: L.filter === v,
          onchange: () => {
            L.filter = v;
            reset();
          },
        }),
        h("label", { for: id }, label),
      ),
    );
  }
  const searchId = nextId("search");
  const search = h("input", { type: "search", id: searchId, placeholder: "Filter by name", value: L.name, autocomplete: "off", maxlength: maxLength("query.name") });
  let searchTimer;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      L.name = search.value.trim();
      reset();
    }, 250);
  });
  const allId = nextId("all");
  const allToggle = admin
    ? h(
        "span",
        { class: "switch" },
        h("input", {
          type: "checkbox",
          role: "switch",
          id: allId,
          checked: L.all,
          onchange: (e) => {
            L.all = e.target.checked;
            reset();
          },
        }),
        h("label", { for: allId }, "All members' tokens"),
      )
    : null;

  const errorSlot = h("div", { class: "error-slot" });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "tokens", "aria-labelledby": headingId, "aria-busy": "true" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["Name", "Token", "Scope", "Created", "Last used", "Expires"].map((c) => h("th", { scope: "col" }, c)),
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")),
      ),
    ),
    tbody,
  );
  const pageInfo = h("span", { class: "page-info", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "btn", onclick: () => go(L.page - 1) }, "← Previous");
  const next = h("button", { type: "button", class: "btn", onclick: () => go(L.page + 1) }, "Next →");
  const pager = h("nav", { class: "pager", "aria-label": "Pagination" }, prev, pageInfo, next);

  root.replaceChildren(
    h(
      "section",
      { class: "page" },
      h(
        "div",
        { class: "page-head" },
        h("div", {}, h("h1", { id: headingId, tabindex: "-1" }, "Access tokens"), h("p", { class: "lead" }, "Tokens grant access to the tokenkit API and to services that verify with it. Treat them like passwords.")),
        h("a", { class: "btn", href: "#/activity" }, "Account activity"),
        canCreate.allowed
          ? h("a", { class: "btn primary", href: "#/new" }, "Generate new token")
          : h("div", { class: "cannot" }, h("button", { type: "button", class: "btn primary", disabled: true, "aria-describedby": `${headingId}-cannot` }, "Generate new token"), h("p", { class: "hint", id: `${headingId}-cannot` }, "Your token's scope does not allow creating tokens: ", canCreate.reason)),
      ),
      h("div", { class: "toolbar" }, filterGroup, h("div", { class: "search" }, h("label", { for: searchId, class: "sr-only" }, "Filter by name"), search), allToggle),
      errorSlot,
      h("div", { class: "card table-card" }, table),
      pager,
    ),
  );

  function reset() {
    L.cursors = [null];
    L.page = 0;
    load();
  }
  function go(page) {
    if (page < 0 || page >= L.cursors.length) return;
    L.page = page;
    load();
  }

  let seq = 0;
  async function load() {
    const mine = ++seq;
    table.setAttribute("aria-busy", "true");
    errorSlot.replaceChildren();
    const query = { limit: PAGE_SIZE, cursor: L.cursors[L.page] ?? undefined, name: L.name || undefined };
    if (L.filter === "expired") query.expired = "true";
    if (L.filter === "soon") query.expiring_within_days = soonDays();
    if (L.filter === "revoked") query.revoked = "true";
    if (L.all && admin) query.all = "true";
    let body;
    try {
      body = (await api.list(query)).body;
    } catch (e) {
      if (mine !== seq) return;
      if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
      table.removeAttribute("aria-busy");
      tbody.replaceChildren();
      errorSlot.replaceChildren(errorBox(e, "Could not load the tokens."));
      return;
    }
    if (mine !== seq) return;
    if (L.all && admin) {
      try {
        await ctx.loadMembers();
      } catch (e) {
        return ctx.sessionEnded(e);
      }
      if (state.membersError) errorSlot.replaceChildren(errorBox(state.membersError, "Could not load the members' names; owners are shown by id."));
    }
    table.removeAttribute("aria-busy");
    L.cursors[L.page + 1] = body.next_cursor ?? undefined;
    if (body.next_cursor === null) L.cursors.length = L.page + 1;
    render(body.tokens);
    const from = L.page * PAGE_SIZE + 1;
    pageInfo.textContent = body.tokens.length ? `${from}–${from + body.tokens.length - 1}${body.next_cursor ? "" : ` of ${from + body.tokens.length - 1}`}` : "";
    prev.disabled = L.page === 0;
    next.disabled = !body.next_cursor;
    pager.hidden = L.page === 0 && !body.next_cursor;
  }

  /** A row button, disabled with the scope engine's reason when the session's token may not do it. */
  function action(t, verb, label, cls, onclick) {
    const d = verb === "rotate" ? mayRotate(tk, me, t) : mayManage(tk, me.scope, verb, { id: t.id, owner: t.ownerId });
    return h("button", { type: "button", class: cls, "aria-label": `${label} ${t.name}`, disabled: !d.allowed, title: d.allowed ? null : `Not allowed: ${d.reason}`, onclick }, label);
  }

  function render(tokens) {
    if (tokens.length === 0) {
      const what = L.filter === "revoked" ? "No revoked tokens." : L.filter === "expired" ? "No expired tokens." : L.filter === "soon" ? `No tokens expire in the next ${soonDays()} days.` : L.name ? "No tokens match that name." : "You have no tokens yet.";
      tbody.replaceChildren(h("tr", { class: "empty" }, h("td", { colspan: "7" }, what, " ", L.filter === "all" && !L.name ? h("a", { href: "#/new" }, "Generate one.") : null)));
      return;
    }
    tbody.replaceChildren(
      ...tokens.map((t) => {
        let summary;
        try {
          summary = tk.summarizeScope(t.scope);
        } catch (e) {
          summary = `unreadable scope (${e.code})`;
        }
        const self = t.id === me.id;
        const owner = L.all ? (state.members?.get(t.ownerId)?.name ?? t.ownerId.slice(0, 8)) : null;
        return h(
          "tr",
          { dataset: { id: t.id }, class: expiryState(t.expiresAt) === "expired" ? "is-expired" : "" },
          h(
            "td",
            { class: "name", dataset: { label: "Name" } },
            // A revoked token has no page of its own (GET answers 404): its name is plain text.
            h(t.revokedAt ? "span" : "a", { href: t.revokedAt ? null : `#/tokens/${encodeURIComponent(t.id)}`, class: "token-name" }, t.name || h("span", { class: "muted" }, `Untitled (${t.id.slice(0, 12)})`)),
            self ? h("span", { class: "badge info" }, "This session") : null,
            t.revokedAt ? revokedBadge(t) : null,
            DIALECT_LABEL[t.dialect] ? h("span", { class: "badge neutral", title: `Issued through the ${DIALECT_LABEL[t.dialect]} API` }, `via ${DIALECT_LABEL[t.dialect]}`) : null,
            t.description ? h("span", { class: "desc" }, t.description) : null,
            owner ? h("span", { class: "owner" }, "Owner: ", owner) : null,
            controlsSummary(t) ? h("span", { class: "controls-summary" }, controlsSummary(t)) : null,
          ),
          h("td", { class: "hint", dataset: { label: "Token" } }, h("code", {}, t.hint)),
          h("td", { class: "scope", dataset: { label: "Scope" }, title: summary }, h("span", { class: "summary" }, summary)),
          h("td", { dataset: { label: "Created" } }, timeEl(t.createdAt)),
          h("td", { dataset: { label: "Last used" } }, t.lastUsedAt ? h("time", { datetime: t.lastUsedAt, title: t.lastUsedAt }, relative(t.lastUsedAt)) : h("span", { class: "muted" }, "Never used")),
          expiryCell(t),
          t.revokedAt
            ? h("td", { class: "actions" }, h("span", { class: "muted" }, "Revoked "), timeEl(t.revokedAt, { rel: true }))
            : h(
                "td",
                { class: "actions" },
                h("a", { class: "btn small", href: `#/tokens/${encodeURIComponent(t.id)}`, "aria-label": `Edit ${t.name || t.id}` }, "Edit"),
                action(t, "rotate", "Rotate", "btn small", () => rotateDialog(ctx, t, { onDone: load })),
                action(t, "delete", "Revoke", "btn small danger-outline", () => revokeDialog(ctx, t, { onDone: load })),
              ),
        );
      }),
    );
  }

  await load();
}
