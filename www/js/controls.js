// A token's conditions of use (issue #17): not before, allowed IP addresses, remaining uses
// (with a refill) and a rate limit — on the create and edit forms, in the list and the token page.
// Every check is the core's, as the service has it: the fields are read by parseConditions (the
// same 422 naming the field), coverConditions says whether they are laxer than the signed-in
// token's (the service's 403 conditions_not_covered), and "try a request" asks decideConditions.
import { h, nextId } from "./format.js";

const FIELDS = ["notBefore", "allowedIps", "remaining", "refill", "rateLimit"];

/** The conditions of a token as the API shows them (API form, each field present, null = none). */
export const conditionsOf = (token) => Object.fromEntries(FIELDS.map((k) => [k, token?.[k] ?? null]));

/** A short text of a token's rate limit and remaining uses, for the list ("5 left · 10/60 s"). */
export function controlsSummary(t) {
  const parts = [];
  if (t.remaining !== null && t.remaining !== undefined) parts.push(`${t.remaining} use${t.remaining === 1 ? "" : "s"} left${t.refill ? ` (refill ${t.refill.amount} ${t.refill.interval})` : ""}`);
  if (t.rateLimit) parts.push(`${t.rateLimit.limit} per ${t.rateLimit.periodSeconds} s`);
  if (t.allowedIps) parts.push(`${t.allowedIps.length} IP block${t.allowedIps.length === 1 ? "" : "s"}`);
  if (t.notBefore && Date.parse(t.notBefore) > Date.now()) parts.push(`from ${new Date(t.notBefore).toLocaleString()}`);
  return parts.join(" · ");
}

/** `<input type=datetime-local>` value (local time) ↔ RFC 3339. */
const toLocalInput = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : null);

export class ControlsEditor {
  /**
   * `callerToken`: the signed-in token as the API shows it (its conditions bound a new token's);
   * `inherit`: on create, an empty field means "the caller's" (the service's rule), shown as such.
   */
  constructor(tk, { callerToken, onChange, inherit = false, base = null }) {
    this.tk = tk;
    this.base = base ? tk.parseConditions(conditionsOf(base)) : null;
    this.onChange = onChange ?? (() => {});
    this.inherit = inherit;
    this.caller = tk.parseConditions(conditionsOf(callerToken));
    const id = nextId("controls");
    this.id = id;
    const num = (sfx, attrs = {}) => h("input", { id: `${id}-${sfx}`, type: "number", min: "0", step: "1", inputmode: "numeric", oninput: () => this.#changed(), ...attrs });
    this.notBefore = h("input", { id: `${id}-nb`, type: "datetime-local", oninput: () => this.#changed() });
    this.ips = h("textarea", { id: `${id}-ips`, rows: "2", spellcheck: "false", placeholder: "203.0.113.0/24\n2001:db8::/32", oninput: () => this.#changed() });
    this.remaining = num("rem", { placeholder: "unlimited" });
    this.refillAmount = num("refill", { min: "1", placeholder: "none" });
    this.refillInterval = h("select", { id: `${id}-interval`, onchange: () => this.#changed() }, h("option", { value: "daily" }, "daily"), h("option", { value: "monthly" }, "monthly"));
    this.rateLimit = num("rl", { min: "1", placeholder: "none" });
    this.ratePeriod = num("rp", { min: "1", placeholder: "seconds" });
    this.error = h("div", { class: "controls-error", role: "alert", hidden: true });
    this.normalised = h("p", { class: "hint controls-normal", "aria-live": "polite" });
    this.tryIp = h("input", { id: `${id}-try-ip`, type: "text", autocomplete: "off", spellcheck: "false", placeholder: "203.0.113.7", oninput: () => this.#try() });
    this.tryAt = h("input", { id: `${id}-try-at`, type: "datetime-local", oninput: () => this.#try() });
    this.tryResult = h("div", { class: "controls-try-result", "aria-live": "polite", role: "status" });
    const field = (label, input, hint) => h("div", { class: "field" }, h("label", { for: input.id }, label, " ", h("span", { class: "optional" }, "(optional)")), input, hint ? h("span", { class: "hint" }, hint) : null);
    const inheritHint = (what) => (inherit && this.caller[what] !== null ? " Empty: your own token's." : "");
    this.el = h(
      "fieldset",
      { class: "controls" },
      h("legend", {}, "Conditions of use"),
      field("Not before", this.notBefore, `The token answers 401 not_yet_valid before this time.${inheritHint("notBefore")}`),
      field("Allowed IP addresses", this.ips, `One IPv4 or IPv6 address or CIDR block per line (up to 100); empty: anywhere.${inheritHint("allowedIps")}`),
      h(
        "div",
        { class: "controls-grid" },
        field("Remaining uses", this.remaining, `Each use spends one; at 0 it answers 429.${inheritHint("remaining")}`),
        h("div", { class: "field" }, h("label", { for: this.refillAmount.id }, "Refill to ", h("span", { class: "optional" }, "(optional)")), h("div", { class: "inline" }, this.refillAmount, this.refillInterval)),
        h("div", { class: "field" }, h("label", { for: this.rateLimit.id }, "Rate limit ", h("span", { class: "optional" }, "(optional)")), h("div", { class: "inline" }, this.rateLimit, h("label", { for: this.ratePeriod.id }, " uses per "), this.ratePeriod, " s"), inheritHint("rateLimit") ? h("span", { class: "hint" }, inheritHint("rateLimit")) : null),
      ),
      this.normalised,
      this.error,
      h(
        "div",
        { class: "try" },
        h("h4", {}, "Try a request"),
        h("div", { class: "try-grid" }, h("div", { class: "field" }, h("label", { for: this.tryIp.id }, "From address"), this.tryIp), h("div", { class: "field" }, h("label", { for: this.tryAt.id }, "At ", h("span", { class: "optional" }, "(default: now)")), this.tryAt)),
        this.tryResult,
      ),
    );
    this.value = { input: {}, stored: null, error: null, coverage: { covered: true } };
  }

  /** Fills the fields from a token (API form); it becomes the base a patch is checked against. */
  set(token) {
    const c = conditionsOf(token);
    if (!this.inherit) this.base = this.tk.parseConditions(c);
    this.notBefore.value = toLocalInput(c.notBefore);
    // The input shows minutes: an untouched value keeps the stored instant exactly.
    this.kept = { local: this.notBefore.value, iso: c.notBefore };
    this.ips.value = (c.allowedIps ?? []).join("\n");
    this.remaining.value = c.remaining ?? "";
    this.refillAmount.value = c.refill?.amount ?? "";
    this.refillInterval.value = c.refill?.interval ?? "daily";
    this.rateLimit.value = c.rateLimit?.limit ?? "";
    this.ratePeriod.value = c.rateLimit?.periodSeconds ?? "";
    this.#changed();
  }

  /** The fields as a request names them: every field (null = none), or on create only those filled in. */
  #read() {
    const int = (el) => (el.value.trim() === "" ? null : Number(el.value));
    const lines = this.ips.value.split("\n").map((s) => s.trim()).filter(Boolean);
    const out = {
      notBefore: this.kept && this.notBefore.value === this.kept.local ? this.kept.iso : fromLocalInput(this.notBefore.value),
      allowedIps: lines.length ? lines : null,
      remaining: int(this.remaining),
      refill: int(this.refillAmount) === null ? null : { amount: int(this.refillAmount), interval: this.refillInterval.value },
      rateLimit: int(this.rateLimit) === null && int(this.ratePeriod) === null ? null : { limit: int(this.rateLimit), periodSeconds: int(this.ratePeriod) },
    };
    // On create an empty field is the caller's own (inherited): leave it out of the request.
    if (this.inherit) for (const k of FIELDS) if (out[k] === null) delete out[k];
    if (this.inherit && out.refill !== undefined && out.remaining === undefined) out.remaining = null;
    return out;
  }

  #changed() {
    const input = this.#read();
    let stored = null;
    let error = null;
    let coverage = { covered: true };
    try {
      // Create: what the service would grant (inherited fields filled in); edit: the service's
      // patch rule (each changed condition no laxer than the caller's).
      stored = this.inherit ? this.tk.grantConditions(this.caller, input) : this.tk.patchConditions(this.caller, this.base, input);
    } catch (e) {
      error = e;
      if (e?.code === "conditions_not_covered") coverage = { covered: false, field: e.field, reason: e.message };
    }
    this.value = { input, stored, error: coverage.covered ? error : null, coverage };
    this.error.hidden = !error && coverage.covered;
    this.error.textContent = error ? `${error.field ? `${error.field}: ` : ""}${error.message}` : coverage.covered ? "" : `${coverage.field}: ${coverage.reason}`;
    this.normalised.textContent = stored?.allowedIps ? `Stored as: ${stored.allowedIps.join(", ")}` : "";
    this.#try();
    this.onChange();
  }

  /** Shows a service refusal on the fields (its `field`, e.g. allowedIps[2]). */
  showServerError(e) {
    this.error.hidden = false;
    this.error.textContent = `${e.field ? `${e.field}: ` : ""}${e.message}`;
  }

  /** "Try a request": the core's decision for a use from the address at the time, as the first use of its window. */
  #try() {
    const stored = this.value.stored;
    if (!stored) return this.tryResult.replaceChildren(h("span", { class: "muted" }, "Fix the conditions first."));
    const at = this.tryAt.value ? Date.parse(new Date(this.tryAt.value).toISOString()) : Date.now();
    const ip = this.tryIp.value.trim() || undefined;
    // The host's part, simulated: the first use of its rate window, and a spend that finds what is stored.
    const counters = {};
    let d;
    for (let i = 0; i < 3; i++) {
      d = this.tk.decideConditions(stored, at, ip, counters);
      if (d.outcome !== "count") break;
      if (d.counter === "rate") counters.rateCount = 1;
      else {
        counters.spent = stored.remaining > 0;
        if (counters.spent) counters.remaining = stored.remaining - 1;
      }
    }
    if (d.outcome === "ok") {
      this.tryResult.replaceChildren(h("span", { class: "badge ok" }, "Allowed"), " ", d.remaining === null ? "unlimited uses" : `${d.remaining} use${d.remaining === 1 ? "" : "s"} left after it`);
    } else {
      this.tryResult.replaceChildren(h("span", { class: "badge bad" }, `${d.status} ${d.code}`), " ", d.message);
    }
  }
}
