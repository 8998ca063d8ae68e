// The three dialogs: the new secret (shown once), rotate with a grace period, revoke.
import { ApiError } from "./api.js";
import { formatDateTime, h, nextId, relative } from "./format.js";
import { busy, closeDialog, errorBox, openDialog } from "./ui.js";

/**
 * Shows a new secret exactly once. The value exists only in this dialog's DOM; closing the
 * dialog empties and removes it. `note` is an extra line (e.g. the old secret's grace).
 */
export function showSecret({ title, token, secret, note, onClose, warning, label }) {
  const id = nextId("secret");
  const field = h("input", { id, class: "secret mono", type: "text", readonly: true, value: secret, spellcheck: "false", autocomplete: "off", "aria-describedby": `${id}-warn` });
  const status = h("span", { class: "copy-status", role: "status", "aria-live": "polite" });
  const copy = h(
    "button",
    {
      type: "button",
      class: "btn",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(field.value);
          copy.textContent = "Copied";
          copy.classList.add("done");
          status.textContent = "Copied to the clipboard.";
        } catch {
          field.focus();
          field.select();
          status.textContent = "The browser did not allow copying: the token is selected, press Ctrl+C (⌘C).";
        }
      },
    },
    "Copy",
  );
  field.addEventListener("focus", () => field.select());
  openDialog({
    title,
    className: "secret-dialog",
    body: [
      h(
        "div",
        { class: "alert warn", id: `${id}-warn` },
        h("span", { class: "alert-icon", "aria-hidden": "true" }, "!"),
        warning ?? h("div", {}, h("strong", {}, "Copy your new token now. "), "You won't be able to see it again: tokenkit stores only a digest of it, and this page does not keep it."),
      ),
      h("label", { for: id, class: "label" }, label ?? `Secret for “${token.name}”`),
      h("div", { class: "secret-row" }, field, copy),
      status,
      note ? h("p", { class: "hint" }, note) : null,
    ],
    actions: [h("button", { class: "btn primary", value: "done" }, "I have copied it")],
    onClose,
  });
  field.focus();
}

const GRACES = [
  ["now", "Now", "The current secret stops working immediately."],
  ["PT1H", "1 hour", null],
  ["PT24H", "24 hours", null],
  ["P7D", "7 days", null],
  ["custom", "Custom", null],
];
const UNITS = [
  ["seconds", 1],
  ["minutes", 60],
  ["hours", 3600],
  ["days", 86400],
];

/** Rotate: choose how long the current secret keeps working, then show the new one once. */
export function rotateDialog(ctx, token, { onDone } = {}) {
  const { tk, api } = ctx;
  const id = nextId("rot");
  const group = h("div", { class: "radios", role: "radiogroup", "aria-labelledby": `${id}-legend` });
  for (const [v, label] of GRACES) {
    const rid = `${id}-${v}`;
    group.append(h("span", { class: "radio" }, h("input", { type: "radio", name: `${id}-grace`, id: rid, value: v, checked: v === "PT24H", onchange: () => update() }), h("label", { for: rid }, label)));
  }
  const amount = h("input", { type: "number", id: `${id}-amount`, min: "1", step: "1", value: "30", inputmode: "numeric", oninput: () => update() });
  const unit = h("select", { id: `${id}-unit`, "aria-label": "Grace period unit", onchange: () => update() });
  for (const [u] of UNITS) unit.append(h("option", { value: u }, u));
  unit.value = "minutes";
  const customRow = h("div", { class: "inline", hidden: true }, h("label", { for: `${id}-amount`, class: "sr-only" }, "Custom grace period"), amount, unit);
  const preview = h("p", { class: "lifetime-preview", "aria-live": "polite" });
  const errorSlot = h("div", { class: "error-slot" });
  let grace = "PT24H";
  let graceError = null;

  const update = () => {
    const v = group.querySelector("input:checked").value;
    customRow.hidden = v !== "custom";
    graceError = null;
    if (v === "custom") {
      const n = Number(amount.value);
      grace = Number.isInteger(n) && n > 0 ? n * UNITS.find(([u]) => u === unit.value)[1] : null;
      if (grace === null) graceError = "the grace period must be a whole number above 0";
    } else grace = v;
    amount.toggleAttribute("aria-invalid", Boolean(graceError));
    if (graceError) return preview.replaceChildren(h("span", { class: "field-error" }, graceError, " ", h("code", { class: "err-code" }, "invalid_ttl")));
    if (grace === "now") return preview.replaceChildren("The current secret stops working as soon as you rotate.");
    try {
      const ms = tk.rotationGrace(grace, token.expiresAt, Date.now()).until;
      const until = new Date(ms).toISOString();
      preview.replaceChildren(
        "The current secret keeps working until ",
        h("time", { datetime: until, class: "grace-preview", title: until }, formatDateTime(until)),
        ` (${relative(until)})`,
        token.expiresAt && until === token.expiresAt ? ", when the token itself expires." : ".",
      );
    } catch (e) {
      graceError = e.message;
      preview.replaceChildren(h("span", { class: "field-error" }, e.message, " ", h("code", { class: "err-code" }, e.code)));
    }
  };

  const self = token.id === ctx.state.me.id;
  const go = h(
    "button",
    {
      type: "button",
      class: "btn primary",
      onclick: () =>
        busy(go, async () => {
          if (graceError) return amount.focus();
          errorSlot.replaceChildren();
          try {
            const r = await api.rotate(token.id, grace);
            const { token: t, secret, previous_expires_at: prev } = r.body;
            if (self) ctx.replaceSessionToken(secret);
            closeDialog();
            showSecret({
              title: "Token rotated",
              token: t,
              secret,
              note: prev ? `The previous secret keeps working until ${formatDateTime(prev)} (${relative(prev)}).` : "The previous secret no longer works.",
              onClose: onDone,
            });
          } catch (e) {
            if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
            errorSlot.replaceChildren(errorBox(e, "Could not rotate the token."));
            if (e instanceof ApiError && e.status === 404) {
              errorSlot.append(h("p", { class: "hint" }, "It may have been revoked elsewhere (another tab or an admin). The list behind this dialog has been refreshed."));
              onDone?.();
            }
          }
        }),
    },
    "Rotate token",
  );
  openDialog({
    title: `Rotate “${token.name}”`,
    body: [
      h("p", {}, "Rotating issues a new secret for this token; name, scope and expiry stay the same. Choose how long the current secret keeps working so you can update the places that use it."),
      self ? h("p", { class: "alert info" }, "This is the token you are signed in with; this page will switch to the new secret.") : null,
      h("p", { class: "label", id: `${id}-legend` }, "Current secret keeps working for"),
      group,
      customRow,
      preview,
      errorSlot,
    ],
    actions: [h("button", { class: "btn", value: "cancel" }, "Cancel"), go],
  });
  update();
}

/**
 * A confirmation of something that cannot be undone: `label` runs `run()` (which closes the
 * dialog once the service agreed). A 401 ends the session; any other failure is shown in the
 * dialog under `failText` and handed to `onError(e, slot)`.
 */
export function confirmDanger(ctx, { title, body, label, run, failText, onError }) {
  const slot = h("div", { class: "error-slot" });
  const go = h(
    "button",
    {
      type: "button",
      class: "btn danger",
      onclick: () =>
        busy(go, async () => {
          slot.replaceChildren();
          try {
            await run();
          } catch (e) {
            if (e instanceof ApiError && e.status === 401) return ctx.sessionEnded(e);
            slot.replaceChildren(errorBox(e, failText));
            onError?.(e, slot);
          }
        }),
    },
    label,
  );
  openDialog({ title, className: "danger-dialog", body: [...body, slot], actions: [h("button", { class: "btn", value: "cancel", autofocus: true }, "Cancel"), go] });
}

/** Revoke with a confirmation that names the token. */
export function revokeDialog(ctx, token, { onDone } = {}) {
  const self = token.id === ctx.state.me.id;
  confirmDanger(ctx, {
    title: `Revoke “${token.name}”?`,
    body: [
      h("p", {}, "Any application or script using ", h("strong", {}, token.name), " (", h("code", {}, token.hint), ") will lose access immediately. This cannot be undone."),
      self ? h("p", { class: "alert warn" }, "This is the token you are signed in with: you will be signed out.") : null,
    ],
    label: `Revoke “${token.name}”`,
    failText: "Could not revoke the token.",
    run: async () => {
      await ctx.api.revoke(token.id);
      closeDialog();
      if (self) return ctx.signOut(`You revoked “${token.name}”, the token you were signed in with.`);
      ctx.toast(`Revoked “${token.name}”.`);
      onDone?.();
    },
    onError: (e, slot) => {
      if (e instanceof ApiError && e.status === 404) {
        slot.append(h("p", { class: "hint" }, "It may have been revoked elsewhere (another tab or an admin). The list behind this dialog has been refreshed."));
        onDone?.();
      }
    },
  });
}

