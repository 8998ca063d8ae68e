// A token's page: details, and an editor for name, description and scope. The page computes the
// JSON Patch, previews its result with the wasm applyPatch, checks it with the token patch policy
// (applyTokenPatch, the service's own check) and sends it with If-Match = the ETag it read.
// A 412 means someone changed the token meanwhile: the page offers to rebase the edits.
import { ApiError } from "./api.js";
import { expiryState, h, maxLength, nextId, timeEl } from "./format.js";
import { sameJson, tokenPatch } from "./patch.js";
import { ScopeEditor } from "./scope-editor.js";
import { ControlsEditor, controlsSummary as controlsSummaryOf } from "./controls.js";
import { rotateDialog, revokeDialog } from "./dialogs.js";
import { busy, clearFieldError, errorBox, fieldError } from "./ui.js";
import { mayManage, mayRotate, refusal } from "./manage.js";
import { historyCard } from "./history.js";

export async function editView(ctx, root, tokenId) {
  const { tk, api, state } = ctx;
  const me = state.me;
  root.replaceChildren(h("p", { class: "boot", role: "status" }, "Loading token…"));
  let base;
  let etag;
  try {
    const r = await api.get(tokenId);
    base = r.body;
    etag = r.etag;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
    root.replaceChildren(
      h("section", { class: "page narrow" }, h("nav", { class: "crumbs" }, h("a", { href: "#/" }, "Access tokens")), h("h1", { tabindex: "-1" }, "Token"), errorBox(e, "Could not load the token."), h("p", {}, h("a", { class: "btn", href: "#/" }, "Back to the list"))),
    );
    return;
  }

  const id = nextId("edit");
  const name = h("input", { id: `${id}-name`, type: "text", required: true, maxlength: maxLength("name"), autocomplete: "off" });
  const desc = h("textarea", { id: `${id}-desc`, rows: "2", maxlength: maxLength("description") });
  const scope = new ScopeEditor(tk, { callerScope: me.scope, onChange: () => refresh(), legend: "Scope" });
  const controls = new ControlsEditor(tk, { callerToken: me, base, onChange: () => refresh() });
  const patchPre = h("pre", { class: "code patch", tabindex: "0", "aria-label": "JSON Patch to send" });
  const afterEl = h("dl", { class: "after" });
  const afterH = h("h4", { class: "after-h", hidden: true }, "After saving (previewed with the wasm applyPatch)");
  const changes = h("section", { class: "changes", "aria-labelledby": `${id}-ch` }, h("h3", { id: `${id}-ch` }, "Changes"), h("p", { class: "change-count", "aria-live": "polite" }), patchPre, afterH, afterEl);
  const formError = h("div", { class: "error-slot" });
  const save = h("button", { type: "submit", class: "btn primary" }, "Save changes");
  const details = h("dl", { class: "details" });
  const title = h("h1", { tabindex: "-1" });
  const crumb = h("span", { "aria-current": "page" });
  name.addEventListener("input", () => refresh());
  desc.addEventListener("input", () => refresh());

  let ops = [];
  let localError = null;
  const may = (verb) => (verb === "rotate" ? mayRotate(tk, me, base) : mayManage(tk, me.scope, verb, { id: base.id, owner: base.ownerId }));

  function fill(token) {
    name.value = token.name;
    desc.value = token.description ?? "";
    scope.set(token.scope);
    controls.set(token);
  }

  const lead = h("p", { class: "lead" });
  function showDetails() {
    title.textContent = base.name;
    document.title = `${base.name} · tokenkit`;
    lead.textContent = base.description ?? "Edit the name, description, scope and conditions of use. The secret and expiry cannot be changed here.";
    crumb.textContent = base.name;
    const exp = expiryState(base.expiresAt);
    const row = (k, ...v) => [h("dt", {}, k), h("dd", {}, ...v)];
    details.replaceChildren(
      ...row("Token", h("code", {}, base.hint)),
      ...row("Status", base.disabledAt ? h("span", { class: "badge bad status-disabled" }, "Disabled") : h("span", { class: "badge ok status-active" }, "Active"), base.disabledAt ? [" since ", timeEl(base.disabledAt, { withTime: true, rel: true })] : null),
      ...row("ID", h("code", { class: "id" }, base.id)),
      ...row("Created", timeEl(base.createdAt, { withTime: true })),
      ...row("Updated", timeEl(base.updatedAt, { withTime: true })),
      ...row("Last used", base.lastUsedAt ? timeEl(base.lastUsedAt, { withTime: true, rel: true }) : h("span", { class: "muted" }, "Never used")),
      ...row(
        "Expires",
        base.expiresAt ? timeEl(base.expiresAt, { withTime: true, rel: true }) : h("span", { class: "muted" }, "Never"),
        exp === "expired" ? h("span", { class: "badge bad" }, "Expired") : exp === "soon" ? h("span", { class: "badge warn" }, "Expires soon") : null,
      ),
      ...row("Remaining uses", base.remaining === null ? h("span", { class: "muted" }, "Unlimited") : h("span", { class: "remaining" }, String(base.remaining), base.refill ? ` (refilled to ${base.refill.amount} ${base.refill.interval})` : "")),
      ...row("Rate limit", base.rateLimit ? h("span", { class: "rate-limit" }, `${base.rateLimit.limit} per ${base.rateLimit.periodSeconds} s`) : h("span", { class: "muted" }, "None")),
      ...row("Allowed IPs", base.allowedIps ? h("span", { class: "allowed-ips" }, base.allowedIps.join(", ")) : h("span", { class: "muted" }, "Anywhere")),
      ...row("Not before", base.notBefore ? timeEl(base.notBefore, { withTime: true, rel: true }) : h("span", { class: "muted" }, "At once")),
      ...row("Version", h("span", { class: "version" }, String(base.version))),
    );
  }

  function edits() {
    return { name: name.value.trim(), description: desc.value.trim() || null, scope: scope.value.normal, conditions: controls.value.input };
  }

  function refresh() {
    localError = null;
    if (!scope.value.normal) {
      ops = [];
      localError = scope.value.error;
    } else if (controls.value.error || !controls.value.coverage.covered) {
      ops = [];
      localError = controls.value.error ?? { name: "TokenkitError", code: "conditions_not_covered", message: controls.value.coverage.reason, path: controls.value.coverage.field };
    } else {
      ops = tokenPatch(base, edits());
    }
    patchPre.textContent = ops.length ? `[\n${ops.map((o) => `  ${JSON.stringify(o)}`).join(",\n")}\n]` : "[]";
    changes.querySelector(".change-count").textContent = ops.length === 0 ? "No changes yet." : `${ops.length} operation${ops.length === 1 ? "" : "s"} will be sent as a JSON Patch:`;
    patchPre.hidden = ops.length === 0;
    afterEl.replaceChildren();
    afterH.hidden = true;
    if (ops.length) {
      try {
        const after = tk.applyPatch(base, ops);
        // The service's own policy check, locally: immutable fields, scope coverage, lengths.
        tk.applyTokenPatch("tokenkit", JSON.stringify(base), JSON.stringify(ops), { now: Date.now(), callerScope: me.scope });
        afterH.hidden = false;
        afterEl.replaceChildren(
          h("dt", {}, "Name"),
          h("dd", { class: "after-name" }, after.name),
          h("dt", {}, "Description"),
          h("dd", {}, after.description ?? h("span", { class: "muted" }, "none")),
          h("dt", {}, "Scope"),
          h("dd", { class: "after-scope" }, tk.summarizeScope(after.scope)),
          h("dt", {}, "Conditions"),
          h("dd", { class: "after-controls" }, controlsSummaryOf(after) || h("span", { class: "muted" }, "none")),
        );
      } catch (e) {
        localError = e;
        afterEl.replaceChildren(h("div", { class: "field-error" }, e.message, e.path ? ` (at ${e.path}) ` : " ", h("code", { class: "err-code" }, e.code)));
      }
    }
    const update = may("update");
    if (ops.length && !localError && !update.allowed) localError = refusal("changing this token", update);
    save.setAttribute("aria-disabled", String(ops.length === 0 || Boolean(localError)));
  }

  const canUpdate = may("update");
  const form = h(
    "form",
    { class: "card form", novalidate: true },
    canUpdate.allowed ? null : errorBox(refusal("changing this token", canUpdate), "You cannot change this token with this session."),
    h("div", { class: "field" }, h("label", { for: `${id}-name` }, "Name"), name),
    h("div", { class: "field" }, h("label", { for: `${id}-desc` }, "Description ", h("span", { class: "optional" }, "(optional)")), desc),
    scope.el,
    controls.el,
    changes,
    formError,
    h("div", { class: "form-actions" }, save, h("a", { class: "btn", href: "#/" }, "Back to the list")),
  );

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    formError.replaceChildren();
    clearFieldError(name);
    clearFieldError(desc);
    if (!name.value.trim()) {
      fieldError(name, { name: "TokenkitError", message: "the name must not be empty", code: "invalid_field" });
      return name.focus();
    }
    if (ops.length === 0) return formError.replaceChildren(h("p", { class: "alert info", role: "status" }, "Nothing to save: change a field first."));
    if (localError) return formError.replaceChildren(errorBox(localError, "This change would be refused."));
    busy(save, async () => {
      try {
        const r = await api.patch(base.id, ops, etag);
        base = r.body;
        etag = r.etag;
        showDetails();
        refresh();
        formError.replaceChildren(h("p", { class: "alert ok", role: "status" }, `Saved. The token is now at version ${base.version}.`));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
        if (e instanceof ApiError && e.status === 412) return conflict(e);
        const head = String(e.field ?? "")
          .replace(/^\//, "")
          .split(/[.[/]/)[0];
        if (head === "name") fieldError(name, e);
        else if (head === "description") fieldError(desc, e);
        else if (head === "scope") scope.showServerError(e);
        else if (["notBefore", "allowedIps", "remaining", "refill", "rateLimit"].includes(head)) controls.showServerError(e);
        const headline = e.status === 422 ? "The service refused a value (422): nothing was changed." : e.status === 403 ? "Not allowed (403): nothing was changed." : "Could not save.";
        formError.replaceChildren(errorBox(e, headline));
      }
    });
  });

  function guarded(verb, cls, label, onclick) {
    const d = may(verb);
    return h("button", { type: "button", class: cls, disabled: !d.allowed, title: d.allowed ? null : `Not allowed: ${d.reason}`, onclick }, label);
  }

  function conflict(e) {
    const reload = h(
      "button",
      {
        type: "button",
        class: "btn",
        onclick: () =>
          busy(reload, async () => {
            // Three-way: keep only what the user changed relative to the version they opened.
            const mine = edits();
            const opened = base;
            try {
              const r = await api.get(base.id);
              base = r.body;
              etag = r.etag;
            } catch (err) {
              if (err instanceof ApiError && err.status === 401) return ctx.sessionEnded(err);
              return formError.replaceChildren(errorBox(err, "Could not load the latest version."));
            }
            showDetails();
            fill(base);
            const kept = [];
            if (mine.name !== opened.name) (name.value = mine.name), kept.push("name");
            if (mine.description !== (opened.description ?? null)) (desc.value = mine.description ?? ""), kept.push("description");
            if (mine.scope && !sameJson(mine.scope, opened.scope)) scope.set(mine.scope), kept.push("scope");
            refresh();
            formError.replaceChildren(
              h("p", { class: "alert info", role: "status" }, `Loaded version ${base.version}. Your changes to ${kept.length ? kept.join(", ") : "nothing"} are kept on top of it; review the patch below and save again.`),
            );
          }),
      },
      "Load the latest version and keep my edits",
    );
    const box = errorBox(e, "Someone else changed this token since you opened it.");
    box.querySelector("div").append(h("p", {}, "Nothing was saved. The service refused the change because the version you edited (", h("code", {}, etag), ") is no longer current."), reload);
    formError.replaceChildren(box);
    reload.focus();
  }

  root.replaceChildren(
    h(
      "section",
      { class: "page" },
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Access tokens"), h("span", { "aria-hidden": "true" }, " / "), crumb),
      h(
        "div",
        { class: "page-head" },
        h("div", {}, title, base.id === me.id ? h("span", { class: "badge info" }, "This session") : null, lead),
      ),
      h(
        "div",
        { class: "split" },
        form,
        h(
          "aside",
          { class: "side" },
          h("div", { class: "card" }, h("h2", {}, "Details"), details),
          historyCard(ctx, base.id),
          h(
            "div",
            { class: "card danger-zone" },
            h("h2", {}, "Danger zone"),
            h("div", { class: "dz-row" }, h("div", {}, h("strong", {}, "Rotate secret"), h("p", { class: "hint" }, "Issue a new secret; the old one can keep working for a while.")), guarded("rotate", "btn", "Rotate", () => rotateDialog(ctx, base, { onDone: () => ctx.navigate(location.hash) }))),
            h(
              "div",
              { class: "dz-row" },
              h("div", {}, h("strong", {}, base.disabledAt ? "Enable token" : "Disable token"), h("p", { class: "hint" }, base.disabledAt ? "It works again as it was: same secret, expiry and scope." : "Pause it everywhere (401 disabled) without losing it; enable it again later.")),
              guarded("update", "btn", base.disabledAt ? "Enable" : "Disable", (ev) =>
                busy(ev.currentTarget, async () => {
                  try {
                    await (base.disabledAt ? api.enable(base.id) : api.disable(base.id));
                    ctx.toast(base.disabledAt ? "Token enabled." : "Token disabled.");
                    ctx.navigate(location.hash);
                  } catch (e) {
                    if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
                    formError.replaceChildren(errorBox(e, "Could not change the token's status."));
                  }
                }),
              ),
            ),
            h("div", { class: "dz-row" }, h("div", {}, h("strong", {}, "Revoke token"), h("p", { class: "hint" }, "Stops it working everywhere, at once.")), guarded("delete", "btn danger", "Revoke", () => revokeDialog(ctx, base, { onDone: () => ctx.navigate("#/") }))),
          ),
        ),
      ),
    ),
  );
  fill(base);
  showDetails();
  refresh();
}
