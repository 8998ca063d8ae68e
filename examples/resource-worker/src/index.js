// A resource server on tokenkit: one import line (wrangler picks the package's "workerd" entry,
// which instantiates the wasm at module scope).
import { checkPresented } from "tokenkit";

// What each route asks of the presented token's scope (here: a "privileges" scope such as
// ["orders:read"], or any scope language the service knows — it decides).
const ROUTES = {
  "GET /orders": "orders:read",
  "POST /orders": "orders:write",
};
// tokenkit's refusal codes and the HTTP status a resource server answers them with.
const STATUS = { forbidden: 403, rate_limited: 429, usage_exhausted: 429 };

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function bearer(request) {
  const h = request.headers.get("authorization") ?? "";
  return /^Bearer /i.test(h) ? h.slice(7).trim() : "";
}

export default {
  async fetch(request, env) {
    const action = ROUTES[`${request.method} ${new URL(request.url).pathname}`];
    if (!action) return json(404, { error: "not_found" });
    const token = bearer(request);

    // 1. In this Worker, no round trip: a missing token, a malformed one, or one whose checksum
    //    is wrong (a typo, a truncated paste, a random string) is refused here.
    const local = checkPresented(token);
    if (local) return json(401, { error: local.code, message: local.message }, { "www-authenticate": "Bearer" });

    // 2. The service decides the rest where its state is: the lookup by digest, revoked,
    //    expired, rotated, the conditions of use (IP allow-list, rate limit, remaining uses — a
    //    verify spends one) and whether the token's scope allows `action`.
    let answer;
    try {
      const r = await env.TOKENKIT.fetch("https://tokenkit/tk/v1/verify", {
        method: "POST",
        headers: { authorization: `Bearer ${env.TOKENKIT_VERIFIER}`, "content-type": "application/json" },
        body: JSON.stringify({ token, request: { action }, ip: request.headers.get("cf-connecting-ip") ?? undefined }),
      });
      if (!r.ok) throw new Error(`tokenkit answered ${r.status}`);
      answer = await r.json();
    } catch (e) {
      return json(503, { error: "verifier_unavailable", message: String(e.message ?? e) });
    }
    if (!answer.valid) {
      const headers = { "www-authenticate": "Bearer" };
      if (answer.retryAfterSeconds !== undefined) headers["retry-after"] = String(answer.retryAfterSeconds);
      return json(STATUS[answer.code] ?? 401, { error: answer.code, message: answer.reason }, headers);
    }

    // 3. The request itself, for the token's owner.
    if (request.method === "GET") return json(200, { owner: answer.owner, tokenId: answer.tokenId, orders: [] });
    return json(201, { owner: answer.owner, tokenId: answer.tokenId, created: true });
  },
};
