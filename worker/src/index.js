// tokenkit's token service: tokenkit's own API (/tk/v1/), the four seed dialects, the OpenAPI
// document, and — for every other path — the dashboard's static assets (the ASSETS binding).
import * as tk from "../../pkg/tokenkit.js";
import wasm from "../../pkg/tokenkit_bg.wasm";
import openapi from "../openapi.json";
import { ApiError, errorResponse, json } from "./http.js";
import { Store } from "./store.js";
import * as tokens from "./routes/tokens.js";
import * as admin from "./routes/admin.js";
import { dialectRoutes, dialectDeps } from "./dialects.js";

// The rate-limit counters' Durable Object class (wrangler.jsonc `durable_objects`).
export { RateCounter } from "./rate-counter.js";

// Once per isolate, never per request (Cloudflare: instantiate Wasm at module scope).
tk.initSync({ module: wasm });

// One path segment, still percent-encoded: S2 ids are client-chosen (up to 96 bytes of any
// UTF-8 but NUL, so up to 288 characters encoded, and `!*'()` stay raw under encodeURIComponent).
const ID = "([^/]{1,300})";
const ROUTES = [
  ["GET", /^\/tk\/v1\/tokens$/, tokens.list],
  ["POST", /^\/tk\/v1\/tokens$/, tokens.create],
  ["GET", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.get],
  ["PATCH", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.patch],
  ["DELETE", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.revoke],
  ["POST", new RegExp(`^/tk/v1/tokens/${ID}/rotate$`), tokens.rotate],
  ["POST", /^\/tk\/v1\/verify$/, tokens.verify],
  ["GET", /^\/tk\/v1\/self$/, tokens.self],
  ["POST", /^\/tk\/v1\/self\/rotate$/, tokens.selfRotate],
  ["DELETE", /^\/tk\/v1\/self$/, tokens.selfRevoke],
  ["POST", /^\/tk\/v1\/accounts$/, admin.createAccount],
  ["POST", new RegExp(`^/tk/v1/accounts/${ID}/members$`), admin.createMember],
  ["GET", new RegExp(`^/tk/v1/accounts/${ID}/members$`), admin.listMembers],
  ["GET", /^\/openapi\.json$/, () => json(openapi)],
];

const decode = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

async function route(request, env, ctx, url) {
  const matching = ROUTES.filter(([, re]) => re.test(url.pathname));
  if (matching.length > 0) {
    const hit = matching.find(([m]) => m === request.method);
    if (!hit) {
      const allow = [...new Set(matching.map(([m]) => m))].join(", ");
      return errorResponse(405, "method_not_allowed", `${request.method} is not allowed here`, undefined, { allow });
    }
    const params = hit[1].exec(url.pathname).slice(1).map(decode);
    return hit[2](request, ctx, url, params);
  }
  for (const handle of dialectRoutes) {
    const r = await handle(request, url, dialectDeps(ctx, request));
    if (r) return r;
  }
  if (/^\/(tk|v1|api)(\/|$)/.test(url.pathname)) return errorResponse(404, "not_found", "no such route");
  return env.ASSETS ? env.ASSETS.fetch(request) : errorResponse(404, "not_found", "no such route");
}

export default {
  async fetch(request, env, context) {
    const url = new URL(request.url);
    const ctx = { tk, env, store: new Store(env, tk), now: Date.now(), waitUntil: (p) => context.waitUntil(p.catch(() => {})) };
    try {
      return await route(request, env, ctx, url);
    } catch (e) {
      if (e instanceof ApiError) {
        const headers = { ...(e.status === 401 ? { "www-authenticate": `Bearer realm="tokenkit", error="invalid_token"` } : {}), ...(e.headers ?? {}) };
        return errorResponse(e.status, e.code, e.message, e.field, headers);
      }
      // A bug, not bad input: log what happened without the request (it may hold a secret).
      console.error("tokenkit: internal error", e?.name, e?.code ?? "", String(e?.message ?? "").slice(0, 200));
      return errorResponse(500, "internal", "internal error");
    }
  },
};
