// The account's webhook endpoints: create one (its signing secret shown once), list them, delete
// one, and see an endpoint's recent deliveries. Who may (owners and admins), the events and the
// URL limit are the core's (the package's webhook rules), as the service has them.
import { ApiError } from "./api.js";
import { h, maxLength, nextId, timeEl } from "./format.js";
import { confirmDanger, showSecret } from "./dialogs.js";
import { busy, clearFieldError, closeDialog, errorBox, fieldError } from "./ui.js";

/** {allowed, reason}: may the signed-in token manage its account's webhooks? The core's rule. */
export function mayManageWebhooks(tk, me) {
  try {
    tk.requireManageWebhooks(me.role, me.root === true, true);
    return { allowed: true };
  } catch (e) {
    return { allowed: false, reason: e.message };
  }
}

const STATUS_BADGE = { delivered: "ok", pending: "warn", failed: "bad" };

export async function webhooksView(ctx, root) {
  const { tk, api, state } = ctx;
  const me = state.me;
  const headingId = nextId("webhooks");
  const head = h(
    "div",
    { class: "page-head" },
    h("div", {}, h("h1", { id: headingId, tabindex: "-1" }, "Webhooks"), h("p", { class: "lead" }, "tokenkit POSTs signed events to these URLs: tokens about to expire (30, 7 and 1 days before), leaked or reused tokens.")),
    h("a", { class: "btn", href: "#/" }, "← Access tokens"),
  );
  const may = mayManageWebhooks(tk, me);
  if (!may.allowed) {
    root.replaceChildren(h("section", { class: "page" }, head, errorBox({ name: "TokenkitError", code: "forbidden", message: may.reason }, "You cannot manage webhooks.")));
    return;
  }
  const account = me.accountId;
  const errorSlot = h("div", { class: "error-slot" });
  const listSlot = h("div", { class: "card table-card" });
  const deliveriesSlot = h("div", { class: "deliveries-slot" });

  // ---- the creation form
  const id = nextId("hook");
  const url = h("input", { id: `${id}-url`, type: "url", class: "mono", required: true, placeholder: "https://example.com/tokenkit-events", maxlength: maxLength("url"), autocomplete: "off", spellcheck: "false" });
  const events = tk.webhookRules().events;
  const boxes = events.map((e) => h("input", { type: "checkbox", id: `${id}-ev-${e.replace(/\W/g, "-")}`, value: e, checked: e === "token.expiring" }));
  const eventsGroup = h(
    "fieldset",
    { class: "field events", id: `${id}-events`, tabindex: "-1" },
    h("legend", { class: "label" }, "Events"),
    ...boxes.map((b) => h("span", { class: "check" }, b, h("label", { for: b.id }, h("code", {}, b.value)))),
  );
  const submit = h("button", { type: "submit", class: "btn primary" }, "Add endpoint");
  const form = h(
    "form",
    { class: "card webhook-form", novalidate: true, "aria-label": "Add a webhook endpoint" },
    h("h2", {}, "Add an endpoint"),
    h("div", { class: "field" }, h("label", { for: url.id }, "Endpoint URL"), url, h("span", { class: "hint" }, "https:// only (a local service also accepts http:// to 127.0.0.1 or localhost).")),
    eventsGroup,
    submit,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearFieldError(url);
    clearFieldError(eventsGroup);
    errorSlot.replaceChildren();
    let picked;
    try {
      picked = tk.checkWebhookEvents(boxes.filter((b) => b.checked).map((b) => b.value));
    } catch (e) {
      fieldError(eventsGroup, e);
      return eventsGroup.focus();
    }
    busy(submit, async () => {
      try {
        const r = await api.createWebhook(account, { url: url.value.trim(), events: picked });
        url.value = "";
        await loadList();
        showSecret({
          title: "Webhook endpoint added",
          token: { name: r.body.webhook.url },
          secret: r.body.secret,
          label: `Signing secret for ${r.body.webhook.url}`,
          warning: h("div", {}, h("strong", {}, "Copy the signing secret now. "), "Your receiver needs it to verify the Tokenkit-Signature header of each delivery. You won't be able to see it again: tokenkit keeps it encrypted, only to sign, and this page does not keep it."),
        });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
        if (e instanceof ApiError && e.field === "url") {
          fieldError(url, e);
          return url.focus();
        }
        if (e instanceof ApiError && e.field === "events") return fieldError(eventsGroup, e);
        errorSlot.replaceChildren(errorBox(e, "Could not add the endpoint."));
      }
    });
  });

  // ---- the list
  async function loadList() {
    let r;
    try {
      r = await api.webhooks(account);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
      listSlot.replaceChildren(errorBox(e, "Could not load the endpoints."));
      return;
    }
    const hooks = r.body.webhooks;
    const tbody = h(
      "tbody",
      {},
      hooks.length === 0
        ? h("tr", { class: "empty" }, h("td", { colspan: "5" }, "No endpoints yet."))
        : hooks.map((w) =>
            h(
              "tr",
              { dataset: { webhook: w.id } },
              h("td", { class: "mono wrap" }, w.url),
              h("td", {}, w.events.map((e) => h("code", { class: "event" }, e))),
              h("td", {}, h("code", {}, w.secretHint)),
              h("td", {}, timeEl(w.createdAt, { rel: true })),
              h(
                "td",
                { class: "actions" },
                h("button", { type: "button", class: "btn small", onclick: () => showDeliveries(w) }, "Deliveries"),
                h("button", { type: "button", class: "btn small danger", onclick: () => deleteDialog(w) }, "Delete"),
              ),
            ),
          ),
    );
    listSlot.replaceChildren(
      h(
        "table",
        { class: "tokens webhooks" },
        h("caption", { class: "sr-only" }, "Webhook endpoints"),
        h("thead", {}, h("tr", {}, ...["URL", "Events", "Signing secret", "Added"].map((c) => h("th", { scope: "col" }, c)), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions")))),
        tbody,
      ),
    );
  }

  // ---- an endpoint's deliveries
  async function showDeliveries(w) {
    let r;
    try {
      r = await api.deliveries(account, w.id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
      deliveriesSlot.replaceChildren(errorBox(e, "Could not load the deliveries."));
      return;
    }
    const list = r.body.deliveries;
    deliveriesSlot.replaceChildren(
      h(
        "section",
        { class: "deliveries", "aria-label": `Deliveries to ${w.url}` },
        h("h2", {}, "Recent deliveries to ", h("span", { class: "mono" }, w.url)),
        h(
          "div",
          { class: "card table-card" },
          h(
            "table",
            { class: "tokens deliveries" },
            h("thead", {}, h("tr", {}, ...["Event", "Status", "Attempts", "Last answer", "Last attempt", "Next attempt"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              list.length === 0
                ? h("tr", { class: "empty" }, h("td", { colspan: "6" }, "No deliveries yet."))
                : list.map((d) =>
                    h(
                      "tr",
                      { dataset: { delivery: String(d.id) } },
                      h("td", {}, h("code", {}, d.event.type), h("br"), h("span", { class: "muted mono" }, d.event.id)),
                      h("td", {}, h("span", { class: `badge ${STATUS_BADGE[d.status]}` }, d.status)),
                      h("td", {}, String(d.attempts)),
                      h("td", {}, d.lastStatus === null ? (d.lastError ?? "—") : `HTTP ${d.lastStatus}`),
                      h("td", {}, d.lastAttemptAt ? timeEl(d.lastAttemptAt, { withTime: true }) : "—"),
                      h("td", {}, d.nextAttemptAt ? timeEl(d.nextAttemptAt, { withTime: true, rel: true }) : "—"),
                    ),
                  ),
            ),
          ),
        ),
      ),
    );
  }

  function deleteDialog(w) {
    confirmDanger(ctx, {
      title: "Delete this webhook endpoint?",
      body: [h("p", {}, "tokenkit stops sending events to ", h("code", {}, w.url), " and forgets its deliveries. This cannot be undone.")],
      label: "Delete endpoint",
      failText: "Could not delete the endpoint.",
      run: async () => {
        await api.deleteWebhook(account, w.id);
        closeDialog();
        ctx.toast(`Deleted the endpoint ${w.url}.`);
        deliveriesSlot.replaceChildren();
        await loadList();
      },
    });
  }

  root.replaceChildren(h("section", { class: "page" }, head, errorSlot, form, h("h2", {}, "Endpoints"), listSlot, deliveriesSlot));
  await loadList();
}
