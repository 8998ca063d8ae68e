// The OpenAPI document as a test oracle (worker/test/api-*.test.mjs, security.test.mjs): a JSON
// Schema check of the subset the document uses (type, enum, allOf/anyOf/oneOf/not, string
// lengths, pattern, date-time, number bounds, items, required, properties and
// additionalProperties: false, $ref within the document), the operation a request is for, and
// `conforms`: a response's status must be documented and its body valid against its schema.
import assert from "node:assert/strict";

let doc; // the document the checks read: the one the service serves (`useDocument`)

/** Responses checked against the document so far (by `conforms`). */
export let checkedResponses = 0;

/** Sets the OpenAPI document every check below reads (the service's `/openapi.json`). */
export function useDocument(d) {
  doc = d;
}

export function deref(x) {
  while (x && x.$ref) x = x.$ref.slice(2).split("/").reduce((o, k) => o[k], doc);
  return x;
}

const isType = (t, v) =>
  t === "null" ? v === null : t === "array" ? Array.isArray(v) : t === "integer" ? Number.isInteger(v) : t === "object" ? typeof v === "object" && v !== null && !Array.isArray(v) : typeof v === t;

/** The schema violations of `v` (empty: valid). */
export function violations(schema, v, at = "$") {
  schema = deref(schema);
  const out = [];
  for (const s of schema.allOf ?? []) out.push(...violations(s, v, at));
  if (schema.anyOf && !schema.anyOf.some((s) => violations(s, v, at).length === 0)) out.push(`${at}: matches none of anyOf`);
  if (schema.oneOf) {
    const n = schema.oneOf.filter((s) => violations(s, v, at).length === 0).length;
    if (n !== 1) out.push(`${at}: matches ${n} of oneOf`);
  }
  if (schema.type && ![].concat(schema.type).some((t) => isType(t, v))) return [...out, `${at}: ${JSON.stringify(v)?.slice(0, 80)} is not ${schema.type}`];
  if (schema.enum && !schema.enum.includes(v)) out.push(`${at}: ${JSON.stringify(v)} not in enum`);
  if (schema.not && violations(schema.not, v, at).length === 0) out.push(`${at}: matches a schema it must not`);
  if (typeof v === "string") {
    if (schema.minLength !== undefined && [...v].length < schema.minLength) out.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && [...v].length > schema.maxLength) out.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(v)) out.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format === "date-time" && !(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v)))) out.push(`${at}: not a date-time`);
  }
  if (typeof v === "number") {
    if (schema.minimum !== undefined && v < schema.minimum) out.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) out.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(v) && schema.items) v.forEach((x, i) => out.push(...violations(schema.items, x, `${at}[${i}]`)));
  if (isType("object", v)) {
    for (const k of schema.required ?? []) if (!(k in v)) out.push(`${at}: missing ${k}`);
    for (const [k, x] of Object.entries(v)) {
      if (schema.properties && k in schema.properties) out.push(...violations(schema.properties[k], x, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}: unexpected property ${k}`);
    }
  }
  return out;
}

/** The OpenAPI operation for a request, or null when the document does not describe the path+method. */
export function operation(method, path) {
  const p = path.split("?")[0];
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(p)) return item[method.toLowerCase()] ?? null;
  }
  return null;
}

/**
 * Every documented operation's response must be documented, with a body valid against its schema;
 * and a request the service accepted (2xx) must be valid against the request schema (so the
 * document is not stricter than the service).
 */
export function conforms(method, path, r, sent) {
  const op = operation(method, path);
  if (!op) return; // an undocumented path or method: 404/405, checked by the tests themselves
  if (r.status < 300 && sent !== undefined && op.requestBody) {
    const type = Object.keys(op.requestBody.content).find((t) => t === (sent.type ?? "application/json")) ?? "application/json";
    const bad = violations(op.requestBody.content[type].schema, sent.body);
    assert.deepEqual(bad, [], `${method} ${path}: the service accepted a request the OpenAPI document calls invalid: ${JSON.stringify(sent.body).slice(0, 300)}`);
  }
  const spec = deref(op.responses[String(r.status)] ?? op.responses.default);
  assert.ok(spec, `${method} ${path}: status ${r.status} is not in the OpenAPI document (${JSON.stringify(r.body)?.slice(0, 200)})`);
  if (spec.content) {
    const schema = spec.content["application/json"]?.schema;
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/, `${method} ${path} ${r.status}: content-type`);
    const bad = violations(schema, r.body);
    assert.deepEqual(bad, [], `${method} ${path} ${r.status}: response does not match the OpenAPI schema`);
  } else {
    assert.equal(r.body, null, `${method} ${path} ${r.status}: documented without a body`);
  }
  checkedResponses++;
}
