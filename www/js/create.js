// "Generate new token": name, description, lifetime (previewed by the wasm expiresAt), scope
// (validated, covered by the caller's own scope, tried against requests). What the service would
// refuse is refused here first, with the same wasm code; what it still refuses is shown by its field.
import { ApiError } from "./api.js";
import { h, maxLength, nextId } from "./format.js";
import { LifetimePicker } from "./lifetime.js";
import { ScopeEditor } from "./scope-editor.js";
import { ControlsEditor } from "./controls.js";
import { showSecret } from "./dialogs.js";
import { busy, clearFieldError, errorBox, fieldError } from "./ui.js";
import { mayManage, refusal } from "./manage.js";

export function createView(ctx, root) {
  const { tk, api, state } = ctx;
  const me = state.me;
  const id = nextId("new");
  const name = h("input", { id: `${id}-name`, type: "text", required: true, maxlength: maxLength("name"), autocomplete: "off", placeholder: "e.g. CI deploys", "aria-describedby": `${id}-name-hint` });
  const desc = h("textarea", { id: `${id}-desc`, rows: "2", maxlength: maxLength("description"), placeholder: "What is this token for?" });
  const formError = h("div", { class: "error-slot" });
  const submit = h("button", { type: "submit", class: "btn primary" }, "Generate token");

  const lifetime = new LifetimePicker(tk, { issuerExpiresAt: me.expiresAt, onChange: () => ready() });
  const scope = new ScopeEditor(tk, { callerScope: me.scope, onChange: () => ready(), legend: "Scope" });
  // A sensible start in the caller's own language (a narrower token can issue only its own).
  if (me.scope.language !== "policy") scope.set(starter(me.scope));
  // Conditions of use: an empty field is the caller's own (the service's grant rule).
  const controls = new ControlsEditor(tk, { callerToken: me, inherit: true, onChange: () => ready() });

  // The service checks the caller's own scope first (403 insufficient_scope): so does the page.
  const canCreate = mayManage(tk, me.scope, "create", { id: tk.ruleDefaults().newId, owner: me.ownerId });
  const cannot = canCreate.allowed ? null : errorBox(refusal("creating tokens", canCreate), "You cannot create tokens with this session.");

  function ready() {
    const blocked = !canCreate.allowed || Boolean(lifetime.value.error) || !scope.value.normal || !scope.value.coverage?.covered || Boolean(controls?.value.error) || controls?.value.coverage.covered === false;
    submit.setAttribute("aria-disabled", String(blocked));
    return !blocked;
  }

  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": `${id}-h` },
    h(
      "div",
      { class: "field" },
      h("label", { for: `${id}-name` }, "Name"),
      name,
      h("span", { class: "hint", id: `${id}-name-hint` }, `What is this token for? Shown in the list; up to ${maxLength("name")} characters.`),
    ),
    h("div", { class: "field" }, h("label", { for: `${id}-desc` }, "Description ", h("span", { class: "optional" }, "(optional)")), desc),
    lifetime.el,
    scope.el,
    controls.el,
    formError,
    h("div", { class: "form-actions" }, submit, h("a", { class: "btn", href: "#/" }, "Cancel")),
  );

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    formError.replaceChildren();
    clearFieldError(name);
    if (!canCreate.allowed) return formError.replaceChildren(errorBox(refusal("creating tokens", canCreate), "Not sent."));
    if (!name.value.trim()) {
      fieldError(name, { name: "TokenkitError", message: "give the token a name", code: "invalid_field" });
      return name.focus();
    }
    if (lifetime.value.error) return lifetime.kind.focus();
    if (!scope.value.normal || !scope.value.coverage?.covered) {
      formError.replaceChildren(
        errorBox(
          scope.value.normal
            ? { name: "TokenkitError", code: "scope_not_covered", message: `the scope is broader than your own token's: ${scope.value.coverage.reason}` }
            : scope.value.error,
          "Fix the scope first.",
        ),
      );
      return scope.el.querySelector("input:checked")?.focus();
    }
    if (controls.value.error || !controls.value.coverage.covered) {
      controls.el.querySelector("input, textarea")?.focus();
      return formError.replaceChildren(errorBox(controls.value.error ?? { name: "TokenkitError", code: "conditions_not_covered", message: controls.value.coverage.reason }, "Fix the conditions of use first."));
    }
    const body = { name: name.value.trim(), lifetime: lifetime.value.lifetime, scope: scope.value.normal, ...controls.value.input };
    if (desc.value.trim()) body.description = desc.value.trim();
    busy(submit, async () => {
      try {
        const r = await api.create(body);
        lifetime.destroy();
        showSecret({ title: "Token created", token: r.body.token, secret: r.body.secret, onClose: () => {
            ctx.toast(`Created “${r.body.token.name}”. Its secret is no longer shown.`);
            ctx.navigate("#/");
          },
        });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
        const head = String(e.field ?? "").split(/[.[/]/)[0];
        if (head === "name") fieldError(name, e), name.focus();
        else if (head === "description") fieldError(desc, e), desc.focus();
        else if (head === "lifetime") fieldError(lifetime.kind, e), lifetime.kind.focus();
        else if (head === "scope") scope.showServerError(e);
        else if (["notBefore", "allowedIps", "remaining", "refill", "rateLimit"].includes(head)) controls.showServerError(e);
        formError.replaceChildren(errorBox(e, "The service refused to create the token."));
      }
    });
  });

  root.replaceChildren(
    h(
      "section",
      { class: "page narrow" },
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "Access tokens"), h("span", { "aria-hidden": "true" }, " / "), h("span", { "aria-current": "page" }, "New")),
      h("div", { class: "page-head" }, h("div", {}, h("h1", { id: `${id}-h`, tabindex: "-1" }, "Generate new token"), h("p", { class: "lead" }, "A token can do at most what the token you are signed in with can do, and cannot outlive it."))),
      cannot,
      form,
    ),
  );
  ready();
  return { destroy: () => lifetime.destroy() };
}

/** A starting scope in the caller's language that the caller surely covers. */
function starter(scope) {
  switch (scope.language) {
    case "privileges":
      return { language: "privileges", privileges: scope.privileges.slice(0, 1) };
    case "names":
      return { language: "names", scopes: scope.scopes === null ? [] : scope.scopes.slice(0, 1) };
    case "s2":
      return { language: "s2", ops: [] };
    default:
      return scope;
  }
}
