// Dates, relative times and small DOM helpers. Times are shown in the browser's time zone with the
// exact UTC instant in a <time datetime> attribute (and its tooltip). What an expiry means
// (expired, expiring soon) and the field limits are the core's (the package's rules), as the
// service has them.
import * as tk from "/pkg/full/tokenkit.js";

const DAY = 86_400_000;

/** The "expires soon" window in days (the core's, as the service's list filter). */
export const soonDays = () => tk.ruleDefaults().soonDays;

/** The core's limit of `field` (its field-limit table), for an input's maxlength. */
export const maxLength = (field) => String(tk.fieldLimits().find((l) => l.field === field).max);

const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "always" });

export const formatDate = (iso) => dateFmt.format(new Date(iso));
export const formatDateTime = (iso) => dateTimeFmt.format(new Date(iso));

/** "in 3 days", "5 minutes ago", "tomorrow" */
export function relative(iso, now = Date.now()) {
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  // [unit, its length, shown from this distance on]
  const units = [
    ["year", 365 * DAY, 730 * DAY],
    ["month", 30 * DAY, 60 * DAY],
    ["day", DAY, DAY],
    ["hour", 3_600_000, 3_600_000],
    ["minute", 60_000, 60_000],
  ];
  for (const [unit, ms, from] of units) {
    if (abs >= from) return rtf.format(Math.round(diff / ms), unit);
  }
  if (abs < 10_000) return diff >= 0 ? "in a few seconds" : "just now";
  return rtf.format(Math.round(diff / 1000), "second");
}

/** "expired", "soon" or null for an expiry instant (null = never): the core's expiryState. */
export const expiryState = (iso, now = Date.now()) => tk.expiryState(iso ?? null, now);

/** h("button", {class: "btn", onclick}, "text", child…) — attributes, properties for on* and booleans. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A <time> element: the date (or date and time) with the exact instant as tooltip. */
export function timeEl(iso, { withTime = false, rel = false } = {}) {
  const t = h("time", { datetime: iso, title: new Date(iso).toISOString() }, withTime ? formatDateTime(iso) : formatDate(iso));
  if (!rel) return t;
  return h("span", { class: "when" }, t, h("span", { class: "rel" }, relative(iso)));
}

let uid = 0;
export const nextId = (p = "f") => `${p}-${++uid}`;
