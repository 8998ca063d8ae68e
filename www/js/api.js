// The dashboard's only door to the service: tokenkit's own API under /tk/v1/ (worker/openapi.json).
// Every failure becomes an ApiError carrying the service's {error: {code, message, field}} so the
// page can show it next to what caused it. The token is sent as a Bearer header, never in a URL.

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

const REASONS = {
  0: "the service could not be reached",
  401: "the service did not accept the token",
  403: "the token is not allowed to do this",
  404: "not found",
  409: "conflict",
  503: "the service cannot do this now",
  412: "someone else changed it",
  413: "the request is too large",
  415: "unsupported request type",
  422: "the service refused a value",
  429: "too many requests",
};

export class Api {
  /** @param {() => string | null} tokenOf reads the session token for each request */
  constructor(tokenOf, base = "/tk/v1") {
    this.tokenOf = tokenOf;
    this.base = base;
  }

  /**
   * One request. `body` is sent as JSON (or as a JSON Patch with `patch: true`).
   * Resolves to {status, body, etag}; rejects with ApiError.
   */
  async request(method, path, { body, patch = false, ifMatch, query } = {}) {
    const headers = { accept: "application/json" };
    const token = this.tokenOf();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = patch ? "application/json-patch+json" : "application/json";
    if (ifMatch) headers["if-match"] = ifMatch;
    let url = this.base + path;
    if (query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    }
    let r;
    try {
      r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch (e) {
      throw new ApiError(0, "network_error", `${REASONS[0]} (${e.message})`);
    }
    const text = await r.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!r.ok) {
      const e = parsed && typeof parsed === "object" && parsed.error ? parsed.error : null;
      throw new ApiError(r.status, e?.code ?? `http_${r.status}`, e?.message ?? REASONS[r.status] ?? `HTTP ${r.status}`, e?.field);
    }
    return { status: r.status, body: parsed, etag: r.headers.get("etag") };
  }

  self() {
    return this.request("GET", "/self");
  }
  list(query) {
    return this.request("GET", "/tokens", { query });
  }
  get(id) {
    return this.request("GET", `/tokens/${encodeURIComponent(id)}`);
  }
  create(body) {
    return this.request("POST", "/tokens", { body });
  }
  patch(id, operations, etag) {
    return this.request("PATCH", `/tokens/${encodeURIComponent(id)}`, { body: operations, patch: true, ifMatch: etag });
  }
  rotate(id, grace) {
    return this.request("POST", `/tokens/${encodeURIComponent(id)}/rotate`, { body: grace === undefined ? {} : { grace } });
  }
  revoke(id) {
    return this.request("DELETE", `/tokens/${encodeURIComponent(id)}`);
  }
  members(account) {
    return this.request("GET", `/accounts/${encodeURIComponent(account)}/members`);
  }
  disable(id) {
    return this.request("POST", `/tokens/${encodeURIComponent(id)}/disable`);
  }
  enable(id) {
    return this.request("POST", `/tokens/${encodeURIComponent(id)}/enable`);
  }
  /** The audit log: {target?, actor?, action?, since?, until?, limit?, cursor?}. */
  audit(query) {
    return this.request("GET", "/audit", { query });
  }
  webhooks(account) {
    return this.request("GET", `/accounts/${encodeURIComponent(account)}/webhooks`);
  }
  createWebhook(account, body) {
    return this.request("POST", `/accounts/${encodeURIComponent(account)}/webhooks`, { body });
  }
  deleteWebhook(account, id) {
    return this.request("DELETE", `/accounts/${encodeURIComponent(account)}/webhooks/${encodeURIComponent(id)}`);
  }
  deliveries(account, id) {
    return this.request("GET", `/accounts/${encodeURIComponent(account)}/webhooks/${encodeURIComponent(id)}/deliveries`);
  }
}

/** "the token's scope does not allow this (insufficient_scope, HTTP 403)" */
export function describeError(e) {
  if (e instanceof ApiError) return { text: e.message, code: e.code, status: e.status, field: e.field };
  if (e && e.name === "TokenkitError") return { text: e.message, code: e.code, status: null, field: e.field ?? e.path ?? null };
  return { text: String(e?.message ?? e), code: "error", status: null, field: null };
}
