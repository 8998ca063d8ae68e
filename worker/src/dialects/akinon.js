// Akinon AppMaker user access tokens: GET|POST /api/v1/me/tokens, DELETE /api/v1/me/tokens/{tokenId}.
// `Authorization: Bearer` or `x-access-token`; errors {apiError:[…]} (+ validationError on create).
import { body, caller, fail, match, notAllowed, requireCurrent, respond, run } from "./common.js";

const D = "akinon";

export async function handle(request, url, deps) {
  const { tk } = deps;
  if (match(url, /^\/api\/v1\/me\/tokens\/?$/)) {
    if (request.method === "GET") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const held = Array.isArray(c.scope?.privileges) ? c.scope.privileges : [];
        const org = (await deps.organization?.(c.account, held, c.owner)) ?? tk.akinonOrganization(c.account, c.account, c.owner, held, 0);
        return respond(tk.akinonListResponse(await deps.store.list(c.account), org, c));
      });
    }
    if (request.method === "POST") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const draft = tk.akinonParseCreate(await body(request, deps, D), c, deps.now());
        requireCurrent(c, deps, D);
        const made = await deps.store.create(c, draft);
        if (!made) return fail(deps, D, "conflict", "Token could not be created, try again");
        return respond(tk.akinonCreateResponse(made.token, made.secret));
      });
    }
    return notAllowed(request, deps, D, ["GET", "POST"]);
  }
  const m = match(url, /^\/api\/v1\/me\/tokens\/([^/]+)$/);
  if (m) {
    if (request.method !== "DELETE") return notAllowed(request, deps, D, ["DELETE"]);
    return run(async () => {
      const c = await caller(request, url, deps, D);
      const id = tk.akinonParseTokenId(m[1]);
      tk.akinonCheckDelete(await deps.store.get(c.account, id), c);
      if (!(await deps.store.remove(c.account, id))) return fail(deps, D, "not_found", "Token not found");
      return new Response(null, { status: 204 });
    });
  }
  return null;
}
