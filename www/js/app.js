// tokenkit dashboard: sign in with a token (sessionStorage only), then manage tokens through
// tokenkit's own API (/tk/v1). Every rule the page previews — token format, expiry, scope
// decisions and coverage, patch policy — is computed by the same wasm core the service runs.
import init, * as tk from "/pkg/full/tokenkit.js";
import { Api, ApiError } from "./api.js";
import { h, nextId } from "./format.js";
import { listView } from "./list.js";
import { createView } from "./create.js";
import { editView } from "./edit.js";
import { activityView } from "./history.js";
import { mayManageWebhooks, webhooksView } from "./webhooks.js";
import { closeDialog, errorBox, fieldError, toast } from "./ui.js";

const KEY = "tokenkit.session";
const view = document.getElementById("view");
const who = document.getElementById("who");

const state = {
  token: null,
  me: null,
  members: null,
  list: { filter: "all", name: "", all: false, cursors: [null], page: 0 },
  signInNotice: null,
};
const api = new Api(() => state.token);
let current = null;

const ctx = {
  tk,
  api,
  state,
  toast,
  /** Goes to `hash`; renders again when the page is already there. */
  navigate(hash) {
    if (location.hash === hash || (hash === "#/" && location.hash === "")) render();
    else location.hash = hash;
  },
  /** The session's token stopped working (revoked, expired, rotated): back to sign-in, saying why. */
  sessionEnded(e) {
    endSession();
    state.signInNotice = e;
    render();
  },
  signOut(message) {
    endSession();
    state.signInNotice = message ? { message } : null;
    if (location.hash && location.hash !== "#/") history.replaceState(null, "", location.pathname);
    render();
  },
  /** After rotating the token this page is signed in with. */
  replaceSessionToken(secret) {
    state.token = secret;
    sessionStorage.setItem(KEY, secret);
  },
  async loadMembers() {
    if (state.members) return;
    try {
      const r = await api.members(state.me.accountId);
      state.members = new Map(r.body.members.map((m) => [m.id, m]));
      state.membersError = null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      // Not fatal (owners are then shown by id), but said: nothing fails silently.
      state.members = new Map();
      state.membersError = e;
    }
  },
};

function endSession() {
  closeDialog();
  sessionStorage.removeItem(KEY);
  state.token = null;
  state.me = null;
  state.members = null;
  state.list = { filter: "all", name: "", all: false, cursors: [null], page: 0 };
  who.hidden = true;
  who.replaceChildren();
}

function showWho() {
  const me = state.me;
  who.hidden = false;
  who.replaceChildren(
    h("span", { class: "who-text" }, h("span", { class: "muted" }, "Signed in with "), h("strong", {}, me.name), " ", h("code", { class: "who-hint" }, me.hint), " ", h("span", { class: "badge neutral" }, me.role)),
    mayManageWebhooks(tk, me).allowed ? h("a", { class: "btn small", id: "nav-webhooks", href: "#/webhooks" }, "Webhooks") : null,
    h("button", { type: "button", class: "btn small", id: "sign-out", onclick: () => ctx.signOut("You are signed out. The token was removed from this tab.") }, "Sign out"),
  );
}

/** Checks the token locally (wasm parseToken: format and checksum), then asks the service who it is. */
async function signIn(token) {
  tk.parseToken(token); // throws a TokenkitError with .code before any request
  state.token = token;
  try {
    const r = await api.self();
    state.me = r.body;
  } catch (e) {
    state.token = null;
    throw e;
  }
  sessionStorage.setItem(KEY, token);
  showWho();
}

function signInView() {
  const id = nextId("signin");
  const input = h("input", {
    id: `${id}-token`,
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "off",
    class: "mono",
    placeholder: "tk_…",
    required: true,
    "aria-describedby": `${id}-hint`,
  });
  const show = h("input", { type: "checkbox", id: `${id}-show`, onchange: (e) => (input.type = e.target.checked ? "text" : "password") });
  const submit = h("button", { type: "submit", class: "btn primary block" }, "Sign in");
  const notice = state.signInNotice;
  state.signInNotice = null;
  const form = h(
    "form",
    { class: "card signin", novalidate: true, "aria-labelledby": `${id}-h` },
    h("h1", { id: `${id}-h`, tabindex: "-1" }, "Sign in to tokenkit"),
    h("p", { class: "lead" }, "Paste an access token to manage your tokens."),
    notice ? (notice instanceof Error || notice.code ? errorBox(notice, notice.status === 0 ? "Could not check your saved session." : "Your session ended.") : h("p", { class: "alert info", role: "status" }, notice.message)) : null,
    h(
      "div",
      { class: "field" },
      h("label", { for: `${id}-token` }, "Access token"),
      input,
      h("span", { class: "check" }, show, h("label", { for: `${id}-show` }, "Show token")),
      h("span", { class: "hint", id: `${id}-hint` }, "Kept only in this browser tab (sessionStorage) until you sign out or close the tab. Checked locally before it is sent."),
    ),
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    for (const n of form.querySelectorAll(".field-error")) n.remove();
    input.removeAttribute("aria-invalid");
    if (!token) {
      fieldError(input, { name: "TokenkitError", code: "missing_token", message: "paste a token first" });
      return input.focus();
    }
    submit.disabled = true;
    try {
      await signIn(token);
      input.value = "";
      render();
    } catch (e) {
      const lead = e instanceof ApiError ? "" : "This is not a valid tokenkit token: ";
      fieldError(input, e.name === "TokenkitError" ? { name: "TokenkitError", code: e.code, message: lead + e.message } : e);
      input.focus();
    } finally {
      submit.disabled = false;
    }
  });
  view.replaceChildren(h("div", { class: "signin-wrap" }, form));
  input.focus();
}

async function render() {
  current?.destroy?.();
  current = null;
  if (!state.me) {
    document.title = "Sign in · tokenkit";
    return signInView();
  }
  const hash = location.hash || "#/";
  const m = /^#\/tokens\/(.+)$/.exec(hash);
  if (hash === "#/new") {
    document.title = "New token · tokenkit";
    current = createView(ctx, view);
  } else if (hash === "#/activity") {
    document.title = "Activity · tokenkit";
    await activityView(ctx, view);
  } else if (hash === "#/webhooks") {
    document.title = "Webhooks · tokenkit";
    await webhooksView(ctx, view);
  } else if (m) {
    document.title = "Token · tokenkit";
    await editView(ctx, view, decodeURIComponent(m[1]));
  } else {
    document.title = "Access tokens · tokenkit";
    await listView(ctx, view);
  }
  view.querySelector("h1")?.focus({ preventScroll: true });
}

async function boot() {
  const boot = document.getElementById("boot");
  try {
    await init();
  } catch (e) {
    boot.replaceChildren(errorBox({ name: "TokenkitError", code: "wasm_unavailable", message: `the WebAssembly core could not be loaded: ${e.message}` }));
    return;
  }
  boot.remove();
  window.addEventListener("hashchange", () => state.me && render());
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    try {
      await signIn(saved);
    } catch (e) {
      // A network failure keeps the saved session for the next reload; anything else ends it.
      if (e instanceof ApiError && e.status === 0) state.token = null;
      else endSession();
      state.signInNotice = e;
    }
  }
  document.documentElement.dataset.ready = "true";
  render();
}

boot();
