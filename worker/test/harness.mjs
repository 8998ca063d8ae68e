// Starts a real `wrangler dev` (workerd + local D1) for tests, on a free loopback port with a
// fresh state directory: migrations applied, root token bootstrapped. Shared by the worker,
// dialect, dashboard, hardening and bench suites.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Copies the wasm package next to the dashboard (www/pkg/, git-ignored) so its Worker's assets can
 *  serve it: the full build (the page uses the service's rules) and the snippets its glue imports. */
export function stagePkg() {
  mkdirSync(join(ROOT, "www/pkg"), { recursive: true });
  // Only what changed: every running `wrangler dev` watches www/ and restarts its worker on a
  // write, failing the requests in flight ("Your worker restarted mid-request", 503).
  // tokenkit.js imports the TokenkitError class from its wasm-bindgen snippet (pkg/snippets/).
  const snippets = readdirSync(join(ROOT, "pkg"), { recursive: true }).filter((f) => f.startsWith("snippets") && f.endsWith(".js"));
  for (const f of ["full/tokenkit.js", "full/tokenkit_bg.wasm", "full/tokenkit.d.ts", ...snippets]) {
    const [from, to] = [join(ROOT, "pkg", f), join(ROOT, "www/pkg", f)];
    mkdirSync(dirname(to), { recursive: true });
    if (!existsSync(to) || !readFileSync(from).equals(readFileSync(to))) copyFileSync(from, to);
  }
}

/**
 * Runs `sql` (one or more statements) on the local D1 state in `dir` with `wrangler d1 execute`
 * (the service stopped or not) and returns wrangler's JSON: one {results} per statement. For
 * reading what the service stored (`wrangler d1 export` has no --persist-to).
 */
export function d1Query(dir, sql) {
  const text = execFileSync(WRANGLER, ["d1", "execute", "DB", "--local", "--persist-to", dir, "-c", "worker/wrangler.jsonc", "--json", "--command", sql], {
    cwd: ROOT,
    env: ENV,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(text.slice(text.indexOf("[")));
}

function wrangler(args, opts = {}) {
  return execFileSync(WRANGLER, args, { cwd: ROOT, env: { ...ENV, ...(opts.env ?? {}) }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Polls `url` until it answers 2xx; throws with the output so far if `proc` exits or 60 s pass. */
async function waitReady(url, proc, out, what) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited early:\n${out()}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${what} did not come up in 60 s:\n${out()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the service. Returns {base, root: {token, account, member, id}, dir, logs(), stop(), start()}.
 * `dir` is kept across stop/start (restart persistence); pass `dir` to reuse one. `logLevel` is
 * wrangler's (`warn` by default; the abuse suite reads `debug` logs for secrets). `flags` are
 * extra `wrangler dev` arguments of the service (e.g. `["--test-scheduled"]`, which serves
 * `/__scheduled?cron=…` and `/cdn-cgi/handler/scheduled?cron=…&time=<epoch ms>`).
 * `dashboard: true` also starts the dashboard's Worker (worker/dashboard/wrangler.jsonc: www/ and
 * the Service Binding to the service) in a second `wrangler dev`, as `make run` does; its origin
 * is `dashboard` (the service stays on `base`). Each service has a dev registry of its own in its
 * state directory (`registry`), so the binding reaches this test's service, not another test's; a
 * Worker of the test's own that binds to the service runs with WRANGLER_REGISTRY_PATH=`registry`.
 */
export async function startService({ dir, env = {}, logLevel = "warn", flags = [], dashboard = false } = {}) {
  stagePkg();
  const state = dir ?? mkdtempSync(join(tmpdir(), "tokenkit-test-"));
  // `env` (the pepper, a chosen root token) reaches the bootstrap and the worker through a
  // .dev.vars-style file in the state directory, never argv (visible in `ps`); --env-file also
  // keeps a developer's worker/.dev.vars out of the tests.
  const devVars = join(state, "test.dev.vars");
  writeFileSync(devVars, dotenv(env), { mode: 0o600 });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", "worker/wrangler.jsonc"]);
  const boot = JSON.parse(execFileSync("node", [join(ROOT, "scripts/bootstrap-root.mjs"), "--persist-to", state, "--secrets-file", devVars, "--json"], { cwd: ROOT, env: ENV, encoding: "utf8" }).trim().split("\n").pop());
  const port = await freePort();
  const dashPort = dashboard ? await freePort() : null;
  const svc = { base: `http://127.0.0.1:${port}`, dashboard: dashboard ? `http://127.0.0.1:${dashPort}` : null, root: boot.created ? boot : null, dir: state, proc: null, dashProc: null, out: "" };
  svc.registry = join(state, "dev-registry");
  const env_ = { ...ENV, WRANGLER_REGISTRY_PATH: svc.registry };
  const run = (args) => {
    const proc = spawn(WRANGLER, args, { cwd: ROOT, env: env_, stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout.on("data", (d) => (svc.out += d));
    proc.stderr.on("data", (d) => (svc.out += d));
    return proc;
  };
  svc.start = async () => {
    // A free inspector port too: with the default (9229), concurrent `wrangler dev`s collide.
    const inspector = await freePort();
    svc.proc = run(["dev", "-c", "worker/wrangler.jsonc", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", state, "--show-interactive-dev-session=false", "--log-level", logLevel, "--env-file", devVars, ...flags]);
    await waitReady(`${svc.base}/openapi.json`, svc.proc, () => svc.out, "wrangler dev");
    if (!dashboard) return;
    // The dashboard's Worker keeps no state; an empty env file keeps worker/.dev.vars out of it.
    const dashVars = join(state, "dashboard.dev.vars");
    writeFileSync(dashVars, "", { mode: 0o600 });
    svc.dashProc = run(["dev", "-c", "worker/dashboard/wrangler.jsonc", "--ip", "127.0.0.1", "--port", String(dashPort), "--inspector-port", String(await freePort()), "--persist-to", join(state, "dashboard"), "--show-interactive-dev-session=false", "--log-level", logLevel, "--env-file", dashVars]);
    // Through the binding: ready once the dashboard's Worker reaches the service.
    await waitReady(`${svc.dashboard}/openapi.json`, svc.dashProc, () => svc.out, "the dashboard's wrangler dev");
  };
  const stopProc = async (p) => {
    if (!p || p.exitCode !== null) return;
    const done = new Promise((r) => p.once("exit", r));
    p.kill("SIGINT");
    const t = setTimeout(() => p.kill("SIGKILL"), 10_000);
    await done;
    clearTimeout(t);
  };
  svc.stop = async () => {
    await stopProc(svc.dashProc);
    await stopProc(svc.proc);
  };
  svc.logs = () => svc.out;
  svc.cleanup = async () => {
    await svc.stop();
    if (!dir && existsSync(state)) rmSync(state, { recursive: true, force: true });
  };
  await svc.start();
  return svc;
}

/** KEY='value' lines (dotenv, as wrangler reads .dev.vars): single quotes keep a value literal. */
export function dotenv(vars) {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /['\n\r]/.test(String(v))) throw new Error(`cannot write ${k} to a .dev.vars file`);
      return `${k}='${v}'\n`;
    })
    .join("");
}

/** fetch with a token and JSON body; returns {status, headers, body (parsed or text)}. */
export async function call(base, method, path, { token, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: r.status, headers: r.headers, body: parsed };
}
