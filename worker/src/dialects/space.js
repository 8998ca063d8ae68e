// Space Invoices access tokens: POST|GET /v1/accounts/{id}/accessTokens,
// DELETE /v1/accounts/{id}/accessTokens/{tokenId}. Raw `Authorization` or `?access_token=`;
// errors {error:{statusCode, name, message, code}} (LoopBack 3).
import { body, caller, fail, segment, match, notAllowed, requireCurrent, respond, run } from "./common.js";

const D = "space";

export async function handle(request, url, deps) {
  const { tk } = deps;
  const list = match(url, /^\/v1\/accounts\/([^/]+)\/accessTokens\/?$/);
  if (list) {
    const account = segment(list[1]);
    if (request.method === "POST") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const draft = tk.spaceParseCreate(await body(request, deps, D), account, c, deps.now());
        requireCurrent(c, deps, D);
        const made = await deps.store.create(c, draft);
        if (!made) return fail(deps, D, "conflict", "the access token could not be created, try again");
        return respond(tk.spaceCreateResponse(made.token, made.secret));
      });
    }
    if (request.method === "GET") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        return respond(tk.spaceListResponse(await deps.store.list(c.account), account, c));
      });
    }
    return notAllowed(request, deps, D, ["GET", "POST"]);
  }
  const one = match(url, /^\/v1\/accounts\/([^/]+)\/accessTokens\/([^/]+)$/);
  if (one) {
    if (request.method !== "DELETE") return notAllowed(request, deps, D, ["DELETE"]);
    return run(async () => {
      const c = await caller(request, url, deps, D);
      const tokenId = tk.spaceParseDelete(segment(one[1]), one[2], c);
      // The create response's `id` is the secret; the list's is the public id. Accept both.
      const t = (await deps.store.get(c.account, tokenId)) ?? (await deps.store.getBySecret(tokenId));
      tk.spaceCheckDelete(t, c);
      if (!(await deps.store.remove(c.account, t.id))) return fail(deps, D, "not_found", "No instance with the given id found for AccessToken");
      return new Response(null, { status: 204 });
    });
  }
  return null;
}
