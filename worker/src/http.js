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

/** Reads the body as text, refusing more than MAX_BODY bytes (413) whatever Content-Length says. */
export async function readText(request) {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY) throw fail(413, "payload_too_large", `request body is over ${MAX_BODY} bytes`);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      // Keep reading, without keeping, up to DRAIN_MAX: answering before a streamed body is
      // consumed breaks the connection it came on (workerd then fails the next request on it).
      while (size <= DRAIN_MAX) {
        const next = await reader.read();
        if (next.done) break;
        size += next.value.byteLength;
      }
      if (size > DRAIN_MAX) await reader.cancel().catch(() => {});
      throw fail(413, "payload_too_large", `request body is over ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw fail(400, "invalid_encoding", "request body is not UTF-8");
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

// C0, DEL and C1 (U+0080–U+009F: NEL, and CSI, an 8-bit terminal escape), as Rust's char::is_control.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A required or optional display string: at most `max` characters (code points, as JSON
 * Schema's maxLength counts them, before trimming), not blank when required, no control
 * characters. Returned trimmed.
 */
export function text(body, field, { max = 100, required = true } = {}) {
  const v = body[field];
  if (v === undefined || v === null) {
    if (required) throw fail(422, "invalid_field", `${field} is required`, field);
    return null;
  }
  if (typeof v !== "string") throw fail(422, "invalid_field", `${field} must be a string`, field);
  if (CONTROL.test(v)) throw fail(422, "invalid_field", `${field} must not contain control characters`, field);
  if (v.length > max && [...v].length > max) throw fail(422, "invalid_field", `${field} is longer than ${max} characters`, field);
  const t = v.trim();
  if (required && t.length === 0) throw fail(422, "invalid_field", `${field} must not be blank`, field);
  return t;
}

export function onlyFields(body, allowed) {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw fail(422, "unknown_field", `unknown field ${JSON.stringify(k).slice(0, 60)}`, k.slice(0, 60));
  }
}

/** Maps a TokenkitError from the wasm core to an API error on `field` (prefixing its own field). */
export function coreError(e, status, field) {
  if (e && e.name === "TokenkitError") {
    const f = e.field ? `${field}.${e.field}` : field;
    return fail(status, e.code, e.message, f);
  }
  return e;
}
