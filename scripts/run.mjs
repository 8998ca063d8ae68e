// `make run`: the token service (worker/wrangler.jsonc) on http://127.0.0.1:8787 and the
// dashboard's Worker (worker/dashboard/wrangler.jsonc: www/ + a Service Binding to the service)
// on http://127.0.0.1:8788 — two `wrangler dev` processes, as two Workers are deployed
// (docs/deploy.md). The dashboard's binding finds the service through wrangler's dev registry,
// kept in worker/.wrangler/dev-registry so that no other `wrangler dev` on the machine answers
// for "tokenkit". Ctrl-C (SIGINT) or SIGTERM stops both; if one exits, the other is stopped.
//
//   node scripts/run.mjs [--port 8787] [--dashboard-port 8788]
// TOKENKIT_SECRET_SCANNING_KEYS (public keys, docs/leaks.md) reaches the service from the environment.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const apiPort = Number(option("--port", "8787"));
const dashPort = Number(option("--dashboard-port", "8788"));
const ENV = { ...process.env, WRANGLER_REGISTRY_PATH: join(ROOT, "worker/.wrangler/dev-registry") };

// The dashboard's inspector needs a port of its own (the service's keeps wrangler's default, 9229).
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const keys = process.env.TOKENKIT_SECRET_SCANNING_KEYS;
const common = ["--ip", "127.0.0.1", "--show-interactive-dev-session=false"];
const children = [
  spawn(WRANGLER, ["dev", "-c", "worker/wrangler.jsonc", "--port", String(apiPort), ...common, ...(keys ? ["--var", `TOKENKIT_SECRET_SCANNING_KEYS:${keys}`] : [])], { cwd: ROOT, env: ENV, stdio: "inherit" }),
  spawn(WRANGLER, ["dev", "-c", "worker/dashboard/wrangler.jsonc", "--port", String(dashPort), "--inspector-port", String(await freePort()), ...common], { cwd: ROOT, env: ENV, stdio: "inherit" }),
];

let stopping = false;
let code = 0;
function stop() {
  if (stopping) return;
  stopping = true;
  // A terminal's Ctrl-C reaches the whole process group: give wrangler a moment to stop on its
  // own before telling it again; then force.
  setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGINT")), 1000).unref();
  setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill("SIGKILL")), 15_000).unref();
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
let alive = children.length;
for (const c of children) {
  c.on("exit", (status) => {
    if (!stopping && status) code = status;
    stop();
    if (--alive === 0) process.exit(code);
  });
}

// Both URLs once both answer (the dashboard's /openapi.json comes from the service, through the binding).
const ready = async (url) => {
  for (let i = 0; i < 600 && !stopping; i++) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
};
if ((await ready(`http://127.0.0.1:${apiPort}/openapi.json`)) && (await ready(`http://127.0.0.1:${dashPort}/openapi.json`))) {
  console.log(`\ntokenkit: the API on http://127.0.0.1:${apiPort}, the dashboard on http://127.0.0.1:${dashPort}/ (Ctrl-C stops both; data stays in worker/.wrangler/state)\n`);
}
