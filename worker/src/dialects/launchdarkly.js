// LaunchDarkly REST API v2 access tokens: /api/v2/tokens (list, get, create, JSON Patch, reset,
// delete). Raw `Authorization: <key>`; errors {code, message}.
import { body, caller, segment, fail, match, notAllowed, requireCurrent, respond, run } from "./common.js";

const D = "launchdarkly";

export async function handle(request, url, deps) {
  const { tk } = deps;
  if (match(url, /^\/api\/v2\/tokens\/?$/)) {
    if (request.method === "GET") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const q = tk.ldParseListQuery(url.search);
        return respond(tk.ldListResponse(await deps.store.list(c.account), q, c));
      });
    }
    if (request.method === "POST") {
      return run(async () => {
        const c = await caller(request, url, deps, D);
        const draft = tk.ldParseCreate(await body(request, deps, D), c, deps.now());
        requireCurrent(c, deps, D);
        const made = await deps.store.create(c, draft);
        if (!made) return fail(deps, D, "conflict", null);
        return respond(tk.ldTokenResponse(made.token, made.secret, 201));
      });
    }
    return notAllowed(request, deps, D, ["GET", "POST"]);
  }
  const reset = match(url, /^\/api\/v2\/tokens\/([^/]+)\/reset$/);
  if (reset) {
    if (request.method !== "POST") return notAllowed(request, deps, D, ["POST"]);
    // The body is never read: the vendor's client sends an empty form-urlencoded one.
    return run(async () => {
      const c = await caller(request, url, deps, D);
      const t = await deps.store.get(c.account, segment(reset[1]));
      tk.ldCheckAccess(t, c);
      const previousValidUntil = tk.ldParseReset(url.search, t, c, deps.now());
      requireCurrent(c, deps, D);
      const made = await deps.store.rotate(t, previousValidUntil);
      if (!made) return fail(deps, D, "conflict", null);
      return respond(tk.ldTokenResponse(made.token, made.secret, 200));
    });
  }
  const one = match(url, /^\/api\/v2\/tokens\/([^/]+)$/);
  if (!one) return null;
  const method = request.method;
  if (!["GET", "PATCH", "DELETE"].includes(method)) return notAllowed(request, deps, D, ["GET", "PATCH", "DELETE"]);
  return run(async () => {
    const c = await caller(request, url, deps, D);
    const t = await deps.store.get(c.account, segment(one[1]));
    tk.ldCheckAccess(t, c);
    if (method === "GET") return respond(tk.ldTokenResponse(t, null, 200));
    if (method === "DELETE") {
      if (!(await deps.store.remove(c.account, t.id))) return fail(deps, D, "not_found", null);
      return new Response(null, { status: 204 });
    }
    const patched = tk.ldApplyPatch(t, await body(request, deps, D), c, deps.now());
    const saved = await deps.store.update(patched, t.version);
    if (!saved) return fail(deps, D, "conflict", null);
    return respond(tk.ldTokenResponse(saved, null, 200));
  });
}
