// A local cluster of the token service: N instances of the worker on consecutive loopback ports
// (8787, 8788, …) over ONE local D1 database — the shape of a deployment, many isolates and one
// D1 primary (docs/service.md, "Many isolates").
//
//   node scripts/cluster.mjs [--n 3] [--port 8787] [--persist-to DIR] [--env-file FILE] [--quiet]
//   (`make cluster N=3` runs it on worker/.wrangler/state, the data `make run` uses — not both at once)
//
// Why not N `wrangler dev` processes on one --persist-to: local D1 is a SQLite file that each
// process opens with its own D1 object, and concurrent writes from two processes fail
// (SQLITE_BUSY, answered as D1 "internal error"; 449 of 600 concurrent creates failed on
// 3 processes, docs/service.md). So the cluster is ONE workerd process (Miniflare, the engine
// `wrangler dev` runs) holding N workers, each its own V8 isolate with its own module scope
// (its own verification cache), each served directly on its own port, all bound to the same
// D1 database (one D1 object: one writer, as D1's primary is) and to one RateCounter Durable
// Object namespace (declared by instance 0, bound by the others through `scriptName`, so a
// token's rate counter is one object for every instance, as on Cloudflare).
// The worker is the bundle `wrangler deploy --dry-run` builds (the code a deploy uploads); the
// bindings and vars come from worker/wrangler.jsonc through wrangler's own reader; the secrets
// (pepper, TOKENKIT_ROOT_TOKEN) from worker/.dev.vars or --env-file, never argv.
// Differences from `wrangler dev`: no CF-Connecting-IP header (a token with allowedIps is
// refused: its client address is unknown) and no live reload.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";

export const ROOT = new URL("..", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const CONFIG = "worker/wrangler.jsonc";
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };

const wrangler = (args) => execFileSync(WRANGLER, args, { cwd: ROOT, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** The worker's bundle, as a deploy uploads it: {dir, main}. */
function bundle() {
  const dir = mkdtempSync(join(tmpdir(), "tokenkit-cluster-bundle-"));
  wrangler(["deploy", "--dry-run", "--env", "", "--outdir", dir, "-c", CONFIG]);
  return { dir, main: join(dir, "index.js") };
}

/**
 * Starts N instances over the local D1 state in `dir` (migrations applied, root token
 * bootstrapped as `make run` does). `ports`: one per instance (0 = any free port). `vars`:
 * extra worker vars/secrets (e.g. VERIFY_CACHE_TTL_MS), over worker/wrangler.jsonc's and the
 * env file's. `onLine(line)` gets every line the workers write (the request log) instead of the
 * terminal. Resolves to {bases, root (bootstrap's JSON: {created, token?, …}), dir, stop()}.
 */
export async function startCluster({ n = 3, ports, dir, envFile, vars = {}, quiet = false, onLine } = {}) {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error("the cluster has 1 to 64 instances");
  ports ??= Array.from({ length: n }, () => 0);
  // The Miniflare the pinned wrangler depends on (the one `wrangler dev` runs), not one of our own.
  const { Miniflare, Log, LogLevel } = createRequire(createRequire(import.meta.url).resolve("wrangler"))("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const state = dir ?? mkdtempSync(join(tmpdir(), "tokenkit-cluster-"));
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", CONFIG]);
  const bootArgs = [join(ROOT, "scripts/bootstrap-root.mjs"), "--persist-to", state, "--json", ...(envFile ? ["--secrets-file", envFile] : [])];
  const root = JSON.parse(execFileSync("node", bootArgs, { cwd: ROOT, env: ENV, encoding: "utf8" }).trim().split("\n").pop());
  const secretsFile = envFile ?? (existsSync(join(ROOT, "worker/.dev.vars")) ? join(ROOT, "worker/.dev.vars") : undefined);
  const secrets = secretsFile ? parseEnv(readFileSync(secretsFile, "utf8")) : {};
  const b = bundle();
  const { workerOptions: base } = unstable_getMiniflareWorkerOptions(join(ROOT, CONFIG), undefined, { envFiles: [] });
  const wasm = readdirSync(b.dir).filter((f) => f.endsWith(".wasm"));
  const workers = Array.from({ length: n }, (_, i) => ({
    ...base,
    name: i === 0 ? "tokenkit" : `tokenkit-${i}`,
    modules: [
      { type: "ESModule", path: b.main, contents: readFileSync(b.main, "utf8") },
      ...wasm.map((f) => ({ type: "CompiledWasm", path: join(b.dir, f), contents: readFileSync(join(b.dir, f)) })),
    ],
    modulesRoot: b.dir,
    bindings: { ...base.bindings, ...secrets, ...vars },
    durableObjects: i === 0 ? base.durableObjects : Object.fromEntries(Object.entries(base.durableObjects).map(([k, v]) => [k, { ...v, scriptName: "tokenkit" }])),
    unsafeDirectSockets: [{ host: "127.0.0.1", port: ports[i] }],
  }));
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false, // no download of Cloudflare's request.cf data (loopback only)
    log: new Log(quiet || onLine ? LogLevel.WARN : LogLevel.INFO),
    handleRuntimeStdio: onLine
      ? (out, err) => {
          createInterface({ input: out }).on("line", onLine);
          createInterface({ input: err }).on("line", onLine);
        }
      : quiet
        ? (out, err) => (out.resume(), err.resume())
        : undefined,
    d1Persist: join(state, "v3/d1"),
    durableObjectsPersist: join(state, "v3/do"),
    cachePersist: join(state, "v3/cache"),
    workers,
  });
  await mf.ready;
  const bases = [];
  for (const w of workers) {
    const url = await mf.unsafeGetDirectURL(w.name);
    bases.push(url.origin);
  }
  let stopped = false;
  return {
    bases,
    root,
    dir: state,
    async stop() {
      if (stopped) return;
      stopped = true;
      await mf.dispose();
      rmSync(b.dir, { recursive: true, force: true });
      if (!dir) rmSync(state, { recursive: true, force: true });
    },
  };
}

// ---- CLI -------------------------------------------------------------------------------------
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name, d) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
  const n = Number(option("--n", "3"));
  const first = Number(option("--port", "8787"));
  const dir = option("--persist-to", join(ROOT, "worker/.wrangler/state"));
  const c = await startCluster({ n, ports: Array.from({ length: n }, (_, i) => first + i), dir, envFile: option("--env-file"), quiet: args.includes("--quiet") });
  if (c.root.created) {
    console.log("\ntokenkit: created the root admin token. It is shown ONCE; store it in your password manager:\n");
    console.log(`    ${c.root.token}\n`);
  }
  console.log(`tokenkit cluster: ${n} instances over one D1 (${dir}):`);
  for (const b of c.bases) console.log(`  ${b}`);
  console.log("Ctrl-C stops.");
  const stop = async () => {
    await c.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
