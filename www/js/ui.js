// Shared page pieces: error boxes and field errors (every API error is shown next to its cause,
// with its code), the one modal <dialog>, and the toast.
import { describeError } from "./api.js";
import { h, nextId } from "./format.js";

/** An alert box for an error: the words, the code, the HTTP status. */
export function errorBox(e, lead) {
  const d = describeError(e);
  return h(
    "div",
    { class: "alert error", role: "alert" },
    h("span", { class: "alert-icon", "aria-hidden": "true" }, "!"),
    h(
      "div",
      {},
      lead ? h("strong", {}, lead, " ") : null,
      h("span", { class: "msg" }, capital(d.text)),
      h("span", { class: "codes" }, h("code", { class: "err-code" }, d.code), d.status ? h("span", { class: "status" }, `HTTP ${d.status}`) : null),
    ),
  );
}

const capital = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** Puts an error right under `control` (aria-invalid + aria-describedby); returns the node. */
export function fieldError(control, e) {
  clearFieldError(control);
  const d = describeError(e);
  const id = nextId("err");
  const node = h("p", { class: "field-error", id, role: "alert", dataset: { for: control.id } }, capital(d.text), " ", h("code", { class: "err-code" }, d.code), d.status ? h("span", { class: "status" }, ` HTTP ${d.status}`) : null);
  control.setAttribute("aria-invalid", "true");
  control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
  (control.closest(".field") ?? control.parentElement).append(node);
  return node;
}

export function clearFieldError(control) {
  const field = control.closest(".field") ?? control.parentElement;
  for (const n of field.querySelectorAll(`.field-error[data-for="${CSS.escape(control.id)}"]`)) {
    const ids = (control.getAttribute("aria-describedby") ?? "").split(" ").filter((x) => x && x !== n.id);
    if (ids.length) control.setAttribute("aria-describedby", ids.join(" "));
    else control.removeAttribute("aria-describedby");
    n.remove();
  }
  control.removeAttribute("aria-invalid");
}

const dialog = () => document.getElementById("dialog");
let closeCurrent = null;

/**
 * Opens the modal dialog. `onClose` runs when it closes in any way (Escape too); the content is
 * then removed from the DOM (a secret shown in it does not linger). Cleanup is synchronous, so a
 * dialog opened right after another never receives the first one's (asynchronous) close event.
 */
export function openDialog({ title, body, actions = [], onClose, className = "" }) {
  closeCurrent?.();
  const d = dialog();
  d.className = className;
  d.replaceChildren(h("form", { method: "dialog", class: "dialog-inner" }, h("h2", { id: "dialog-title" }, title), h("div", { class: "dialog-body" }, ...body), h("div", { class: "dialog-actions" }, ...actions)));
  const opener = document.activeElement;
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    closeCurrent = null;
    d.removeEventListener("close", onEvent);
    for (const i of d.querySelectorAll("input, textarea")) i.value = "";
    d.replaceChildren();
    onClose?.();
    if (opener && opener.isConnected && !d.open) opener.focus();
  };
  const onEvent = () => {
    if (!d.open) cleanup();
  };
  d.addEventListener("close", onEvent);
  closeCurrent = () => {
    if (d.open) d.close();
    cleanup();
  };
  d.showModal();
  return d;
}

export const closeDialog = () => closeCurrent?.();

let toastTimer;
export function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove("show"), 5000);
}

/** A button that shows a spinner and stays disabled while `fn` runs. */
export async function busy(button, fn) {
  button.disabled = true;
  button.classList.add("busy");
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
  }
}
