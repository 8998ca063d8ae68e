// tokenkit's own API (/tk/v1, issue 5) against a real `wrangler dev` (workerd + local D1): every
// route's happy path and error paths, one security suite run on every route, the three auth
// header styles, last_used throttling, restart persistence, "no D1 read for a malformed token",
// no secret in the logs — and every response checked against the OpenAPI document the service
// serves (status documented, body valid against its schema).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startService, call, ROOT } from "./harness.mjs";
import * as tk from "../../pkg/tokenkit.js";

tk.initSync({ module: readFileSync(join(ROOT, "pkg/tokenkit_bg.wasm")) });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const POLICY = (role, inlineRole) => ({ language: "policy", role, ...(inlineRole ? { inlineRole } : {}) });
const OWNER = POLICY("owner");
const NAMES = (...scopes) => ({ language: "names", scopes });
const TOKEN_RE = /^tk_[0-9A-Za-z]{36}$/;
const DAY = 86_400_000;

let svc; // the running service
let doc; // its OpenAPI document
let R; // the root admin token (root account, owner role, policy owner scope, never expires)
const secrets = new Set(); // every secret the service showed: none may appear in its logs
let checkedResponses = 0;

// ---- the OpenAPI document as a test oracle: a JSON Schema check of the subset it uses ----------

function deref(x) {
  while (x && x.$ref) x = x.$ref.slice(2).split("/").reduce((o, k) => o[k], doc);
  return x;
}

const isType = (t, v) =>
  t === "null" ? v === null : t === "array" ? Array.isArray(v) : t === "integer" ? Number.isInteger(v) : t === "object" ? typeof v === "object" && v !== null && !Array.isArray(v) : typeof v === t;

/** The schema violations of `v` (empty: valid). */
function violations(schema, v, at = "$") {
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
function operation(method, path) {
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
function conforms(method, path, r, sent) {
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

/** `call` on the running service, checked against the OpenAPI document; remembers secrets shown. */
async function api(method, path, opts = {}) {
  const r = await call(svc.base, method, path, opts);
  let sent;
  if (opts.body !== undefined) sent = { body: opts.body, type: opts.headers?.["content-type"] };
  else if (typeof opts.raw === "string" && opts.raw.trim() !== "") {
    try {
      sent = { body: JSON.parse(opts.raw), type: opts.headers?.["content-type"]?.split(";")[0] };
    } catch {}
  }
  conforms(method, path, r, sent);
  if (r.body && typeof r.body === "object" && typeof r.body.secret === "string") secrets.add(r.body.secret);
  return r;
}

function assertError(r, status, code, field) {
  const got = `got ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
  assert.equal(r.status, status, `expected ${status} ${code}, ${got}`);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(r.body && typeof r.body === "object" && Object.keys(r.body).join() === "error", `error envelope, ${got}`);
  assert.equal(typeof r.body.error.message, "string");
  assert.ok(r.body.error.message.length > 0);
  if (code !== undefined) assert.equal(r.body.error.code, code, got);
  if (field instanceof RegExp) assert.match(r.body.error.field ?? "", field, got);
  else if (field !== undefined) assert.equal(r.body.error.field, field, got);
}

/** Creates a token with `token`; asserts 201 and returns {token, secret}. */
async function mint(token, body) {
  const r = await api("POST", "/tk/v1/tokens", { token, body: { name: "t", scope: OWNER, ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const self = (token, headers) => api("GET", "/tk/v1/self", { token, headers });
const rotateById = (token, id, body) => api("POST", `/tk/v1/tokens/${id}/rotate`, { token, body });

/** Adds calendar months in UTC, clamped to the month's end (docs/core.md), independently of the core. */
function addMonths(ms, n) {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The same token with one body character changed: well-formed, wrong checksum. */
function wrongChecksum(secret) {
  const i = 5;
  const c = secret[i] === "A" ? "B" : "A";
  return secret.slice(0, i) + c + secret.slice(i + 1);
}

// Accounts used throughout: the root account (svc.root), acme (owner alice) and globex (owner gus).
let rootAccount, acme, globex;

// The peppered service (last describe) starts alongside the main one: its start-up (migrations,
// bootstrap, wrangler dev) overlaps the other tests instead of adding to them.
const PEPPER = "pepper-".repeat(6);
const PEPPER_ROOT = tk.generateToken();
let pepperSvc;

before(async () => {
  pepperSvc = startService({ env: { TOKENKIT_PEPPER: PEPPER, TOKENKIT_ROOT_TOKEN: PEPPER_ROOT } });
  pepperSvc.catch(() => {}); // awaited (and reported) by its describe
  svc = await startService();
  R = svc.root.token;
  rootAccount = svc.root.account;
  secrets.add(R);
  const d = await call(svc.base, "GET", "/openapi.json");
  assert.equal(d.status, 200);
  doc = d.body;
  const a = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "acme", owner: "alice" } });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  acme = a.body;
  const g = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "globex", owner: "gus" } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  globex = g.body;
});

after(async () => {
  await svc?.cleanup();
  await (await pepperSvc?.catch(() => null))?.cleanup();
});

// ---------------------------------------------------------------------------------------------

describe("OpenAPI document", () => {
  test("is served at /openapi.json, is OpenAPI 3.1 and describes every route of the router", async () => {
    assert.equal(doc.openapi, "3.1.0");
    const routes = [
      ["get", "/tk/v1/tokens"], ["post", "/tk/v1/tokens"], ["get", "/tk/v1/tokens/{id}"], ["patch", "/tk/v1/tokens/{id}"],
      ["delete", "/tk/v1/tokens/{id}"], ["post", "/tk/v1/tokens/{id}/rotate"], ["post", "/tk/v1/verify"], ["get", "/tk/v1/self"],
      ["post", "/tk/v1/self/rotate"], ["delete", "/tk/v1/self"], ["post", "/tk/v1/accounts"], ["post", "/tk/v1/accounts/{id}/members"],
      ["get", "/tk/v1/accounts/{id}/members"], ["get", "/openapi.json"],
    ];
    for (const [m, p] of routes) assert.ok(doc.paths[p]?.[m], `${m} ${p} documented`);
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).filter((k) => k !== "parameters").map((m) => `${m} ${p}`));
    assert.deepEqual(documented.sort(), routes.map(([m, p]) => `${m} ${p}`).sort(), "no documented route that the router lacks");
    // every $ref resolves
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of refs) assert.ok(deref({ $ref: JSON.parse(`{${ref}}`).$ref }), ref);
    // the repository copy is the served one, but for the server's baseUrl: the serving origin
    const file = JSON.parse(readFileSync(join(ROOT, "worker/openapi.json"), "utf8"));
    assert.equal(doc.servers[0].variables.baseUrl.default, svc.base);
    assert.deepEqual({ ...doc, servers: file.servers }, file);
    const served = doc.servers[0];
    assert.deepEqual({ ...served, variables: { baseUrl: { ...served.variables.baseUrl, default: file.servers[0].variables.baseUrl.default } } }, file.servers[0]);
  });
});

describe("dashboard assets", () => {
  test("are served with headers that forbid framing them (www/_headers)", async () => {
    for (const path of ["/", "/js/app.js"]) {
      const r = await fetch(`${svc.base}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("x-frame-options"), "DENY", path);
      assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'", path);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      await r.arrayBuffer();
    }
    assert.equal((await fetch(`${svc.base}/_headers`)).status, 404, "the rules file itself is not served");
  });
});

describe("OpenAPI scope schemas", () => {
  const vectors = (f) => JSON.parse(readFileSync(join(ROOT, `tests/vectors/scope/${f}.json`), "utf8"));
  const valid = [...vectors("checks").map((c) => c.scope), ...vectors("covers").flatMap((c) => [c.parent, c.child])];

  test("every valid scope vector fits ScopeInput, and its normal form fits Scope", () => {
    assert.ok(valid.length > 50);
    for (const scope of valid) {
      assert.deepEqual(violations({ $ref: "#/components/schemas/ScopeInput" }, scope), [], JSON.stringify(scope));
      assert.deepEqual(violations({ $ref: "#/components/schemas/Scope" }, tk.validateScope(scope)), [], JSON.stringify(scope));
    }
  });

  test("invalid scope vectors are outside ScopeInput", () => {
    for (const c of vectors("invalid")) {
      assert.notDeepEqual(violations({ $ref: "#/components/schemas/ScopeInput" }, c.scope), [], c.name);
    }
  });
});

describe("create", () => {
  test("each lifetime kind gives the documented expiry", async () => {
    const instant = Date.now() + 3 * DAY + 1234;
    const kinds = [
      [undefined, (c) => c + 90 * DAY], // the default: 90 days
      ["never", () => null],
      [-1, () => null],
      ["-1", () => null],
      ["one-week", (c) => c + 7 * DAY],
      ["one-month", (c) => addMonths(c, 1)],
      ["three-months", (c) => addMonths(c, 3)],
      ["six-months", (c) => addMonths(c, 6)],
      ["one-year", (c) => addMonths(c, 12)],
      ["7-days", (c) => c + 7 * DAY],
      ["30-days", (c) => c + 30 * DAY],
      ["60-days", (c) => c + 60 * DAY],
      ["90-days", (c) => c + 90 * DAY],
      [3600, (c) => c + 3_600_000],
      ["7200", (c) => c + 7_200_000],
      ["P2W", (c) => c + 14 * DAY],
      ["PT12H", (c) => c + 12 * 3_600_000],
      ["P1DT0.5S", (c) => c + DAY + 500],
      [new Date(instant).toISOString(), () => instant],
      [new Date(instant).toISOString().replace("Z", "+00:00"), () => instant],
      ["2030-06-01T12:00:00+02:00", () => Date.parse("2030-06-01T10:00:00Z")],
    ];
    for (const [lifetime, expected] of kinds) {
      const { token, secret } = await mint(R, { name: `lifetime ${lifetime}`, ...(lifetime === undefined ? {} : { lifetime }) });
      const created = Date.parse(token.createdAt);
      const want = expected(created);
      assert.equal(token.expiresAt, want === null ? null : new Date(want).toISOString(), `lifetime ${JSON.stringify(lifetime)}`);
      assert.equal((await self(secret)).status, 200);
    }
  });

  test("each scope language is stored in its normal form and governs the new token", async () => {
    const cases = [
      [{ language: "s2", basins: { prefix: "" }, streams: { prefix: "users/" }, op_groups: { stream: { read: true } } }, { action: "read", basin: "basin-0001", stream: "users/1" }, { action: "append", basin: "basin-0001", stream: "users/1" }],
      [{ language: "privileges", privileges: ["orders:read", "users:*"] }, { action: "users:delete" }, { action: "orders:write" }],
      [POLICY("reader", [{ effect: "allow", actions: ["deploy"], resources: ["proj/*"] }]), { action: "deploy", resource: "proj/web" }, { action: "deploy", resource: "acct" }],
      [NAMES("read", "write"), { action: "write" }, { action: "admin" }],
      [{ language: "names", scopes: null }, { action: "anything" }, null],
    ];
    for (const [scope, allowed, denied] of cases) {
      const { token, secret } = await mint(R, { name: `scope ${scope.language}`, scope });
      assert.deepEqual(token.scope, tk.validateScope(scope), scope.language);
      assert.equal(token.dialect, "tokenkit");
      const me = await self(secret);
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.scope, token.scope);
      const ok = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request: allowed } });
      assert.equal(ok.body.valid, true, `${scope.language} allows ${JSON.stringify(allowed)}: ${ok.body.reason}`);
      if (denied) {
        const no = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request: denied } });
        assert.equal(no.body.valid, false, `${scope.language} denies ${JSON.stringify(denied)}`);
        assert.equal(no.body.code, "forbidden");
      }
    }
  });

  test("the secret is shown once, well-formed, with a masked hint; ETag is the version", async () => {
    const r = await api("POST", "/tk/v1/tokens", { token: R, body: { name: "  padded  ", description: "for CI", scope: NAMES("read") } });
    assert.equal(r.status, 201);
    assert.match(r.body.secret, TOKEN_RE);
    assert.equal(r.body.token.hint, `tk_…${r.body.secret.slice(-4)}`);
    assert.equal(r.body.token.name, "padded");
    const emoji = await mint(R, { name: "🔑".repeat(100) }); // 100 characters (200 UTF-16 units)
    assert.equal(emoji.token.name, "🔑".repeat(100));
    assert.equal(r.body.token.description, "for CI");
    assert.equal(r.body.token.version, 1);
    assert.equal(r.headers.get("etag"), '"1"');
    assert.equal(r.body.token.accountId, rootAccount);
    assert.equal(r.body.token.ownerId, svc.root.member);
    assert.equal(r.body.token.lastUsedAt, null);
    const got = await api("GET", `/tk/v1/tokens/${r.body.token.id}`, { token: R });
    assert.ok(!JSON.stringify(got.body).includes(r.body.secret.slice(3, 30)), "the secret is never shown again");
    assert.ok(!/digest|sha256/.test(JSON.stringify(got.body)), "no digest in responses");
  });

  test("422 names the field; nothing is created", async () => {
    const count = async () => (await api("GET", "/tk/v1/tokens?limit=100", { token: acme.secret })).body.tokens.length;
    const before = await count();
    const bad = [
      [{ scope: OWNER }, "invalid_field", "name"],
      [{ name: "   ", scope: OWNER }, "invalid_field", "name"],
      [{ name: 7, scope: OWNER }, "invalid_field", "name"],
      [{ name: "x".repeat(101), scope: OWNER }, "invalid_field", "name"],
      [{ name: ` ${"x".repeat(99)} `, scope: OWNER }, "invalid_field", "name"], // counted before trimming, as the schema's maxLength
      [{ name: null, scope: OWNER }, "invalid_field", "name"],
      [{ name: "a\u0007b", scope: OWNER }, "invalid_field", "name"],
      [{ name: "x", description: "d".repeat(1001), scope: OWNER }, "invalid_field", "description"],
      [{ name: "x", description: 5, scope: OWNER }, "invalid_field", "description"],
      [{ name: "x", scope: OWNER, colour: "red" }, "unknown_field", "colour"],
      [{ name: "x" }, "invalid_field", "scope"],
      [{ name: "x", scope: { language: "klingon" } }, "unknown_scope_language", "scope.language"],
      [{ name: "x", scope: { language: "privileges", privileges: ["ok:read", "bad"] } }, "invalid_scope", "scope.privileges[1]"],
      [{ name: "x", scope: OWNER, lifetime: "tomorrow" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: 0 }, "invalid_ttl", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: 1.5 }, "invalid_ttl", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: "2020-01-01T00:00:00Z" }, "lifetime_in_past", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: { days: 3 } }, "invalid_input", "lifetime.lifetime"],
      [{ name: "x", scope: OWNER, lifetime: null }, "invalid_input", "lifetime.lifetime"],
      [{ name: "x", scope: OWNER, lifetime: "" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", scope: OWNER, lifetime: `2030-01-01T00:00:00.${"0".repeat(90)}Z` }, "invalid_lifetime", "lifetime"],
    ];
    for (const [body, code, field] of bad) {
      const r = await api("POST", "/tk/v1/tokens", { token: acme.secret, body });
      assert.equal(r.status, 422, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(r.body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    assert.equal(await count(), before);
  });
});

describe("list", () => {
  let lister; // a member of acme with its own tokens
  const made = [];
  before(async () => {
    // created by root so that it may hold a token that never expires
    const m = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: R, body: { name: "lister", scope: OWNER, lifetime: "never" } });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    lister = m.body;
    for (let i = 1; i <= 5; i++) made.push((await mint(lister.secret, { name: `Page-${i}`, lifetime: "one-year" })).token);
    made.push((await mint(lister.secret, { name: "soon", lifetime: 3600 })).token);
    made.push((await mint(lister.secret, { name: "forever", lifetime: "never" })).token);
    made.push((await mint(lister.secret, { name: "gone", lifetime: 1 })).token);
    await sleep(Math.max(0, Date.parse(made.at(-1).expiresAt) - Date.now()) + 100);
  });
  const list = (q, token = lister.secret) => api("GET", `/tk/v1/tokens${q}`, { token });

  test("cursor pagination walks every token once, newest first", async () => {
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const r = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.tokens.length <= 3);
      seen.push(...r.body.tokens.map((t) => t.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(cursor, null);
    const expected = [...made].reverse().map((t) => t.id).concat(lister.token.id); // the first token is the oldest
    assert.deepEqual(seen, expected);
    assert.equal(pages, 3);
    const whole = await list("");
    assert.deepEqual(whole.body.tokens.map((t) => t.id), expected);
    assert.equal(whole.body.next_cursor, null);
  });

  test("filters: name (substring, ASCII case-insensitive), expired, expiring_within_days, combined", async () => {
    const ids = async (q) => (await list(q)).body.tokens.map((t) => t.name);
    assert.deepEqual(await ids("?name=page"), ["Page-5", "Page-4", "Page-3", "Page-2", "Page-1"]);
    assert.deepEqual(await ids("?name=PAGE-3"), ["Page-3"]);
    assert.deepEqual(await ids("?name=nothing-like-this"), []);
    assert.deepEqual(await ids("?expired=true"), ["gone"]);
    assert.ok(!(await ids("?expired=false")).includes("gone"));
    assert.equal((await ids("?expired=false")).length, made.length); // 7 live + the first token
    assert.deepEqual(await ids("?expiring_within_days=1"), ["soon"]);
    const within400 = await ids("?expiring_within_days=400");
    assert.ok(within400.includes("Page-1") && within400.includes("soon") && !within400.includes("forever") && !within400.includes("gone"));
    const p1 = await list("?name=page&limit=2");
    assert.deepEqual(p1.body.tokens.map((t) => t.name), ["Page-5", "Page-4"]);
    const p2 = await list(`?name=page&limit=2&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(p2.body.tokens.map((t) => t.name), ["Page-3", "Page-2"]);
  });

  test("secrets are never listed, only masked hints; revoked tokens are not listed", async () => {
    const r = await list("?limit=100");
    const text = JSON.stringify(r.body);
    for (const s of secrets) assert.ok(!text.includes(s));
    for (const t of r.body.tokens) assert.match(t.hint, /^tk_…[0-9A-Za-z]{4}$/);
    const victim = await mint(lister.secret, { name: "to revoke" });
    assert.equal((await api("DELETE", `/tk/v1/tokens/${victim.token.id}`, { token: lister.secret })).status, 204);
    assert.ok(!(await list("?limit=100")).body.tokens.some((t) => t.id === victim.token.id));
  });

  test("members see their own tokens; admins see everyone's with all=true; members may not", async () => {
    const own = (await list("?limit=100", acme.secret)).body.tokens;
    assert.ok(own.every((t) => t.ownerId === acme.member.id));
    const all = (await list("?all=true&limit=100", acme.secret)).body.tokens;
    assert.ok(made.every((m) => all.some((t) => t.id === m.id)));
    assert.ok(all.every((t) => t.accountId === acme.account.id));
    const bob = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "bob", role: "member", scope: POLICY("writer") } });
    assertError(await list("?all=true", bob.body.secret), 403, "forbidden", "all");
    // an owner's token that may view only the owner's own tokens cannot list everyone's
    const own_only = await mint(acme.secret, { name: "own only", scope: POLICY("no_access", [{ effect: "allow", actions: ["viewAccessToken"], resources: [`member/${acme.member.id}:token/*`] }]) });
    assert.equal((await list("", own_only.secret)).status, 200);
    assertError(await list("?all=true", own_only.secret), 403, "insufficient_scope");
  });

  test("400 for a bad query, naming the parameter", async () => {
    for (const [q, field] of [
      ["?limit=0", "limit"], ["?limit=101", "limit"], ["?limit=ten", "limit"], ["?cursor=abc", "cursor"], ["?cursor=-1", "cursor"],
      ["?expired=yes", "expired"], ["?expiring_within_days=0", "expiring_within_days"], ["?expiring_within_days=1.5", "expiring_within_days"],
      ["?all=1", "all"], ["?colour=red", "colour"], [`?name=${"n".repeat(101)}`, "name"],
    ]) assertError(await list(q), 400, "invalid_query", field);
  });
});

describe("get", () => {
  test("200 with the metadata and its ETag; 404 for unknown, revoked, or another member's token", async () => {
    const { token } = await mint(R, { name: "gettable", scope: NAMES("x") });
    const r = await api("GET", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, token);
    assert.equal(r.headers.get("etag"), '"1"');
    assertError(await api("GET", "/tk/v1/tokens/000000000000000000000000", { token: R }), 404, "not_found");
    assertError(await api("GET", `/tk/v1/tokens/${encodeURIComponent("no such ~id")}`, { token: R }), 404, "not_found");
    await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R });
    assertError(await api("GET", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    // members act on their own tokens only; the account's owner on everyone's
    const carol = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "carol", scope: POLICY("writer") } });
    const dave = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "dave", scope: POLICY("writer") } });
    assertError(await api("GET", `/tk/v1/tokens/${dave.body.token.id}`, { token: carol.body.secret }), 404, "not_found");
    assert.equal((await api("GET", `/tk/v1/tokens/${dave.body.token.id}`, { token: acme.secret })).status, 200);
  });
});

describe("patch", () => {
  test("If-Match on the version: 200 and a new ETag, 412 on a stale version (nothing changed)", async () => {
    const { token } = await mint(R, { name: "patchme", scope: NAMES("a", "b"), lifetime: "30-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const p1 = await api("PATCH", url, { token: R, headers: { "if-match": '"1"', "content-type": "application/json-patch+json" }, body: [{ op: "replace", path: "/name", value: "renamed" }] });
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.equal(p1.body.name, "renamed");
    assert.equal(p1.body.version, 2);
    assert.equal(p1.headers.get("etag"), '"2"');
    assert.equal(p1.body.expiresAt, token.expiresAt, "an untouched expiry stays exactly as it was");
    const stale = await api("PATCH", url, { token: R, headers: { "if-match": '"1"' }, body: [{ op: "replace", path: "/name", value: "lost update" }] });
    assertError(stale, 412, "precondition_failed");
    assertError(await api("PATCH", url, { token: R, headers: { "if-match": 'W/"1", "7"' }, body: [{ op: "replace", path: "/name", value: "x" }] }), 412, "precondition_failed");
    const now = await api("GET", url, { token: R });
    assert.equal(now.body.name, "renamed");
    assert.equal(now.body.version, 2);
    const p2 = await api("PATCH", url, { token: R, headers: { "if-match": 'W/"2"' }, body: [{ op: "add", path: "/description", value: "weak tag ok" }] });
    assert.equal(p2.status, 200);
    const p3 = await api("PATCH", url, { token: R, headers: { "if-match": "*" }, body: [{ op: "remove", path: "/description" }] });
    assert.equal(p3.status, 200);
    assert.equal(p3.body.description, null);
    const p4 = await api("PATCH", url, { token: R, body: [{ op: "test", path: "/version", value: 4 }, { op: "remove", path: "/scope/scopes/0" }] });
    assert.equal(p4.status, 200, JSON.stringify(p4.body));
    assert.deepEqual(p4.body.scope, NAMES("b"));
    assert.equal(p4.body.version, 5);
  });

  test("expiry may be shortened (RFC 3339 or epoch ms), never extended or removed", async () => {
    const { token, secret } = await mint(R, { name: "shorten", lifetime: "30-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const sooner = Date.parse(token.expiresAt) - DAY;
    const a = await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: new Date(sooner).toISOString() }] });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.expiresAt, new Date(sooner).toISOString());
    const b = await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: sooner - DAY }] });
    assert.equal(b.body.expiresAt, new Date(sooner - DAY).toISOString());
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: new Date(sooner + DAY).toISOString() }] }), 422, "expiry_extended", "/expiresAt");
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: null }] }), 422, "expiry_extended", "/expiresAt");
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: "2020-01-01T00:00:00Z" }] }), 422, "expiry_in_past", "/expiresAt");
    // shortened to a moment from now: the token stops working then
    const soon = Date.now() + 1500;
    assert.equal((await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/expiresAt", value: soon }] })).status, 200);
    assert.equal((await self(secret)).status, 200);
    await sleep(soon - Date.now() + 100);
    assertError(await self(secret), 401, "expired");
  });

  test("a caller that expires may not move an expiry later, even within its own; an expiry past 9999 is 422, not stored", async () => {
    const caller = await mint(R, { name: "30-day owner", lifetime: "30-days" });
    const { token } = await mint(caller.secret, { name: "7-day", lifetime: "7-days" });
    const url = `/tk/v1/tokens/${token.id}`;
    const later = Date.parse(token.expiresAt) + DAY; // still before the caller's own expiry
    assertError(await api("PATCH", url, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: later }] }), 422, "expiry_extended", "/expiresAt");
    // A token that never expires, patched by one that does: not past the caller's expiry.
    const forever = await mint(R, { name: "forever", lifetime: "never" });
    const fUrl = `/tk/v1/tokens/${forever.token.id}`;
    const past = Date.parse(caller.token.expiresAt) + DAY;
    assertError(await api("PATCH", fUrl, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: past }] }), 422, "expiry_extended", "/expiresAt");
    const within = Date.parse(caller.token.expiresAt) - DAY;
    const ok = await api("PATCH", fUrl, { token: caller.secret, body: [{ op: "replace", path: "/expiresAt", value: within }] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // Epoch ms beyond 9999-12-30 (a JS Date could not show it back) is refused, for any caller.
    const big = await mint(R, { name: "big", lifetime: "never" });
    const bUrl = `/tk/v1/tokens/${big.token.id}`;
    for (const value of [Number.MAX_SAFE_INTEGER, 253402207200001, 8.64e15]) {
      assertError(await api("PATCH", bUrl, { token: R, body: [{ op: "replace", path: "/expiresAt", value }] }), 422, "invalid_token_field", "/expiresAt");
    }
    const after = await api("GET", bUrl, { token: R });
    assert.equal(after.status, 200);
    assert.equal(after.body.expiresAt, null);
    assert.equal(after.body.version, big.token.version);
    const last = await api("PATCH", bUrl, { token: R, body: [{ op: "replace", path: "/expiresAt", value: 253402207200000 }] });
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.equal(last.body.expiresAt, "9999-12-30T22:00:00.000Z");
  });

  test("422 for a patch the policy refuses, with the path; 400/415 for the body; version unchanged", async () => {
    const { token } = await mint(R, { name: "policy", scope: NAMES("a") });
    const url = `/tk/v1/tokens/${token.id}`;
    const cases = [
      [[{ op: "replace", path: "/id", value: "mine" }], "patch_forbidden_path", "/id"],
      [[{ op: "replace", path: "/version", value: 9 }], "patch_forbidden_path", "/version"],
      [[{ op: "replace", path: "/hint", value: "tk_…0000" }], "patch_forbidden_path", "/hint"],
      [[{ op: "add", path: "/secret", value: "x" }], "patch_forbidden_path", "/secret"],
      [[{ op: "remove", path: "/name" }], "patch_forbidden_operation", "/name"],
      [[{ op: "test", path: "/name", value: "other" }], "test_failed", "/name"],
      [[{ op: "replace", path: "/name", value: 5 }], "invalid_token_field", "/name"],
      [[{ op: "replace", path: "/scope", value: { language: "names", scopes: [""] } }], "invalid_token_field", "/scope"],
      [[{ op: "jump", path: "/name" }], "invalid_operation", undefined],
      [{ op: "replace", path: "/name", value: "x" }, "invalid_patch", undefined],
    ];
    for (const [body, code, field] of cases) {
      const r = await api("PATCH", url, { token: R, body });
      assertError(r, 422, code, field);
    }
    // the field must also be one the service accepts (its name limit is 100 characters)
    assertError(await api("PATCH", url, { token: R, body: [{ op: "replace", path: "/name", value: "n".repeat(150) }] }), 422, "invalid_field", "name");
    assertError(await api("PATCH", url, { token: R, raw: "[{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    assertError(await api("PATCH", url, { token: R, raw: "[]", headers: { "content-type": "text/plain" } }), 415, "unsupported_media_type");
    const r = await api("GET", url, { token: R });
    assert.equal(r.body.version, 1);
    assert.equal(r.body.name, "policy");
  });
});

describe("rotate", () => {
  test("without grace: a new secret; the old one is refused at once as rotated", async () => {
    const { token, secret } = await mint(R, { name: "rot" });
    const r = await rotateById(R, token.id);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.secret, TOKEN_RE);
    assert.notEqual(r.body.secret, secret);
    assert.equal(r.body.previous_expires_at, null);
    assert.equal(r.body.token.version, 2);
    assert.equal(r.body.token.hint, `tk_…${r.body.secret.slice(-4)}`);
    assert.equal(r.headers.get("etag"), '"2"');
    assertError(await self(secret), 401, "rotated");
    assert.equal((await self(r.body.secret)).status, 200);
    // explicit "no grace" spellings
    for (const grace of [null, 0, "now"]) {
      const again = await rotateById(R, token.id, { grace });
      assert.equal(again.status, 200);
      assert.equal(again.body.previous_expires_at, null);
    }
  });

  test("with grace: the old secret works until the grace ends, then answers rotated", async () => {
    const { token, secret } = await mint(R, { name: "grace" });
    const r = await rotateById(R, token.id, { grace: 2 });
    assert.equal(r.status, 200);
    const until = Date.parse(r.body.previous_expires_at);
    assert.ok(Math.abs(until - (Date.now() + 2000)) < 1500, r.body.previous_expires_at);
    const old = await self(secret);
    assert.equal(old.status, 200, "the previous secret keeps working during the grace");
    assert.equal(old.body.id, token.id);
    assert.equal((await self(r.body.secret)).status, 200);
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(v.body.valid, true);
    // …but may not mint secrets during its grace
    assertError(await rotateById(secret, token.id), 403, "previous_secret");
    assertError(await api("POST", "/tk/v1/self/rotate", { token: secret }), 403, "previous_secret");
    assertError(await api("POST", "/tk/v1/tokens", { token: secret, body: { name: "child", scope: OWNER } }), 403, "previous_secret");
    await sleep(until - Date.now() + 150);
    assertError(await self(secret), 401, "rotated");
    const after = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(after.body.valid, false);
    assert.equal(after.body.code, "rotated");
    assert.equal((await self(r.body.secret)).status, 200);
  });

  test("the grace is capped at the token's own expiry; a grace must end; bad bodies refused", async () => {
    const { token } = await mint(R, { name: "capped", lifetime: 3600 });
    const r = await rotateById(R, token.id, { grace: "P1D" });
    assert.equal(r.status, 200);
    assert.equal(r.body.previous_expires_at, token.expiresAt);
    assert.equal(r.body.token.expiresAt, token.expiresAt, "rotation does not extend the token");
    const never = await mint(R, { name: "never", lifetime: "never" });
    assertError(await rotateById(R, never.token.id, { grace: "never" }), 422, "invalid_field", "grace");
    const finite = await rotateById(R, never.token.id, { grace: "PT1H" });
    assert.equal(finite.status, 200);
    assertError(await rotateById(R, never.token.id, { grace: "soon" }), 422, "invalid_lifetime", "grace");
    assertError(await rotateById(R, never.token.id, { grace: -5 }), 422, "invalid_ttl", "grace");
    assertError(await rotateById(R, never.token.id, { grace: `-${"0".repeat(99)}1` }), 422, "invalid_lifetime", "grace");
    assertError(await rotateById(R, never.token.id, { grace: 60, keep: true }), 422, "unknown_field", "keep");
    assertError(await api("POST", `/tk/v1/tokens/${never.token.id}/rotate`, { token: R, raw: "{", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    assertError(await api("POST", `/tk/v1/tokens/${never.token.id}/rotate`, { token: R, raw: "grace=1", headers: { "content-type": "application/x-www-form-urlencoded" } }), 415);
    assertError(await rotateById(R, "000000000000000000000000"), 404, "not_found");
  });
});

describe("revoke", () => {
  test("204; then the token is gone (404) and its secret answers revoked", async () => {
    const { token, secret } = await mint(R, { name: "revokable" });
    const r = await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(r.status, 204);
    assert.equal(r.body, null);
    assertError(await self(secret), 401, "revoked");
    assertError(await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    assertError(await api("GET", `/tk/v1/tokens/${token.id}`, { token: R }), 404, "not_found");
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.deepEqual([v.body.valid, v.body.code], [false, "revoked"]);
  });

  test("revoking during a rotation grace ends the previous secret too", async () => {
    const { token, secret } = await mint(R, { name: "revoke-in-grace" });
    const r = await rotateById(R, token.id, { grace: "PT1H" });
    assert.equal((await self(secret)).status, 200);
    assert.equal((await api("DELETE", `/tk/v1/tokens/${token.id}`, { token: R })).status, 204);
    assert.equal((await self(secret)).status, 401);
    assertError(await self(r.body.secret), 401, "revoked");
  });
});

describe("verify", () => {
  test("without a request: valid, with the token's id, owner, scope and expiry", async () => {
    const { token, secret } = await mint(R, { name: "verifiable", scope: NAMES("deploy"), lifetime: "one-week" });
    const r = await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { valid: true, code: "ok", tokenId: token.id, owner: token.ownerId, scope: token.scope, expiresAt: token.expiresAt, reason: r.body.reason });
    assert.equal(typeof r.body.reason, "string");
  });

  test("with a request {action, resource}: the scope's decision and its reason", async () => {
    const { secret } = await mint(R, { name: "pol", scope: POLICY("no_access", [{ effect: "allow", actions: ["read*"], resources: ["proj/*"] }, { effect: "deny", actions: ["*"], resources: ["proj/secret"] }]) });
    const ask = (request) => api("POST", "/tk/v1/verify", { token: R, body: { token: secret, request } });
    const yes = await ask({ action: "readFlag", resource: "proj/web" });
    assert.deepEqual([yes.body.valid, yes.body.code], [true, "ok"]);
    const denied = await ask({ action: "readFlag", resource: "proj/secret" });
    assert.deepEqual([denied.body.valid, denied.body.code], [false, "forbidden"]);
    assert.ok(denied.body.reason.length > 0);
    assert.ok(denied.body.tokenId, "a forbidden request still identifies the (valid) token");
    const other = await ask({ action: "writeFlag", resource: "proj/web" });
    assert.equal(other.body.valid, false);
    // a malformed request is the caller's error, naming the field
    assertError(await ask({ action: "readFlag" }), 422, "invalid_scope_request", "request.resource");
    assertError(await ask({ action: "readFlag", resource: "proj/web", colour: "red" }), 422, undefined, /^request/);
    assertError(await ask("readFlag"), 422, undefined, /^request/);
  });

  test("every failure is 200 valid:false with its code; 422 for a bad body", async () => {
    const revoked = await mint(R, { name: "v-revoked" });
    await api("DELETE", `/tk/v1/tokens/${revoked.token.id}`, { token: R });
    const expired = await mint(R, { name: "v-expired", lifetime: 1 });
    await sleep(Date.parse(expired.token.expiresAt) - Date.now() + 100);
    const cases = [
      ["", "missing_token"],
      ["hello", "malformed_token"],
      [wrongChecksum(R), "invalid_checksum"],
      [tk.generateToken(), "unknown_token"],
      [revoked.secret, "revoked"],
      [expired.secret, "expired"],
      [globex.secret, "unknown_token"], // another account's token: not disclosed
    ];
    for (const [token, code] of cases) {
      const r = await api("POST", "/tk/v1/verify", { token: R, body: { token } });
      assert.equal(r.status, 200);
      assert.equal(r.body.valid, false);
      assert.equal(r.body.code, code, token);
      assert.equal(r.body.tokenId, null);
      assert.equal(r.body.scope, null);
    }
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: {} }), 422, "invalid_field", "token");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: 5 } }), 422, "invalid_field", "token");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: R, extra: 1 } }), 422, "unknown_field", "extra");
    assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: "x".repeat(201) } }), 422, "invalid_field", "token");
    // the request's shape is checked whatever the token (even an invalid one)
    for (const [request, field] of [[{}, "request.action"], [{ action: 5 }, "request.action"], [{ action: "a", colour: "red" }, "request.colour"], [[], "request"], ["a", "request"]]) {
      assertError(await api("POST", "/tk/v1/verify", { token: R, body: { token: "hello", request } }), 422, undefined, field);
    }
    const nul = await api("POST", "/tk/v1/verify", { token: R, body: { token: R, request: null } });
    assert.deepEqual([nul.status, nul.body.valid], [200, true]);
  });
});

describe("self", () => {
  test("introspects the presented token with its role and root flag", async () => {
    const me = await self(R);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, svc.root.id);
    assert.deepEqual([me.body.role, me.body.root], ["owner", true]);
    assert.equal(me.headers.get("etag"), `"${me.body.version}"`);
    const alice = await self(acme.secret);
    assert.deepEqual([alice.body.role, alice.body.root, alice.body.accountId], ["owner", false, acme.account.id]);
    const weak = await mint(R, { name: "no access", scope: POLICY("no_access") });
    assert.equal((await self(weak.secret)).status, 200, "any token may read itself, whatever its scope");
  });

  test("self/rotate: with and without grace", async () => {
    const { secret } = await mint(R, { name: "selfrot" });
    const a = await api("POST", "/tk/v1/self/rotate", { token: secret });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assertError(await self(secret), 401, "rotated");
    const b = await api("POST", "/tk/v1/self/rotate", { token: a.body.secret, body: { grace: "PT10M" } });
    assert.equal(b.status, 200);
    assert.ok(Date.parse(b.body.previous_expires_at) > Date.now() + 9 * 60_000);
    assert.equal((await self(a.body.secret)).status, 200);
    assert.equal((await self(b.body.secret)).status, 200);
    assertError(await api("POST", "/tk/v1/self/rotate", { token: b.body.secret, body: { grace: "later" } }), 422, "invalid_lifetime", "grace");
  });

  test("DELETE /self revokes the presented token only", async () => {
    const one = await mint(R, { name: "self-1" });
    const two = await mint(R, { name: "self-2" });
    const r = await api("DELETE", "/tk/v1/self", { token: one.secret });
    assert.equal(r.status, 204);
    assertError(await self(one.secret), 401, "revoked");
    assert.equal((await self(two.secret)).status, 200);
  });
});

describe("admin", () => {
  test("root creates an account: its owner and first token (one year), which works", async () => {
    const r = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "initech", owner: "bill" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const { account, member, token, secret } = r.body;
    assert.equal(account.name, "initech");
    assert.deepEqual([member.name, member.role, member.accountId], ["bill", "owner", account.id]);
    assert.deepEqual([token.accountId, token.ownerId], [account.id, member.id]);
    assert.deepEqual(token.scope, tk.validateScope(OWNER));
    assert.equal(token.expiresAt, new Date(addMonths(Date.parse(token.createdAt), 12)).toISOString());
    const me = await self(secret);
    assert.deepEqual([me.body.role, me.body.root, me.body.accountId], ["owner", false, account.id]);
    const members = await api("GET", `/tk/v1/accounts/${account.id}/members`, { token: secret });
    assert.deepEqual(members.body.members.map((m) => m.name), ["bill"]);
    const scoped = await api("POST", "/tk/v1/accounts", { token: R, body: { name: "scoped", scope: NAMES("a"), lifetime: "P1D" } });
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.token.scope, NAMES("a"));
    assert.equal(scoped.body.member.name, "owner");
  });

  test("an owner creates members (any scope it covers) and their first token", async () => {
    const r = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "erin", role: "admin", scope: POLICY("reader"), lifetime: "30-days" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.member.role, r.body.member.accountId], ["admin", acme.account.id]);
    assert.deepEqual(r.body.token.scope, tk.validateScope(POLICY("reader")));
    assert.equal(r.body.token.expiresAt, new Date(Date.parse(r.body.token.createdAt) + 30 * DAY).toISOString());
    const me = await self(r.body.secret);
    assert.deepEqual([me.body.role, me.body.ownerId], ["admin", r.body.member.id]);
    const def = await api("POST", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret, body: { name: "frank" } });
    assert.equal(def.status, 201);
    assert.deepEqual([def.body.member.role, def.body.token.scope.role], ["member", "writer"]);
    const list = await api("GET", `/tk/v1/accounts/${acme.account.id}/members`, { token: acme.secret });
    assert.ok(["alice", "erin", "frank"].every((n) => list.body.members.some((m) => m.name === n)));
    // root may manage any account's members
    assert.equal((await api("POST", `/tk/v1/accounts/${globex.account.id}/members`, { token: R, body: { name: "by root", scope: POLICY("reader") } })).status, 201);
  });

  test("non-admins are refused; only owners add owners; 422 naming the field; nothing created", async () => {
    const acct = acme.account.id;
    const members = async () => (await api("GET", `/tk/v1/accounts/${acct}/members`, { token: acme.secret })).body.members.length;
    const n = await members();
    const m = await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body: { name: "mallory", role: "member", scope: OWNER } });
    const adm = await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body: { name: "ada", role: "admin", scope: OWNER } });
    assertError(await api("POST", "/tk/v1/accounts", { token: m.body.secret, body: { name: "evil" } }), 403, "forbidden");
    assertError(await api("POST", "/tk/v1/accounts", { token: acme.secret, body: { name: "evil" } }), 403, "forbidden");
    assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: m.body.secret, body: { name: "x", scope: NAMES("a") } }), 403, "forbidden");
    assertError(await api("GET", `/tk/v1/accounts/${acct}/members`, { token: m.body.secret }), 403, "forbidden");
    assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: adm.body.secret, body: { name: "x", role: "owner", scope: NAMES("a") } }), 403, "forbidden", "role");
    assert.equal((await api("POST", `/tk/v1/accounts/${acct}/members`, { token: adm.body.secret, body: { name: "by admin", scope: NAMES("a") } })).status, 201);
    const after = n + 3;
    for (const [body, code, field] of [
      [{}, "invalid_field", "name"],
      [{ name: "x", role: "boss" }, "invalid_field", "role"],
      [{ name: "x", scope: { language: "names", scopes: [5] } }, "invalid_scope", undefined],
      [{ name: "x", lifetime: "eventually" }, "invalid_lifetime", "lifetime"],
      [{ name: "x", team: "a" }, "unknown_field", "team"],
      [{ name: "x", role: null }, "invalid_field", "role"],
      [{ name: "x", scope: null }, "invalid_field", "scope"],
    ]) assertError(await api("POST", `/tk/v1/accounts/${acct}/members`, { token: acme.secret, body }), 422, code, field);
    for (const [body, code, field] of [
      [{}, "invalid_field", "name"],
      [{ name: "x", owner: 5 }, "invalid_field", "owner"],
      [{ name: "x", owner: null }, "invalid_field", "owner"],
      [{ name: "x", scope: { language: "nope" } }, "unknown_scope_language", "scope.language"],
      [{ name: "x", lifetime: 0 }, "invalid_ttl", "lifetime"],
    ]) assertError(await api("POST", "/tk/v1/accounts", { token: R, body }), 422, code, field);
    assert.equal(await members(), after, "refused requests created no member");
    assertError(await api("POST", "/tk/v1/accounts/000000000000000000000000/members", { token: R, body: { name: "x" } }), 404, "not_found");
    assertError(await api("GET", "/tk/v1/accounts/000000000000000000000000/members", { token: R }), 404, "not_found");
  });
});

describe("errors", () => {
  const post = (raw, type, path = "/tk/v1/tokens") => api("POST", path, { token: R, raw, headers: type ? { "content-type": type } : {} });

  test("400 for a body that is not JSON, not an object, or not UTF-8", async () => {
    assertError(await post("{", "application/json"), 400, "invalid_json");
    assertError(await post("", "application/json"), 400, "invalid_json");
    assertError(await post("[1]", "application/json"), 400, "invalid_json");
    assertError(await post("null", "application/json"), 400, "invalid_json");
    assertError(await post('"name"', "application/json; charset=utf-8"), 400, "invalid_json");
    assertError(await post(new Uint8Array([0x7b, 0xff, 0x7d]), "application/json"), 400, "invalid_encoding");
  });

  test("413 for a body over 64 KiB, declared or streamed; 64 KiB itself is read", async () => {
    const body = (n) => JSON.stringify({ name: "big", scope: OWNER, description: "" }).replace('""', `"${"d".repeat(n)}"`);
    const base = body(0).length;
    const exact = body(64 * 1024 - base);
    assert.equal(exact.length, 64 * 1024);
    assertError(await post(exact, "application/json"), 422, "invalid_field", "description"); // read, then refused for its length
    assertError(await post(body(64 * 1024 - base + 1), "application/json"), 413, "payload_too_large");
    assertError(await post("x".repeat(1 << 20), "application/json"), 413, "payload_too_large");
    // streamed without Content-Length: counted while reading
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (sent++ < 8) c.enqueue(chunk);
        else c.close();
      },
    });
    const r = await fetch(`${svc.base}/tk/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${R}`, "content-type": "application/json" }, body: stream, duplex: "half" });
    assert.equal(r.status, 413);
    assert.equal((await r.json()).error.code, "payload_too_large");
  });

  test("415 for another media type or none", async () => {
    const ok = JSON.stringify({ name: "x", scope: OWNER });
    assertError(await post(ok, "text/plain"), 415, "unsupported_media_type");
    assertError(await post(ok, "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    assertError(await post(new TextEncoder().encode(ok), undefined), 415, "unsupported_media_type");
    assertError(await post(ok, "application/json-patch+json"), 415, "unsupported_media_type");
    assertError(await post(ok, "text/plain", "/tk/v1/verify"), 415, "unsupported_media_type");
  });

  test("404 and 405 with the JSON envelope (405 lists the allowed methods)", async () => {
    for (const path of ["/tk/v1/nope", "/tk/v2/tokens", "/tk/v1/tokens/a/b", "/tk/v1/tokens/", "/tk", "/tk/v1/self/x"]) {
      assertError(await api("GET", path, { token: R }), 404, "not_found");
    }
    const cases = [
      ["PUT", "/tk/v1/tokens", "GET, POST"],
      ["DELETE", "/tk/v1/tokens", "GET, POST"],
      ["POST", "/tk/v1/tokens/abc", "GET, PATCH, DELETE"],
      ["GET", "/tk/v1/tokens/abc/rotate", "POST"],
      ["GET", "/tk/v1/verify", "POST"],
      ["PATCH", "/tk/v1/self", "GET, DELETE"],
      ["GET", "/tk/v1/self/rotate", "POST"],
      ["GET", "/tk/v1/accounts", "POST"],
      ["DELETE", "/tk/v1/accounts/abc/members", "POST, GET"],
      ["POST", "/openapi.json", "GET"],
    ];
    for (const [method, path, allow] of cases) {
      const r = await api(method, path, { token: R });
      assertError(r, 405, "method_not_allowed");
      assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
    }
  });

  test("no 500 for odd input on any route", async () => {
    const { token } = await mint(R, { name: "odd" });
    const bodies = ["0", "true", "{}", '{"name":{}}', '{"name":"x","scope":"owner"}', '{"name":"x","scope":[]}', '{"name":"x","scope":{"language":"s2","basins":5}}',
      '{"name":"x","scope":{"language":"policy","inlineRole":[{"effect":"maybe"}]}}', '{"name":"x","scope":{},"lifetime":null}', '{"name":"x","scope":{"language":"names"},"lifetime":"P99999Y"}',
      '{"name":"x","scope":{"language":"names"},"lifetime":1e300}', '{"token":[],"request":{"action":""}}', '{"grace":{}}', '{"grace":"P99999Y"}', '{"grace":true}',
      `{"name":"${"\\ud800"}","scope":{"language":"names"}}`, "[".repeat(5000) + "]".repeat(5000), '{"__proto__":{"x":1},"name":"p","scope":{"language":"names"}}'];
    const targets = [["POST", "/tk/v1/tokens"], ["POST", "/tk/v1/verify"], ["POST", `/tk/v1/tokens/${token.id}/rotate`], ["PATCH", `/tk/v1/tokens/${token.id}`], ["POST", "/tk/v1/accounts"], ["POST", `/tk/v1/accounts/${rootAccount}/members`]];
    for (const [method, path] of targets) {
      for (const raw of bodies) {
        const r = await api(method, path, { token: R, raw, headers: { "content-type": "application/json" } });
        assert.ok(r.status >= 200 && r.status < 500, `${method} ${path} ${raw.slice(0, 60)} → ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    for (const id of ["%", "%E0%A4%A", "..", "%2e%2e", "a".repeat(128), "~~~"]) {
      const r = await api("GET", `/tk/v1/tokens/${id}`, { token: R });
      assert.ok(r.status === 404, `${id} → ${r.status}`);
    }
  });
});

describe("dialect tokens in tokenkit's API", () => {
  test("tokens issued through the four seed dialects are listed with schema-valid metadata", async () => {
    const S2_ALL = { language: "s2", basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { account: { read: true, write: true }, basin: { read: true, write: true }, stream: { read: true, write: true } } };
    const cases = [
      ["s2", S2_ALL, (o) => call(svc.base, "POST", "/v1/access-tokens", { token: o.secret, body: { id: "dialect-s2", scope: { ops: ["read"] } } })],
      ["akinon", { language: "privileges", privileges: ["*:*"] }, (o) => call(svc.base, "POST", "/api/v1/me/tokens", { token: o.secret, body: { name: "dialect akinon", lifetime: "one-week" } })],
      ["launchdarkly", OWNER, (o) => call(svc.base, "POST", "/api/v2/tokens", { headers: { authorization: o.secret }, body: { name: "dialect ld", role: "reader" } })],
      ["space", { language: "names", scopes: null }, (o) => call(svc.base, "POST", `/v1/accounts/${o.member.id}/accessTokens`, { headers: { authorization: o.secret }, body: { ttl: 3600 } })],
    ];
    for (const [dialect, scope, issue] of cases) {
      const acct = await api("POST", "/tk/v1/accounts", { token: R, body: { name: `${dialect} co`, scope, lifetime: "never" } });
      assert.equal(acct.status, 201, JSON.stringify(acct.body));
      const made = await issue(acct.body);
      assert.ok(made.status === 200 || made.status === 201, `${dialect}: ${made.status} ${JSON.stringify(made.body)}`);
      for (const v of Object.values(made.body ?? {})) if (typeof v === "string" && TOKEN_RE.test(v)) secrets.add(v);
      const listed = await api("GET", "/tk/v1/tokens?limit=100", { token: acct.body.secret }); // checked against the schema by api()
      const theirs = listed.body.tokens.filter((t) => t.dialect === dialect);
      assert.equal(theirs.length, 1, `${dialect}: ${JSON.stringify(listed.body.tokens.map((t) => t.dialect))}`);
      const one = await api("GET", `/tk/v1/tokens/${encodeURIComponent(theirs[0].id)}`, { token: acct.body.secret });
      assert.equal(one.status, 200);
    }
  });
});

// ---- one security suite, run on every route ---------------------------------------------------

describe("security suite (every route)", () => {
  // Fixtures in the root account, owned by the root member (an owner): only the stated flaw differs.
  const f = {};
  before(async () => {
    f.target = await mint(R, { name: "the target", scope: NAMES("read"), lifetime: "one-week" });
    f.expired = await mint(R, { name: "expired", lifetime: 1 });
    f.revoked = await mint(R, { name: "revoked" });
    assert.equal((await api("DELETE", `/tk/v1/tokens/${f.revoked.token.id}`, { token: R })).status, 204);
    const rotated = await mint(R, { name: "rotated" });
    const rr = await rotateById(R, rotated.token.id, { grace: 1 });
    assert.equal(rr.status, 200);
    f.rotatedOut = { secret: rotated.secret, until: Date.parse(rr.body.previous_expires_at) };
    f.narrow = await mint(R, { name: "no access", scope: POLICY("no_access") });
    f.writer = await mint(R, { name: "writer", scope: POLICY("writer") });
    f.hourly = await mint(R, { name: "hourly owner", lifetime: 3600 });
    await sleep(Math.max(Date.parse(f.expired.token.expiresAt), f.rotatedOut.until) - Date.now() + 150);
  });

  const T = () => f.target.token.id;
  // Each route: how to call it, and what another account's token and a too-narrow scope get.
  const routes = [
    { name: "GET /tk/v1/tokens", method: "GET", path: () => "/tk/v1/tokens", foreign: "list", narrow: 403 },
    { name: "POST /tk/v1/tokens", method: "POST", path: () => "/tk/v1/tokens", body: () => ({ name: "x", scope: POLICY("no_access") }), foreign: "own-account", narrow: 403 },
    { name: "GET /tk/v1/tokens/{id}", method: "GET", path: () => `/tk/v1/tokens/${T()}`, foreign: 404, narrow: 403 },
    { name: "PATCH /tk/v1/tokens/{id}", method: "PATCH", path: () => `/tk/v1/tokens/${T()}`, body: () => [{ op: "replace", path: "/name", value: "pwned" }], foreign: 404, narrow: 403 },
    { name: "DELETE /tk/v1/tokens/{id}", method: "DELETE", path: () => `/tk/v1/tokens/${T()}`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/tokens/{id}/rotate", method: "POST", path: () => `/tk/v1/tokens/${T()}/rotate`, foreign: 404, narrow: 403 },
    { name: "POST /tk/v1/verify", method: "POST", path: () => "/tk/v1/verify", body: () => ({ token: f.target.secret }), foreign: "unknown", narrow: 403 },
    { name: "GET /tk/v1/self", method: "GET", path: () => "/tk/v1/self", foreign: null, narrow: null },
    { name: "POST /tk/v1/self/rotate", method: "POST", path: () => "/tk/v1/self/rotate", foreign: null, narrow: null },
    { name: "DELETE /tk/v1/self", method: "DELETE", path: () => "/tk/v1/self", foreign: null, narrow: null },
    { name: "POST /tk/v1/accounts", method: "POST", path: () => "/tk/v1/accounts", body: () => ({ name: "new co" }), foreign: "forbidden", narrow: 403 },
    { name: "POST /tk/v1/accounts/{id}/members", method: "POST", path: () => `/tk/v1/accounts/${rootAccount}/members`, body: () => ({ name: "intruder", scope: POLICY("no_access") }), foreign: 404, narrow: 403 },
    { name: "GET /tk/v1/accounts/{id}/members", method: "GET", path: () => `/tk/v1/accounts/${rootAccount}/members`, foreign: 404, narrow: 403 },
  ];
  const send = (route, headers) => api(route.method, route.path(), { headers, body: route.body?.() });
  const bearer = (t) => ({ authorization: `Bearer ${t}` });

  for (const route of routes) {
    describe(route.name, () => {
      test("no token → 401 missing_token (with WWW-Authenticate)", async () => {
        const r = await send(route, {});
        assertError(r, 401, "missing_token");
        assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer /);
        assertError(await send(route, { authorization: "" }), 401, "missing_token");
        assertError(await send(route, { "x-access-token": "  " }), 401, "missing_token");
      });
      test("malformed token → 401 malformed_token", async () => {
        for (const t of ["hello", "tk_short", `${f.target.secret}x`, `Basic ${Buffer.from("a:b").toString("base64")}`, "TK_" + f.target.secret.slice(3)]) {
          assertError(await send(route, { authorization: t.startsWith("Basic") ? t : `Bearer ${t}` }), 401, "malformed_token");
        }
      });
      test("wrong checksum → 401 invalid_checksum", async () => {
        assertError(await send(route, bearer(wrongChecksum(R))), 401, "invalid_checksum");
      });
      test("well-formed but never issued → 401 unknown_token", async () => {
        assertError(await send(route, bearer(tk.generateToken())), 401, "unknown_token");
      });
      test("expired → 401 expired", async () => {
        assertError(await send(route, bearer(f.expired.secret)), 401, "expired");
      });
      test("revoked → 401 revoked", async () => {
        assertError(await send(route, bearer(f.revoked.secret)), 401, "revoked");
      });
      test("rotated out after its grace → 401 rotated", async () => {
        assertError(await send(route, bearer(f.rotatedOut.secret)), 401, "rotated");
      });
      if (route.foreign !== null) {
        test("another account's token → never the other account's data", async () => {
          const r = await send(route, bearer(globex.secret));
          const text = JSON.stringify(r.body);
          assert.ok(!text.includes(T()) && !text.includes("the target") && !text.includes(rootAccount), `leaks: ${text}`);
          if (route.foreign === 404) assertError(r, 404, "not_found");
          else if (route.foreign === "forbidden") assertError(r, 403, "forbidden");
          else if (route.foreign === "list") {
            assert.equal(r.status, 200);
            assert.ok(r.body.tokens.every((t) => t.accountId === globex.account.id));
          } else if (route.foreign === "own-account") {
            assert.equal(r.status, 201);
            assert.equal(r.body.token.accountId, globex.account.id);
          } else if (route.foreign === "unknown") {
            assert.deepEqual([r.status, r.body.valid, r.body.code, r.body.tokenId, r.body.scope], [200, false, "unknown_token", null, null]);
          }
        });
      }
      if (route.narrow !== null) {
        test("insufficient scope → 403 insufficient_scope", async () => {
          assertError(await send(route, bearer(f.narrow.secret)), 403, "insufficient_scope");
        });
      } else {
        test("any live token may read, rotate and revoke itself, whatever its scope", async () => {
          const t = await mint(R, { name: "self narrow", scope: POLICY("no_access") });
          const r = await send(route, bearer(t.secret));
          assert.equal(r.status, route.method === "DELETE" ? 204 : 200, JSON.stringify(r.body));
        });
      }
      test("three header styles reach the same check", async () => {
        for (const h of [{ authorization: f.expired.secret }, { "x-access-token": f.expired.secret }, { authorization: `bearer   ${f.expired.secret}` }]) {
          assertError(await send(route, h), 401, "expired");
        }
      });
    });
  }

  describe("granting more than the caller holds is refused", () => {
    test("POST /tk/v1/tokens: a broader scope, or an expiry past the caller's", async () => {
      assertError(await api("POST", "/tk/v1/tokens", { token: f.writer.secret, body: { name: "x", scope: OWNER } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/tokens", { token: f.writer.secret, body: { name: "x", scope: NAMES("a") } }), 403, "scope_not_covered", "scope");
      const names = await mint(R, { name: "names a", scope: NAMES("a", "tokens:write") });
      assertError(await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: NAMES("a", "b") } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: { language: "names", scopes: null } } }), 403, "scope_not_covered", "scope");
      assert.equal((await api("POST", "/tk/v1/tokens", { token: names.secret, body: { name: "x", scope: NAMES("a") } })).status, 201);
      for (const lifetime of ["never", -1, "one-year", "P1DT1S", new Date(Date.parse(f.hourly.token.expiresAt) + 1).toISOString()]) {
        assertError(await api("POST", "/tk/v1/tokens", { token: f.hourly.secret, body: { name: "x", scope: OWNER, lifetime } }), 403, "outlives_issuer", "lifetime");
      }
      const def = await mint(f.hourly.secret, { name: "default lifetime" });
      assert.equal(def.token.expiresAt, f.hourly.token.expiresAt, "the default lifetime is shortened to the caller's expiry");
      const equal = await mint(f.hourly.secret, { name: "same expiry", lifetime: f.hourly.token.expiresAt });
      assert.equal(equal.token.expiresAt, f.hourly.token.expiresAt);
    });

    test("PATCH /tk/v1/tokens/{id}: a broader scope, or an expiry past the caller's", async () => {
      const url = `/tk/v1/tokens/${T()}`;
      assertError(await api("PATCH", url, { token: f.writer.secret, body: [{ op: "replace", path: "/scope", value: OWNER }] }), 403, "scope_not_covered", "/scope");
      assertError(await api("PATCH", url, { token: f.writer.secret, body: [{ op: "replace", path: "/scope/scopes", value: null }] }), 403, "scope_not_covered");
      const later = Date.parse(f.hourly.token.expiresAt) + 60_000;
      assertError(await api("PATCH", url, { token: f.hourly.secret, body: [{ op: "replace", path: "/expiresAt", value: new Date(later).toISOString() }] }), 422, "expiry_extended", "/expiresAt");
    });

    test("POST /tk/v1/accounts/{id}/members: the first token follows the same rules", async () => {
      const path = `/tk/v1/accounts/${rootAccount}/members`;
      assertError(await api("POST", path, { token: f.writer.secret, body: { name: "x", scope: OWNER } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", path, { token: f.hourly.secret, body: { name: "x", scope: NAMES("a"), lifetime: "never" } }), 403, "outlives_issuer", "lifetime");
      const capped = await api("POST", path, { token: f.hourly.secret, body: { name: "capped member", scope: NAMES("a") } });
      assert.equal(capped.status, 201);
      assert.equal(capped.body.token.expiresAt, f.hourly.token.expiresAt);
    });

    test("POST /tk/v1/accounts: root's narrower tokens cannot mint an owner elsewhere", async () => {
      assertError(await api("POST", "/tk/v1/accounts", { token: f.writer.secret, body: { name: "x" } }), 403, "scope_not_covered", "scope");
      assertError(await api("POST", "/tk/v1/accounts", { token: f.hourly.secret, body: { name: "x", lifetime: "never" } }), 403, "outlives_issuer", "lifetime");
      const capped = await api("POST", "/tk/v1/accounts", { token: f.hourly.secret, body: { name: "capped co" } });
      assert.equal(capped.status, 201);
      assert.equal(capped.body.token.expiresAt, f.hourly.token.expiresAt);
    });
  });

  test("after the whole suite the target is untouched and still works", async () => {
    const r = await api("GET", `/tk/v1/tokens/${T()}`, { token: R });
    assert.equal(r.status, 200);
    assert.equal(r.body.version, 1);
    assert.equal(r.body.name, "the target");
    assert.equal((await self(f.target.secret)).status, 200);
  });
});

// ---- auth details ----------------------------------------------------------------------------

describe("auth", () => {
  test("Authorization: Bearer, Authorization: <token> and x-access-token all authenticate", async () => {
    const { token, secret } = await mint(R, { name: "headers" });
    for (const headers of [{ authorization: `Bearer ${secret}` }, { authorization: `bearer ${secret}` }, { authorization: `  Bearer\t${secret}  ` }, { authorization: secret }, { "x-access-token": secret }, { "x-access-token": ` ${secret} ` }]) {
      const r = await api("GET", "/tk/v1/self", { headers });
      assert.equal(r.status, 200, JSON.stringify(headers));
      assert.equal(r.body.id, token.id);
    }
    // Authorization wins over x-access-token when both are sent
    assertError(await api("GET", "/tk/v1/self", { headers: { authorization: "Bearer nope", "x-access-token": secret } }), 401, "malformed_token");
  });

  test("last_used is written at most once a minute", async () => {
    const { token, secret } = await mint(R, { name: "usage" });
    const first = await self(secret);
    assert.equal(first.body.lastUsedAt, null, "the response shows the row as it was read");
    let used = null;
    for (let i = 0; i < 50 && used === null; i++) {
      await sleep(50);
      used = (await api("GET", `/tk/v1/tokens/${token.id}`, { token: R })).body.lastUsedAt;
    }
    assert.ok(used !== null, "the first use is recorded");
    assert.ok(Math.abs(Date.parse(used) - Date.parse(first.headers.get("date") ?? used)) < 5000);
    for (let i = 0; i < 5; i++) {
      assert.equal((await self(secret)).status, 200);
      await api("POST", "/tk/v1/verify", { token: R, body: { token: secret } });
    }
    await sleep(300);
    const later = await api("GET", `/tk/v1/tokens/${token.id}`, { token: R });
    assert.equal(later.body.lastUsedAt, used, "uses within the minute do not rewrite last_used");
    assert.equal(later.body.version, 1, "recording use is not an edit");
  });

  test("check() parses format and checksum before its first store call (the behaviour: see restart)", async () => {
    // The code: check() parses (format + checksum) before the first store call.
    const src = readFileSync(join(ROOT, "worker/src/auth.js"), "utf8");
    const body = src.slice(src.indexOf("export async function check"));
    assert.ok(body.indexOf("tk.parseToken(secret)") > 0 && body.indexOf("tk.parseToken(secret)") < body.indexOf("store.byDigest"));
    // The behaviour is checked at the end of this file, with the tokens table taken away.
  });
});

// ---- persistence, storage, logs (last: these restart the service) ----------------------------

describe("restart", () => {
  test("a token created before a restart still verifies after it", async () => {
    const made = await mint(R, { name: "survivor", scope: NAMES("deploy") });
    const rotated = await mint(R, { name: "rotated survivor" });
    const rr = await rotateById(R, rotated.token.id, { grace: "PT1H" });
    await svc.stop();
    await svc.start();
    const me = await self(made.secret);
    assert.equal(me.status, 200);
    assert.equal(me.body.id, made.token.id);
    const v = await api("POST", "/tk/v1/verify", { token: R, body: { token: made.secret, request: { action: "deploy" } } });
    assert.deepEqual([v.body.valid, v.body.tokenId], [true, made.token.id]);
    assert.equal((await self(rotated.secret)).status, 200, "the rotation grace survives too");
    assert.equal((await self(rr.body.secret)).status, 200);
    assert.equal((await self(acme.secret)).status, 200);
  });

  test("malformed and wrong-checksum tokens get their 401 even with no tokens table (no D1 read)", async () => {
    await svc.stop();
    const d1 = (sql) =>
      execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--command", sql], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
        stdio: ["ignore", "pipe", "pipe"],
      });
    d1("ALTER TABLE tokens RENAME TO tokens_away"); // for good: nothing after this test uses the main service's data
    await svc.start();
    assertError(await self("hello"), 401, "malformed_token");
    assertError(await self(wrongChecksum(R)), 401, "invalid_checksum");
    assertError(await api("POST", "/tk/v1/verify", { headers: { "x-access-token": `${R.slice(0, 10)}!` }, body: { token: R } }), 401, "malformed_token");
    // control: a well-formed token does reach D1, which now fails
    const r = await call(svc.base, "GET", "/tk/v1/self", { token: R });
    assert.equal(r.status, 500, "the control request must reach the (broken) database");
  });
});

describe("logs", () => {
  test("no secret appears in the worker's logs", () => {
    const logs = svc.logs();
    assert.ok(secrets.size > 50, `secrets collected: ${secrets.size}`);
    for (const s of secrets) assert.ok(!logs.includes(s) && !logs.includes(s.slice(3, 33)), "a secret (or its body) is in the logs");
    assert.ok(checkedResponses > 300, `responses checked against the OpenAPI document: ${checkedResponses}`);
  });
});

describe("pepper", () => {
  // A second service with TOKENKIT_PEPPER and a chosen TOKENKIT_ROOT_TOKEN (what `make run` passes
  // to the bootstrap and to the worker): digests are HMACs, and the root token is the one given.
  const pepper = PEPPER;
  const rootToken = PEPPER_ROOT;
  let p;
  before(async () => {
    p = await pepperSvc;
  });

  test("digests are hmac-sha256 with the pepper's version; the chosen root token works", async () => {
    assert.equal(p.root.token, rootToken);
    assert.equal((await call(p.base, "GET", "/tk/v1/self", { token: rootToken })).status, 200);
    const made = await call(p.base, "POST", "/tk/v1/tokens", { token: rootToken, body: { name: "peppered", scope: NAMES("a") } });
    assert.equal(made.status, 201);
    const v = await call(p.base, "POST", "/tk/v1/verify", { token: rootToken, body: { token: made.body.secret } });
    assert.equal(v.body.valid, true);
    await p.stop();
    const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", p.dir, "-c", "worker/wrangler.jsonc", "--json", "--command", "SELECT id, digest FROM tokens"], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const rows = JSON.parse(out.slice(out.indexOf("[")))[0].results;
    assert.equal(rows.length, 2);
    const key = { version: "v1", key: pepper };
    assert.equal(rows.find((r) => r.id === made.body.token.id).digest, tk.digestToken(made.body.secret, key));
    assert.equal(rows.find((r) => r.id === p.root.id).digest, tk.digestToken(rootToken, key));
    for (const r of rows) assert.match(r.digest, /^hmac-sha256:v1:[0-9a-f]{64}$/);
    const logs = p.logs();
    assert.ok(!logs.includes(made.body.secret) && !logs.includes(rootToken));
  });

  test("bootstrap: nothing new while a root token lives; a new one once the last is revoked", async () => {
    const boot = () =>
      JSON.parse(
        execFileSync("node", [join(ROOT, "scripts/bootstrap-root.mjs"), "--persist-to", p.dir, "--json"], { cwd: ROOT, env: { ...process.env, TOKENKIT_PEPPER: pepper, WRANGLER_SEND_METRICS: "false" }, encoding: "utf8" })
          .trim()
          .split("\n")
          .pop(),
      );
    assert.deepEqual(boot(), { created: false }, "the service is stopped; its root token is live");
    await p.start();
    assert.equal((await call(p.base, "DELETE", "/tk/v1/self", { token: rootToken })).status, 204);
    await p.stop();
    const again = boot();
    assert.equal(again.created, true);
    assert.equal(again.account, p.root.account, "the same root account");
    assert.equal(again.member, p.root.member, "the same root owner");
    secrets.add(again.token);
    await p.start();
    const me = await call(p.base, "GET", "/tk/v1/self", { token: again.token });
    assert.deepEqual([me.status, me.body.root, me.body.role], [200, true, "owner"]);
    assert.equal((await call(p.base, "GET", "/tk/v1/self", { token: rootToken })).body.error.code, "revoked");
  });
});
