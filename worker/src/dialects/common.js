// Shared plumbing of the four seed-dialect route files. The dialect logic (parsing,
// validation, vendor shapes and errors) lives in the Rust core (src/dialect/, exported by
// src/wasm/dialect.rs); a route file only moves text between HTTP, the core and the store.
//
// Each route file exports `handle(request, url, deps)`: a Response when the path is its own,
// `null` otherwise, so the worker's router mounts them with
//   for (const d of [s2, akinon, launchdarkly, space]) { const r = await d.handle(req, url, deps); if (r) return r; }
//
// `deps` is what the worker provides (docs/dialects.md, "Worker recipe"):
//   tk                                   the initialised wasm package (`import * as tk`)
//   now() -> number                      epoch ms
//   authenticate(secret) -> Promise<DialectCaller|{refused}|null>   null when unknown, revoked or expired;
//                                        `previous: true` when it is a rotated-out secret in its grace;
//                                        `{refused: decision}` when the token's conditions of use refuse
//                                        this use (decideConditions: not yet valid, address, rate, uses)
//   organization(account, privileges, owner) -> Promise<object|null>   Akinon's organization
//   store.list(account) -> Promise<DialectToken[]>
//   store.get(account, id) -> Promise<DialectToken|null>
//   store.getBySecret(secret) -> Promise<DialectToken|null>
//   store.create(caller, draft) -> Promise<{token, secret}|null>       null: the id is taken
//   store.update(token, expectedVersion) -> Promise<DialectToken|null> null: version changed
//   store.rotate(token, previousValidUntil|null) -> Promise<{token, secret}|null>  null: version changed
//   store.remove(account, id) -> Promise<boolean>

import { readText } from "../http.js";
import { retryAfter } from "../auth.js";

/**
 * A JSON response from a core `{status, body}` (no body for `null`). Never cached, as on
 * tokenkit's own API: create, issue and reset bodies carry a secret.
 */
export function respond({ status, body }, headers = {}) {
  const h = { "cache-control": "no-store", ...headers };
  if (body === null || body === undefined) return new Response(null, { status, headers: h });
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...h } });
}

/** A throwable vendor error (what `run` turns into the response), optionally with another status. */
export function vendorError(deps, dialect, code, message, status) {
  const r = deps.tk.dialectErrorResponse(dialect, code, message ?? null);
  if (status !== undefined) {
    r.status = status;
    if (r.body?.error && typeof r.body.error.statusCode === "number") r.body.error.statusCode = status; // LoopBack repeats it
  }
  return Object.assign(new Error(code), { name: "TokenkitError", ...r });
}

/** The vendor's response for a failure the route detects itself (see `dialectErrorResponse`). */
export function fail(deps, dialect, code, message) {
  return respond(deps.tk.dialectErrorResponse(dialect, code, message ?? null));
}

/**
 * Runs a route body: a thrown dialect `TokenkitError` (it has `.status` and `.body`) becomes the
 * vendor's error response; anything else propagates to the worker's 500 handler.
 */
export async function run(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e && e.name === "TokenkitError" && typeof e.status === "number") return respond({ status: e.status, body: e.body }, e.headers ?? {});
    throw e;
  }
}

/**
 * The request body as text: at most http.js's MAX_BODY bytes (413 otherwise) of UTF-8 (400
 * otherwise), answered in the vendor's error shape.
 */
export async function body(request, deps, dialect) {
  try {
    return await readText(request);
  } catch (e) {
    if (e?.status === 413) throw vendorError(deps, dialect, "malformed_body", e.message, 413);
    if (e?.status === 400) throw vendorError(deps, dialect, "malformed_body", e.message);
    throw e;
  }
}

/**
 * A rotated-out secret in its grace period keeps working, but may not mint secrets (issue,
 * create, reset), as on tokenkit's own API (the core's requireCurrent), answered in the
 * vendor's shape.
 */
export function requireCurrent(c, deps, dialect) {
  try {
    deps.tk.requireCurrent(c.previous === true);
  } catch (e) {
    throw vendorError(deps, dialect, "forbidden", e.message);
  }
}

/** 405 in the vendor's error shape, with `Allow`, for a method the route does not serve. */
export function notAllowed(request, deps, dialect, allow) {
  const r = vendorError(deps, dialect, "malformed_path", `${request.method} is not allowed here (allowed: ${allow.join(", ")})`, 405);
  return respond(r, { allow: allow.join(", ") });
}

/** Authenticates the request the way `dialect` documents it; returns the caller or throws/returns the 401. */
export async function caller(request, url, deps, dialect) {
  const secret = deps.tk.dialectCredential(dialect, {
    authorization: request.headers.get("authorization"),
    xAccessToken: request.headers.get("x-access-token"),
    accessTokenQuery: url.searchParams.get("access_token"),
  });
  const c = await deps.authenticate(secret);
  if (!c) throw Object.assign(new Error("unauthenticated"), { name: "TokenkitError", ...deps.tk.dialectErrorResponse(dialect, "unauthenticated", null) });
  if (c.refused) {
    // The vendor's 401 (not yet valid), 403 (address) or 429 (rate, uses), with Retry-After.
    const d = c.refused;
    throw Object.assign(new Error(d.code), { name: "TokenkitError", headers: retryAfter(d), ...deps.tk.dialectUseRefusal(dialect, d.code, d.message) });
  }
  return c;
}

/** Matches `pattern` (a RegExp anchored on the raw, still percent-encoded path). */
export function match(url, pattern) {
  return pattern.exec(url.pathname);
}

/** Percent-decodes a path segment; a malformed escape is kept raw (it then matches no token). */
export function segment(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
