// examples/resource-worker as a user runs it (make test stage 35, scripts/stages/35-package.sh):
// a fresh copy with the `npm pack` tarball installed, under `wrangler dev`, next to the tokenkit
// service (worker/, its own `wrangler dev` started by worker/test/harness.mjs). The two find each
// other through wrangler's dev registry — the service's private one (the harness's `registry`,
// passed as WRANGLER_REGISTRY_PATH), so no other `wrangler dev` on the machine answers as "tokenkit". The resource server refuses
// missing, malformed and wrong-checksum tokens itself (still, identically, once the service is
// stopped: no round trip), and real tokens minted by the service get the service's decision.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, installExample, skipWithoutTarball as skip } from "./project.mjs";

import { startService, freePort } from "../../worker/test/harness.mjs";
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

let svc, dir, state, rs, base;
const tokens = {};

/** The service's API as its root. */
async function api(method, path, body) {
  const r = await fetch(`${svc.base}${path}`, { method, headers: { authorization: `Bearer ${svc.root.token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}
async function mint(name, scope) {
  const r = await api("POST", "/tk/v1/tokens", { name, scope });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const call = (method, token) =>
  fetch(`${base}/orders`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }).then(async (r) => [r.status, await r.json()]);
const wrongChecksum = (t) => t.slice(0, 5) + (t[5] === "A" ? "B" : "A") + t.slice(6);

before(async () => {
  if (skip) return;
  svc = await startService();
  const verifier = await mint("orders resource server", { language: "policy", role: "reader" });
  tokens.reader = await mint("orders reader", { language: "privileges", privileges: ["orders:read"] });
  tokens.revoked = await mint("revoked", { language: "privileges", privileges: ["orders:*"] });
  assert.equal((await api("DELETE", `/tk/v1/tokens/${tokens.revoked.token.id}`)).status, 204);

  dir = installExample("resource-worker");
  state = mkdtempSync(join(tmpdir(), "tokenkit-resource-state-"));
  const vars = join(state, "test.dev.vars");
  writeFileSync(vars, `TOKENKIT_VERIFIER=${verifier.secret}\n`, { mode: 0o600 });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  rs = spawn(WRANGLER, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--persist-to", state, "--env-file", vars, "--show-interactive-dev-session=false", "--log-level", "warn"], {
    cwd: dir,
    env: { ...process.env, WRANGLER_REGISTRY_PATH: svc.registry, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  rs.out = "";
  rs.stdout.on("data", (d) => (rs.out += d));
  rs.stderr.on("data", (d) => (rs.out += d));
  // Up, and bound to the service (the dev registry is read asynchronously): a real token passes.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (rs.exitCode !== null) throw new Error(`wrangler dev (resource server) exited:\n${rs.out}`);
    try {
      const [status] = await call("GET", tokens.reader.secret);
      if (status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`the resource server never reached the service:\n${rs.out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});

after(async () => {
  if (rs && rs.exitCode === null) await new Promise((r) => { rs.once("exit", r); rs.kill("SIGINT"); });
  await svc?.cleanup();
  for (const d of [dir, state]) if (d) rmSync(d, { recursive: true, force: true });
});

test("real tokens minted by the service: the service's decision through the Service Binding", { skip, timeout: 60_000 }, async () => {
  const [ok, body] = await call("GET", tokens.reader.secret);
  assert.equal(ok, 200);
  assert.equal(body.tokenId, tokens.reader.token.id);
  assert.equal(body.owner, tokens.reader.token.ownerId);
  assert.deepEqual(await call("POST", tokens.reader.secret).then(([s, b]) => [s, b.error]), [403, "forbidden"], "orders:read does not allow orders:write");
  assert.deepEqual(await call("GET", tokens.revoked.secret).then(([s, b]) => [s, b.error]), [401, "revoked"]);
  const { generateToken } = await import(join(ROOT, "pkg/node.js"));
  assert.deepEqual(await call("GET", generateToken()).then(([s, b]) => [s, b.error]), [401, "unknown_token"], "well formed, never issued");
});

const LOCAL = [
  ["no Authorization header", undefined, "missing_token"],
  ["an empty bearer token", "", "missing_token"],
  ["not a token", "hello", "malformed_token"],
  ["a truncated token", "tk_HLRMjfJvuln0Cngl0EAq7s3PBwhK", "malformed_token"],
];

test("missing, malformed and wrong-checksum tokens: 401 from the resource server itself", { skip, timeout: 60_000 }, async () => {
  for (const [what, token, code] of [...LOCAL, ["a typo in a real token", wrongChecksum(tokens.reader.secret), "invalid_checksum"]]) {
    const [status, body] = await call("GET", token);
    assert.deepEqual([status, body.error], [401, code], what);
  }
});

test("with the service stopped: the same local refusals, and a real token gets 503 (no local answer for it)", { skip, timeout: 60_000 }, async () => {
  await svc.stop();
  const [down, body] = await call("GET", tokens.reader.secret);
  assert.deepEqual([down, body.error], [503, "verifier_unavailable"], "a real token needs the service");
  for (const [what, token, code] of [...LOCAL, ["a typo in a real token", wrongChecksum(tokens.reader.secret), "invalid_checksum"]]) {
    const [status, b] = await call("GET", token);
    assert.deepEqual([status, b.error], [401, code], `${what}, without the service`);
  }
});
