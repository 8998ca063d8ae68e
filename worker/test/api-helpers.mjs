// What the suites of tokenkit's own API share (api-routes.test.mjs, security.test.mjs): a
// running service with the root token and two accounts, `api` (a request whose answer is checked
// against the OpenAPI document the service serves, schema.mjs, and whose secrets are remembered
// for the log search), tokenkit's error envelope, and small helpers. Each test file is its own
// process: it calls `startApi` in `before` and `stopApi` in `after`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startService, call, ROOT } from "./harness.mjs";
import { conforms, useDocument } from "./schema.mjs";
import * as tk from "../../pkg/full/tokenkit.js";

tk.initSync({ module: readFileSync(join(ROOT, "pkg/full/tokenkit_bg.wasm")) });
export { tk };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const POLICY = (role, inlineRole) => ({ language: "policy", role, ...(inlineRole ? { inlineRole } : {}) });
export const OWNER = POLICY("owner");
export const NAMES = (...scopes) => ({ language: "names", scopes });
export const TOKEN_RE = /^tk_[0-9A-Za-z]{36}$/;
export const DAY = 86_400_000;

export let svc; // the running service
export let doc; // its OpenAPI document
export let R; // the root admin token (root account, owner role, policy owner scope, never expires)
export const secrets = new Set(); // every secret the service showed: none may appear in its logs

// Accounts used throughout: the root account (svc.root), acme (owner alice) and globex (owner gus).
export let rootAccount, acme, globex;

/** Starts the service (`opts` as startService's), reads its OpenAPI document and makes the accounts acme and globex. */
export async function startApi(opts) {
  svc = await startService(opts);
  R = svc.root.token;
  rootAccount = svc.root.account;
  secrets.add(R);
  const d = await call(svc.base, "GET", "/openapi.json");
  assert.equal(d.status, 200);
  doc = d.body;
  useDocument(doc);
  const a = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "acme", owner: "alice" } });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  acme = a.body;
  const g = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "globex", owner: "gus" } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  globex = g.body;
}

export async function stopApi() {
  await svc?.cleanup();
}

/** `call` on the running service, checked against the OpenAPI document; remembers secrets shown. */
export async function api(method, path, opts = {}) {
  const r = await call(svc.base, method, path, opts);
  let sent;
  if (opts.body !== undefined) sent = { body: opts.body, type: opts.headers?.["content-type"] };
  else if (typeof opts.raw === "string" && opts.raw.trim() !== "") {
    try {
      sent = { body: JSON.parse(opts.raw), type: opts.headers?.["content-type"]?.split(";")[0] };
    } catch {}
  }
  conforms(method, path, r, sent);
  if (r.body && typeof r.body === "object" && typeof r.body.secret === "string") secrets.add(r.body.secret);
  return r;
}

export function assertError(r, status, code, field) {
  const got = `got ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
  assert.equal(r.status, status, `expected ${status} ${code}, ${got}`);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(r.body && typeof r.body === "object" && Object.keys(r.body).join() === "error", `error envelope, ${got}`);
  assert.equal(typeof r.body.error.message, "string");
  assert.ok(r.body.error.message.length > 0);
  if (code !== undefined) assert.equal(r.body.error.code, code, got);
  if (field instanceof RegExp) assert.match(r.body.error.field ?? "", field, got);
  else if (field !== undefined) assert.equal(r.body.error.field, field, got);
}

/** Creates a token with `token`; asserts 201 and returns {token, secret}. */
export async function mint(token, body) {
  const r = await api("POST", "/tk/v1/tokens", { token, body: { name: "t", scope: OWNER, ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

export const self = (token, headers) => api("GET", "/tk/v1/self", { token, headers });
export const rotateById = (token, id, body) => api("POST", `/tk/v1/tokens/${id}/rotate`, { token, body });

/** Adds calendar months in UTC, clamped to the month's end (docs/core.md), independently of the core. */
export function addMonths(ms, n) {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The same token with one body character changed: well-formed, wrong checksum. */
export function wrongChecksum(secret) {
  const i = 5;
  const c = secret[i] === "A" ? "B" : "A";
  return secret.slice(0, i) + c + secret.slice(i + 1);
}
