// Akinon AppMaker user access tokens: GET|POST /api/v1/me/tokens, DELETE /api/v1/me/tokens/{tokenId}.
// `Authorization: Bearer` or `x-access-token`; errors {apiError:[…]} (+ validationError on create).
import { caller, match, respond, run } from "./common.js";

const D = "akinon";

export async function handle(request, url, deps) {
  const { tk } = deps;
  if (match(url, /^\/api\/v1\/me\/tokens\/?$/)) {
    if (request.method === "GET") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const held = c.scope?.privileges ?? [];
        const org = (await deps.organization?.(c.account)) ?? tk.akinonOrganization(c.account, c.account, c.owner, held, 0);
        return respond(tk.akinonListResponse(await deps.store.list(c.account), org, c));
      });
    }
    if (request.method === "POST") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const draft = tk.akinonParseCreate(await request.text(), c, deps.now());
        const made = await deps.store.create(c, draft);
        return respond(tk.akinonCreateResponse(made.token, made.secret));
      });
    }
    return null;
  }
  const m = match(url, /^\/api\/v1\/me\/tokens\/([^/]+)$/);
  if (m && request.method === "DELETE") {
    return run(async () => {
      const c = await caller(request, url, deps, D);
      const id = tk.akinonParseTokenId(m[1]);
      tk.akinonCheckDelete(await deps.store.get(c.account, id), c);
      await deps.store.remove(c.account, id);
      return new Response(null, { status: 204 });
    });
  }
  return null;
}
