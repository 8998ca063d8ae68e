// Shared plumbing of the dialect route tests (worker/test/dialect-*.test.mjs): raw HTTP with the
// exact headers each vendor's client sends, and tenants made through tokenkit's admin API with
// the root token, so every dialect gets callers in its own scope language.
import assert from "node:assert/strict";

/**
 * fetch with exactly the given headers (no implied auth scheme); `json` is sent as a JSON body,
 * `raw` as it is. Returns {status, headers, body (parsed JSON, or the text), text}.
 */
export async function http(base, method, path, { headers = {}, json, raw } = {}) {
  const h = { ...headers };
  let payload;
  if (raw !== undefined) payload = raw;
  else if (json !== undefined) {
    payload = JSON.stringify(json);
    h["content-type"] ??= "application/json";
  }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let body = null;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: r.status, headers: r.headers, body, text };
}

const bearer = (token) => ({ authorization: `Bearer ${token}` });

/** POST /tk/v1/accounts as root: a new account whose owner's first token has `scope`. */
export async function newAccount(svc, name, scope, lifetime = "one-year") {
  const r = await http(svc.base, "POST", "/tk/v1/accounts", { headers: bearer(svc.root.token), json: { name, scope, lifetime } });
  assert.equal(r.status, 201, `create account: ${r.text}`);
  return { account: r.body.account.id, createdAt: r.body.account.createdAt, member: r.body.member.id, token: r.body.secret, tokenId: r.body.token.id, meta: r.body.token };
}

/** POST /tk/v1/accounts/{id}/members as root: a member whose first token has `scope`. */
export async function newMember(svc, account, name, role, scope, lifetime = "one-year") {
  const r = await http(svc.base, "POST", `/tk/v1/accounts/${account}/members`, { headers: bearer(svc.root.token), json: { name, role, scope, lifetime } });
  assert.equal(r.status, 201, `create member: ${r.text}`);
  return { account, member: r.body.member.id, token: r.body.secret, tokenId: r.body.token.id, meta: r.body.token };
}

/** tokenkit's own API, Bearer auth. */
export const tk = (svc, method, path, token, json) => http(svc.base, method, path, { headers: bearer(token), json });

/** GET /tk/v1/self: 200 when `secret` authenticates, else the 401. */
export const self = (svc, secret) => tk(svc, "GET", "/tk/v1/self", secret);

/** The S2 scope that allows everything. */
export const S2_ALL = {
  language: "s2",
  basins: { prefix: "" },
  streams: { prefix: "" },
  access_tokens: { prefix: "" },
  op_groups: { account: { read: true, write: true }, basin: { read: true, write: true }, stream: { read: true, write: true } },
  ops: [],
};

export const HEX24 = /^[0-9a-f]{24}$/;
export const SECRET = /^tk_[A-Za-z0-9]{36}$/;

/** Epoch ms + `months` calendar months in UTC, clamped to the month's end (DESIGN.md, Lifetime). */
export function addMonths(ms, months) {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/**
 * Rotates `secret` through tokenkit's own API (POST /tk/v1/self/rotate) with an hour of grace;
 * returns the new secret. The old one keeps authenticating during the grace.
 */
export async function rotateWithGrace(svc, secret) {
  const r = await tk(svc, "POST", "/tk/v1/self/rotate", secret, { grace: "PT1H" });
  assert.equal(r.status, 200, `rotate: ${r.text}`);
  return r.body.secret;
}

/** A JSON body just over the services' 64 KiB limit. */
export const OVERSIZED = JSON.stringify({ pad: "x".repeat(64 * 1024) });
