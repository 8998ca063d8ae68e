// S2 (s2.dev) access tokens: GET|POST /v1/access-tokens, DELETE /v1/access-tokens/{id}.
// Bearer auth; errors {code, message}. Shapes and rules: src/dialect/s2.rs, docs/dialects.md.
import { body, caller, fail, match, notAllowed, requireCurrent, respond, run } from "./common.js";

const D = "s2";

export async function handle(request, url, deps) {
  const { tk } = deps;
  if (match(url, /^\/v1\/access-tokens\/?$/)) {
    if (request.method === "GET") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const q = tk.s2ParseListQuery(url.search);
        return respond(tk.s2ListResponse(await deps.store.list(c.account), q, c));
      });
    }
    if (request.method === "POST") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const draft = tk.s2ParseIssue(await body(request, deps, D), c, deps.now());
        requireCurrent(c, deps, D);
        const made = await deps.store.create(c, draft);
        if (!made) return fail(deps, D, "already_exists", `access token id already exists: ${draft.id}`);
        return respond(tk.s2IssueResponse(made.secret));
      });
    }
    return notAllowed(request, deps, D, ["GET", "POST"]);
  }
  const m = match(url, /^\/v1\/access-tokens\/([^/]+)$/);
  if (m) {
    if (request.method !== "DELETE") return notAllowed(request, deps, D, ["DELETE"]);
    return run(async () => {
      const c = await caller(request, url, deps, D);
      const id = tk.s2ParseRevoke(m[1], c);
      const t = await deps.store.get(c.account, id);
      if (!t || t.scope?.language !== "s2" || !(await deps.store.remove(c.account, id))) {
        return fail(deps, D, "not_found", `access token not found: ${id}`);
      }
      return new Response(null, { status: 204 });
    });
  }
  return null;
}
