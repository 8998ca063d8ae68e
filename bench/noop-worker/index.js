// No-op worker: reads the request body (as every real handler must) and answers a constant.
// `/d1?n=N` (N ≤ 4) first runs N trivial D1 queries one after another, as verify runs its
// lookups; `/d1?n=N&batch=1` sends the N queries in one `DB.batch` round trip instead. `?log=1`
// writes one JSON line as the service does for every request (its request log).
const BODY = '{"ok":true}';
export default {
  async fetch(request, env) {
    if (request.body) await request.arrayBuffer();
    const url = new URL(request.url);
    if (url.pathname === "/d1") {
      const n = Math.min(4, Math.max(1, Number(url.searchParams.get("n")) || 1));
      const stmt = (i) => env.DB.prepare("SELECT ?1 AS ok").bind(i);
      if (url.searchParams.get("batch") === "1") {
        const rs = await env.DB.batch(Array.from({ length: n }, (_, i) => stmt(i)));
        if (rs.some((r, i) => r.results[0].ok !== i)) return new Response('{"ok":false}', { status: 500 });
      } else {
        for (let i = 0; i < n; i++) {
          const row = await stmt(i).first();
          if (row.ok !== i) return new Response('{"ok":false}', { status: 500 });
        }
      }
    }
    if (url.searchParams.get("log") === "1") {
      console.log(JSON.stringify({ msg: "request", requestId: crypto.randomUUID(), method: request.method, route: "/", status: 200, durationMs: 0, tokenId: null }));
    }
    return new Response(BODY, { headers: { "content-type": "application/json" } });
  },
};
