// The lifetime picker: presets, a TTL, a custom date or never. The expiry it previews is the wasm
// core's issueExpiry — the function the service runs on the same input —, which also refuses a
// lifetime past the signed-in token's own expiry (a child never outlives its issuer).
import { formatDateTime, h, nextId, relative } from "./format.js";

const PRESET_LABELS = { "7-days": "7 days", "30-days": "30 days", "60-days": "60 days", "90-days": "90 days", "six-months": "6 months", "one-year": "1 year" };
const UNITS = [
  ["minutes", 60],
  ["hours", 3600],
  ["days", 86400],
];

/** `datetime-local` value (local time) of an instant. */
function localInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export class LifetimePicker {
  constructor(tk, { issuerExpiresAt = null, onChange = () => {}, initial = "30-days" } = {}) {
    this.tk = tk;
    this.issuerExpiresAt = issuerExpiresAt;
    this.onChange = onChange;
    this.state = { lifetime: null, expiresAt: null, error: null };
    this.el = this.#build(initial);
    this.update(false);
    // Keep "in 29 days, 23 hours" true while the form stays open.
    this.timer = setInterval(() => this.el.isConnected && this.update(false), 30_000);
  }

  #build(initial) {
    const id = nextId("life");
    this.kind = h("select", { id: `${id}-kind`, onchange: () => this.update() });
    const presets = this.tk.lifetimePresets().filter((p) => p in PRESET_LABELS);
    for (const p of presets) this.kind.append(h("option", { value: `preset:${p}` }, PRESET_LABELS[p]));
    this.kind.append(h("option", { value: "ttl" }, "Time to live…"), h("option", { value: "custom" }, "Custom date…"), h("option", { value: "never" }, "No expiration"));
    this.kind.value = `preset:${initial}`;

    this.ttl = h("input", { type: "number", id: `${id}-ttl`, min: "1", step: "1", value: "12", inputmode: "numeric", oninput: () => this.update() });
    this.unit = h("select", { id: `${id}-unit`, "aria-label": "Time to live unit", onchange: () => this.update() });
    for (const [u] of UNITS) this.unit.append(h("option", { value: u }, u));
    this.unit.value = "hours";
    this.ttlRow = h("div", { class: "inline" }, h("label", { for: `${id}-ttl`, class: "sr-only" }, "Time to live"), this.ttl, this.unit);

    this.date = h("input", { type: "datetime-local", id: `${id}-date`, oninput: () => this.update(), onchange: () => this.update() });
    this.date.value = localInput(Date.parse(this.tk.expiresAt("P14D", Date.now()))).replace(/T.*/, "T12:00");
    this.dateRow = h("div", { class: "inline" }, h("label", { for: `${id}-date`, class: "sr-only" }, "Expiry date and time (local time)"), this.date);

    this.preview = h("p", { class: "lifetime-preview", id: `${id}-preview`, "aria-live": "polite" });
    this.errorEl = h("p", { class: "field-error", id: `${id}-error`, role: "alert", hidden: true });
    this.kind.setAttribute("aria-describedby", `${id}-preview`);
    return h(
      "div",
      { class: "field lifetime" },
      h("label", { for: `${id}-kind` }, "Expiration"),
      h("div", { class: "inline wrap" }, this.kind, this.ttlRow, this.dateRow),
      this.preview,
      this.errorEl,
    );
  }

  /** The lifetime input the service receives (the same value previewed). */
  #input() {
    const k = this.kind.value;
    if (k.startsWith("preset:")) return k.slice(7);
    if (k === "never") return "never";
    if (k === "ttl") {
      const n = Number(this.ttl.value);
      const mult = UNITS.find(([u]) => u === this.unit.value)[1];
      if (this.ttl.value.trim() === "" || !Number.isInteger(n)) {
        throw Object.assign(new Error("the time to live must be a whole number"), { name: "TokenkitError", code: "invalid_ttl" });
      }
      return n * mult;
    }
    if (!this.date.value) throw Object.assign(new Error("choose a date and time"), { name: "TokenkitError", code: "invalid_lifetime" });
    const ms = new Date(this.date.value).getTime();
    if (!Number.isFinite(ms)) throw Object.assign(new Error("not a valid date"), { name: "TokenkitError", code: "invalid_lifetime" });
    return new Date(ms).toISOString();
  }

  update(notify = true) {
    const k = this.kind.value;
    this.ttlRow.hidden = k !== "ttl";
    this.dateRow.hidden = k !== "custom";
    const now = Date.now();
    this.state = { lifetime: null, expiresAt: null, error: null };
    try {
      const lifetime = this.#input();
      const ms = this.tk.issueExpiry(lifetime, this.issuerExpiresAt, now);
      const expiresAt = ms === null ? null : new Date(ms).toISOString();
      this.state = { lifetime, expiresAt, error: null };
    } catch (e) {
      this.state.error = e;
    }
    const { expiresAt, error } = this.state;
    this.errorEl.hidden = !error;
    this.kind.toggleAttribute("aria-invalid", Boolean(error));
    if (error) {
      let text = error.message;
      if (error.code === "outlives_issuer") text = `your own token expires ${this.issuerExpiresAt ? formatDateTime(this.issuerExpiresAt) : ""}; a new token cannot outlive it`;
      this.errorEl.replaceChildren(text, " ", h("code", { class: "err-code" }, error.code ?? "invalid_lifetime"));
      this.preview.replaceChildren();
    } else if (expiresAt === null) {
      this.preview.replaceChildren(h("span", { class: "badge warn" }, "Never expires"), " Tokens without an expiration are a risk if they leak. Prefer a date and rotate.");
    } else {
      this.preview.replaceChildren(
        "Expires ",
        h("time", { datetime: expiresAt, class: "expiry-preview", title: expiresAt }, formatDateTime(expiresAt)),
        h("span", { class: "rel" }, ` (${relative(expiresAt, now)})`),
      );
    }
    if (notify) this.onChange();
  }

  get value() {
    return this.state;
  }

  destroy() {
    clearInterval(this.timer);
  }
}
