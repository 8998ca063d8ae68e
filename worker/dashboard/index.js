// The dashboard's Worker (worker/dashboard/wrangler.jsonc): it serves www/ as static assets and
// runs only for the API's paths (`run_worker_first`: /tk/*, /v1/*, /api/*, /openapi.json), which
// it hands to the token service through the Service Binding `API`. The page's fetches stay
// same-origin (no CORS), and the service itself has no assets router in front of its requests.
// The request goes on as it came — method, headers, body, URL — so the service sees the
// dashboard's origin (its /openapi.json names that origin) and the client's cf-connecting-ip.
// A path that is neither an asset nor the API's also reaches the service, which answers 404.
export default {
  fetch(request, env) {
    return env.API.fetch(request);
  },
};
