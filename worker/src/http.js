// HTTP plumbing for tokenkit's own API: the JSON error envelope, body limits and content types.
// Dialect routes use their vendors' own envelopes (src/dialect/ via the wasm package).

export const MAX_BODY = 64 * 1024;
const DRAIN_MAX = 1024 * 1024;

/** An error the router turns into `{error: {code, message, field?}}` with `status`. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function json(body, status = 200, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

export function errorResponse(status, code, message, field, headers = {}) {
  const error = { code, message };
  if (field !== undefined && field !== null) error.field = field;
  return json({ error }, status, headers);
}

export const fail = (status, code, message, field) => new ApiError(status, code, message, field);

// One decoder for every body (decode without `stream` keeps no state between calls).
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes) {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw fail(400, "invalid_encoding", "request body is not UTF-8");
  }
}

/** Reads the body as text, refusing more than MAX_BODY bytes (413) whatever Content-Length says. */
export async function readText(request) {
  return utf8(await readBytes(request));
}

/** Reads the raw body, refusing more than `limit` bytes (413) whatever Content-Length says. */
export async function readBytes(request, limit = MAX_BODY) {
  const length = request.headers.get("content-length");
  const declared = Number(length ?? "0");
  if (declared > limit) throw fail(413, "payload_too_large", `request body is over ${limit} bytes`);
  if (!request.body) return new Uint8Array(0);
  // A declared length within the limit (the usual case): the runtime delivers exactly that many
  // bytes (HTTP framing), so the body is read in one call, as the no-op worker of bench/ reads
  // it. The size is checked again after the read all the same.
  if (length !== null && /^[0-9]{1,6}$/.test(length)) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw fail(413, "payload_too_large", `request body is over ${limit} bytes`);
    return bytes;
  }
  // Streamed (chunked) bodies are read chunk by chunk and refused past the limit.
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Keep reading, without keeping, up to DRAIN_MAX: answering before a streamed body is
      // consumed breaks the connection it came on (workerd then fails the next request on it).
      while (size <= DRAIN_MAX) {
        const next = await reader.read();
        if (next.done) break;
        size += next.value.byteLength;
      }
      if (size > DRAIN_MAX) await reader.cancel().catch(() => {});
      throw fail(413, "payload_too_large", `request body is over ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/**
 * Reads, without keeping, what the handler left unread of the request body (up to DRAIN_MAX
 * bytes). workerd closes a keep-alive connection after answering a request whose body was not
 * consumed, without `Connection: close`; a client that sends its next request on that
 * connection before it sees the close gets "other side closed" (a POST …/disable with a `{}`
 * body did this: the route reads no body). Past DRAIN_MAX the connection is let go.
 */
export async function drainBody(request) {
  const body = request.body;
  if (!body || request.bodyUsed || body.locked) return;
  if (Number(request.headers.get("content-length") ?? "0") > DRAIN_MAX) return;
  try {
    const reader = body.getReader();
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > DRAIN_MAX) return void (await reader.cancel().catch(() => {}));
    }
  } catch {
    // the client went away: nothing to keep alive
  }
}

/** Checks the media type (415 otherwise) and parses a JSON object body (400 otherwise). */
export async function readJson(request, types = ["application/json"], { allowEmpty = false } = {}) {
  const text = await readText(request);
  if (allowEmpty && text.trim() === "") return { body: {}, text: "" };
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (!types.includes(type)) throw fail(415, "unsupported_media_type", `content-type must be ${types.join(" or ")}`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail(400, "invalid_json", "request body is not valid JSON");
  }
  // The first line against deep bodies (issue 9): a recursive walk of a deep object overflows
  // the wasm stack, and a trapped call leaves the instance's shadow stack unwound, so every
  // later request of the isolate fails. The core no longer walks objects (they cross as JSON
  // text, which serde_json parses to depth 128), but the service refuses them before that.
  if (nestingDepth(text) > MAX_DEPTH) throw fail(400, "too_deep", `request body is nested deeper than ${MAX_DEPTH} levels`);
  return { body, text };
}

export const MAX_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text (strings skipped). */
export function nestingDepth(text) {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** A JSON object body, field by field. */
export async function readObject(request, opts) {
  const { body } = await readJson(request, undefined, opts);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw fail(400, "invalid_json", "request body must be a JSON object");
  return body;
}

/**
 * A display string (`name`, `description`, `owner`) checked by the core against its field-limit
 * table (src/rules/limits.rs): returned trimmed, or null when absent and not required; 422
 * invalid_field otherwise.
 */
export const textField = (tk, body, field) => ruled(() => tk.checkText(field, body[field]));

export function onlyFields(body, allowed) {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw fail(422, "unknown_field", `unknown field ${JSON.stringify(k).slice(0, 60)}`, k.slice(0, 60));
  }
}

/** Maps a TokenkitError from the wasm core to an API error on `field` (prefixing its own field). */
export function coreError(e, status, field) {
  if (e && e.name === "TokenkitError") {
    const f = field === undefined ? e.field : e.field ? `${field}.${e.field}` : field;
    return fail(status, e.code, e.message, f);
  }
  return e;
}

/**
 * Runs a call into the core's rules: a refusal that carries its HTTP status (src/rules/) becomes
 * that API error as it is; any other TokenkitError becomes `status` on `field` (coreError).
 */
export function ruled(fn, status = 422, field) {
  try {
    return fn();
  } catch (e) {
    if (e?.name === "TokenkitError" && typeof e.status === "number" && e.dialect === undefined) throw fail(e.status, e.code, e.message, e.field);
    throw coreError(e, status, field);
  }
}
