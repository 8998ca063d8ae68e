// tokenkit's token service: tokenkit's own API (/tk/v1/), the four seed dialects and the OpenAPI
// document; every other path is a JSON 404. It has no static assets (no assets router runs in
// front of its requests): the dashboard is a Worker of its own (worker/dashboard/), which hands
// these paths to this one through a Service Binding.
// The full build (npm `tokenkit/full`: the seed dialects' wire code too), through its workerd
// entry: it imports the .wasm module and instantiates it once per isolate, at module scope.
import * as tk from "../../pkg/full/workerd.js";
import openapi from "../openapi.json";
import { ApiError, drainBody, errorResponse, json } from "./http.js";
import { Store } from "./store.js";
import * as tokens from "./routes/tokens.js";
import * as admin from "./routes/admin.js";
import * as acct from "./routes/accountability.js";
import { apiOf } from "./audit.js";
import { withIdempotency } from "./idempotency.js";
import * as leaks from "./routes/leaks.js";
import { dialectRoutes, dialectDeps } from "./dialects.js";
import * as webhooks from "./routes/webhooks.js";
import { runScheduled } from "./webhooks.js";

// The rate-limit counters' Durable Object class (wrangler.jsonc `durable_objects`).
export { RateCounter } from "./rate-counter.js";

// One path segment, still percent-encoded: S2 ids are client-chosen (up to 96 bytes of any
// UTF-8 but NUL, so up to 288 characters encoded, and `!*'()` stay raw under encodeURIComponent).
const ID = "([^/]{1,300})";
const ROUTES = [
  ["GET", /^\/tk\/v1\/tokens$/, tokens.list, "/tk/v1/tokens"],
  ["POST", /^\/tk\/v1\/tokens$/, tokens.create, "/tk/v1/tokens"],
  ["GET", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.get, "/tk/v1/tokens/{id}"],
  ["PATCH", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.patch, "/tk/v1/tokens/{id}"],
  ["DELETE", new RegExp(`^/tk/v1/tokens/${ID}$`), tokens.revoke, "/tk/v1/tokens/{id}"],
  ["POST", new RegExp(`^/tk/v1/tokens/${ID}/rotate$`), tokens.rotate, "/tk/v1/tokens/{id}/rotate"],
  ["POST", /^\/tk\/v1\/verify$/, tokens.verify, "/tk/v1/verify"],
  ["GET", /^\/tk\/v1\/self$/, tokens.self, "/tk/v1/self"],
  ["POST", /^\/tk\/v1\/self\/rotate$/, tokens.selfRotate, "/tk/v1/self/rotate"],
  ["DELETE", /^\/tk\/v1\/self$/, tokens.selfRevoke, "/tk/v1/self"],
  ["POST", /^\/tk\/v1\/accounts$/, admin.createAccount, "/tk/v1/accounts"],
  ["POST", new RegExp(`^/tk/v1/accounts/${ID}/members$`), admin.createMember, "/tk/v1/accounts/{id}/members"],
  ["GET", new RegExp(`^/tk/v1/accounts/${ID}/members$`), admin.listMembers, "/tk/v1/accounts/{id}/members"],
  ["POST", new RegExp(`^/tk/v1/accounts/${ID}/webhooks$`), webhooks.create, "/tk/v1/accounts/{id}/webhooks"],
  ["GET", new RegExp(`^/tk/v1/accounts/${ID}/webhooks$`), webhooks.list, "/tk/v1/accounts/{id}/webhooks"],
  ["DELETE", new RegExp(`^/tk/v1/accounts/${ID}/webhooks/${ID}$`), webhooks.remove, "/tk/v1/accounts/{id}/webhooks/{webhookId}"],
  ["GET", new RegExp(`^/tk/v1/accounts/${ID}/webhooks/${ID}/deliveries$`), webhooks.deliveries, "/tk/v1/accounts/{id}/webhooks/{webhookId}/deliveries"],
  ["POST", /^\/tk\/v1\/leaks$/, leaks.report, "/tk/v1/leaks"],
  ["GET", /^\/openapi\.json$/, (request, ctx, url) => json(openapiFor(url)), "/openapi.json"],
  // Accountability (issue #18; worker/src/routes/accountability.js)
  ["POST", new RegExp(`^/tk/v1/tokens/${ID}/disable$`), acct.disable, "/tk/v1/tokens/{id}/disable"],
  ["POST", new RegExp(`^/tk/v1/tokens/${ID}/enable$`), acct.enable, "/tk/v1/tokens/{id}/enable"],
  ["POST", /^\/tk\/v1\/tokens\/revoke$/, acct.bulkRevoke, "/tk/v1/tokens/revoke"],
  ["GET", /^\/tk\/v1\/audit$/, acct.audit, "/tk/v1/audit"],
  ["DELETE", new RegExp(`^/tk/v1/accounts/${ID}/members/${ID}$`), acct.removeMember, "/tk/v1/accounts/{id}/members/{memberId}"],
  ["PATCH", new RegExp(`^/tk/v1/accounts/${ID}/members/${ID}$`), acct.patchMember, "/tk/v1/accounts/{id}/members/{memberId}"],
  ["GET", new RegExp(`^/tk/v1/accounts/${ID}/policy$`), acct.getPolicy, "/tk/v1/accounts/{id}/policy"],
  ["PUT", new RegExp(`^/tk/v1/accounts/${ID}/policy$`), acct.putPolicy, "/tk/v1/accounts/{id}/policy"],
];

// The request log's `route` for the dialects' paths (their routers live in worker/src/dialects/):
// a template, never the raw path — ids are the client's, and nothing of the request but its
// method and template is logged. Unlisted paths log their namespace (`/v1/*`) or `other`.
const DIALECT_ROUTES = [
  [/^\/v1\/access-tokens\/?$/, "/v1/access-tokens"],
  [/^\/v1\/access-tokens\/[^/]+$/, "/v1/access-tokens/{id}"],
  [/^\/api\/v1\/me\/tokens\/?$/, "/api/v1/me/tokens"],
  [/^\/api\/v1\/me\/tokens\/[^/]+$/, "/api/v1/me/tokens/{id}"],
  [/^\/api\/v2\/tokens\/?$/, "/api/v2/tokens"],
  [/^\/api\/v2\/tokens\/[^/]+\/reset$/, "/api/v2/tokens/{id}/reset"],
  [/^\/api\/v2\/tokens\/[^/]+$/, "/api/v2/tokens/{id}"],
  [/^\/v1\/accounts\/[^/]+\/accessTokens\/?$/, "/v1/accounts/{id}/accessTokens"],
  [/^\/v1\/accounts\/[^/]+\/accessTokens\/[^/]+$/, "/v1/accounts/{id}/accessTokens/{tokenId}"],
];

function routeTemplate(pathname) {
  const own = ROUTES.findLast(([, re]) => re.test(pathname)); // the most specific: /tk/v1/tokens/revoke, not {id}
  if (own) return own[3];
  const dialect = DIALECT_ROUTES.find(([re]) => re.test(pathname));
  if (dialect) return dialect[1];
  const ns = /^\/(tk|v1|api)(\/|$)/.exec(pathname);
  return ns ? `/${ns[1]}/*` : "other";
}

/**
 * The OpenAPI document with its server's `baseUrl` defaulting to the origin it was fetched from,
 * so a client generated from a deployment's /openapi.json points at that deployment.
 */
function openapiFor(url) {
  const [server, ...rest] = openapi.servers;
  const baseUrl = { ...server.variables.baseUrl, default: url.origin };
  return { ...openapi, servers: [{ ...server, variables: { ...server.variables, baseUrl } }, ...rest] };
}

const decode = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

async function route(request, env, ctx, url) {
  return withIdempotency(request, ctx, url, (req) => dispatch(req, env, ctx, url));
}

async function dispatch(request, env, ctx, url) {
  const matching = ROUTES.filter(([, re]) => re.test(url.pathname));
  if (matching.length > 0) {
    const hit = matching.find(([m]) => m === request.method);
    if (!hit) {
      const allow = [...new Set(matching.map(([m]) => m))].join(", ");
      return errorResponse(405, "method_not_allowed", `${request.method} is not allowed here`, undefined, { allow });
    }
    const params = hit[1].exec(url.pathname).slice(1).map(decode);
    ctx.route = hit[3]; // the request log's route (found here once, not matched again)
    return hit[2](request, ctx, url, params);
  }
  for (const handle of dialectRoutes) {
    const r = await handle(request, url, dialectDeps(ctx, request));
    if (r) return r;
  }
  return errorResponse(404, "not_found", "no such route");
}

// A request id: Cloudflare's `cf-ray` when it has that shape, else a fresh one.
function requestIdOf(request) {
  const ray = request.headers.get("cf-ray");
  return ray !== null && /^[0-9a-f]{16}(-[A-Z]{3})?$/i.test(ray) ? ray : crypto.randomUUID();
}

async function handle(request, env, ctx, url) {
  try {
    return await route(request, env, ctx, url);
  } catch (e) {
    if (e instanceof ApiError) {
      const headers = { ...(e.status === 401 ? { "www-authenticate": `Bearer realm="tokenkit", error="invalid_token"` } : {}), ...(e.headers ?? {}) };
      return errorResponse(e.status, e.code, e.message, e.field, headers);
    }
    // A bug, not bad input: log what happened without the request (it may hold a secret).
    console.error(JSON.stringify({ msg: "internal error", requestId: ctx.requestId, name: String(e?.name ?? ""), code: String(e?.code ?? ""), message: String(e?.message ?? "").slice(0, 200) }));
    return errorResponse(500, "internal", "internal error");
  }
}

export default {
  async fetch(request, env, context) {
    const url = new URL(request.url);
    const started = Date.now();
    const requestId = requestIdOf(request);
    // `tokenId` is set by authenticate (auth.js, dialects.js) once a token is verified.
    const waitUntil = (p) => context.waitUntil(p.catch(() => {}));
    const ctx = { tk, env, store: new Store(env, tk, waitUntil), now: started, requestId, tokenId: null, route: null, waitUntil };
    // The audit log's context (worker/src/audit.js): the API, the client; the actor is set by authentication.
    Object.assign(ctx, { api: apiOf(url.pathname), actor: null, client: { ip: request.headers.get("cf-connecting-ip"), userAgent: request.headers.get("user-agent") } });
    const response = await handle(request, env, ctx, url);
    await drainBody(request); // the connection stays usable (http.js)
    response.headers.set("x-request-id", requestId); // every response is the worker's own
    // One structured line per request (Workers Logs indexes its fields). Never the query string
    // (Space takes `?access_token=`), a header, a body, a secret or a digest: the route template
    // and the verified token's public id only; `cache` is "hit" when the verification cache
    // answered every lookup by digest, "miss" when one read D1, absent when none was made. Date.now() advances with I/O only on Workers, so
    // the duration is the request's wall time up to its response, CPU-only stretches excluded.
    // TOKENKIT_REQUEST_LOG=off turns the line off (Workers Logs bills per event; docs/service.md).
    if (env.TOKENKIT_REQUEST_LOG !== "off") {
      console.log(
        JSON.stringify({ msg: "request", requestId, method: request.method, route: ctx.route ?? routeTemplate(url.pathname), status: response.status, durationMs: Date.now() - started, tokenId: ctx.tokenId, cache: ctx.store.lookups.outcome }),
      );
    }
    return response;
  },

  // The Cron Trigger (wrangler.jsonc `triggers.crons`): expiry warnings, then the deliveries due
  // (worker/src/webhooks.js). `scheduledTime` is the run's now. Locally: `wrangler dev
  // --test-scheduled` and `GET /__scheduled?cron=…[&time=<epoch ms>]`.
  async scheduled(controller, env) {
    const started = Date.now();
    try {
      const r = await runScheduled(env, tk, controller.scheduledTime);
      console.log(JSON.stringify({ msg: "scheduled", cron: controller.cron, ...r, durationMs: Date.now() - started }));
    } catch (e) {
      console.error(JSON.stringify({ msg: "scheduled failed", cron: controller.cron, name: String(e?.name ?? ""), message: String(e?.message ?? "").slice(0, 200) }));
      throw e;
    }
  },
};
