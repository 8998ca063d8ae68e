// Stage `deploy` of `make test` (docs/deploy.md, "Limits"): the deploy builds from a clean tree,
// offline, and the bundle is within Cloudflare's limits. For each environment of
// worker/wrangler.jsonc (and of worker/dashboard/wrangler.jsonc, the dashboard's Worker): copy what a fresh checkout holds (git's tracked files and untracked,
// not ignored ones) into a temp dir with the built pkg/ (and its www/pkg/ copy) and a
// node_modules link, run `node scripts/deploy.mjs <env> --dry-run --outdir …` there, then
//   - size: the bundle's modules raw and gzip-compressed (limits: 3 MB compressed on the Free
//     plan, 10 MB Paid; 64 MiB uncompressed in the docs since May 2026);
//   - start-up: the bundle's global scope run in workerd (parse, initSync) plus compiling its
//     wasm (startupMs below); limit 1 s (400 ms before 2025-10-10), asserted under 400 ms.
// Prints the figures and ends with "N passed, N failed".
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = new URL("..", import.meta.url).pathname;
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
// Not even a token in the environment: the dry run must need no account.
for (const k of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "TOKENKIT_D1_ID"]) delete ENV[k];

const LIMITS = {
  gzipBytes: 3 * 1000 * 1000, // Workers Free, compressed (the stricter plan)
  rawBytes: 64 * 1024 * 1024, // the uncompressed limit of the current docs
  startupMs: 400, // the pre-2025-10-10 limit; today's is 1000 ms
};
const ENVS = ["staging", "production"];

let passed = 0;
let failed = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAIL"} - ${what}`);
  ok ? passed++ : failed++;
};

if (!existsSync(join(ROOT, "pkg/tokenkit_bg.wasm"))) {
  console.error("deploy check: pkg/ is not built (make pkg)");
  process.exit(1);
}

// A fresh checkout's files, as they are in the working tree.
const tree = mkdtempSync(join(tmpdir(), "tokenkit-deploy-"));
try {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  let copied = 0;
  for (const f of files) {
    const from = join(ROOT, f);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted, or a submodule
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    cpSync(from, join(tree, f));
    copied++;
  }
  check(!existsSync(join(tree, "worker/.dev.vars")) && !existsSync(join(tree, "worker/.wrangler")), `clean copy: ${copied} files, no .dev.vars, no .wrangler state`);
  // the build's outputs, as `make pkg-www` leaves them
  cpSync(join(ROOT, "pkg"), join(tree, "pkg"), { recursive: true });
  mkdirSync(join(tree, "www/pkg"), { recursive: true });
  for (const f of ["full/tokenkit.js", "full/tokenkit_bg.wasm", "full/tokenkit.d.ts", "snippets"]) cpSync(join(ROOT, "pkg", f), join(tree, "www/pkg", f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"), "dir");

  for (const env of ENVS) {
    const out = join(tree, `out-${env}`);
    const t0 = Date.now();
    const r = spawnSync("node", ["scripts/deploy.mjs", env, "--dry-run", "--outdir", out], { cwd: tree, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    const log = `${r.stdout}${r.stderr}`;
    check(r.status === 0, `${env}: wrangler deploy --dry-run succeeds offline (${Date.now() - t0} ms)${r.status === 0 ? "" : `\n${log}`}`);
    if (r.status !== 0) continue;
    check(/--dry-run: exiting now/.test(log), `${env}: wrangler stopped before uploading`);
    check(/env\.DB \(tokenkit-\w+\)\s+D1 Database/.test(log) && log.includes(`env.DB (tokenkit-${env})`), `${env}: the D1 binding DB is database tokenkit-${env}`);
    // Durable Object bindings are not inherited by an environment: without its own, the deployed
    // service would have no rate counters (a missed binding that only the dry run shows).
    check(/env\.RATE \(RateCounter\)\s+Durable Object/.test(log), `${env}: the Durable Object binding RATE (RateCounter) for the rate counters`);
    const bundle = readdirSync(out).filter((f) => /\.(m?js|wasm)$/.test(f));
    const raw = bundle.reduce((n, f) => n + statSync(join(out, f)).size, 0);
    const gz = bundle.reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).length, 0);
    const upload = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(log);
    console.log(`${env}: bundle ${bundle.join(", ")}: ${kib(raw)} raw, ${kib(gz)} gzip${upload ? ` (wrangler: ${upload[1]} / gzip ${upload[2]})` : ""}`);
    check(bundle.some((f) => f.endsWith(".wasm")) && bundle.includes("index.js"), `${env}: the bundle holds index.js and the wasm module`);
    check(gz < LIMITS.gzipBytes, `${env}: compressed size ${kib(gz)} < ${LIMITS.gzipBytes / 1e6} MB (Free plan; Paid 10 MB)`);
    check(raw < LIMITS.rawBytes, `${env}: raw size ${kib(raw)} < 64 MiB`);
    // The service has no static assets (no assets router in front of its requests); the
    // dashboard's Worker, dry-run second, has www/ and the binding to this environment's service.
    const [serviceLog, dashboardLog] = log.split(/deploy: wrangler deploy --dry-run --env \w+ -c worker\/dashboard\//);
    check(dashboardLog !== undefined && !/env\.ASSETS/.test(serviceLog), `${env}: the service Worker has no assets binding`);
    check(/env\.API \(tokenkit-\w+\)\s+Worker/.test(dashboardLog ?? "") && dashboardLog.includes(`env.API (tokenkit-${env})`) && /env\.ASSETS\s+Assets/.test(dashboardLog) && /Read \d+ files from the assets directory/.test(dashboardLog) && (dashboardLog.match(/--dry-run: exiting now/g) ?? []).length === 1, `${env}: the dashboard's Worker: assets (www/) and the Service Binding API to tokenkit-${env}, dry-run after the service`);
    check(existsSync(join(`${out}-dashboard`, "index.js")) && !readdirSync(`${out}-dashboard`).some((f) => f.endsWith(".wasm")), `${env}: the dashboard's bundle is index.js alone (the page's wasm is an asset)`);
    const gen = JSON.parse(readFileSync(join(tree, `worker/.deploy.${env}.json`), "utf8"));
    check(gen.env[env].d1_databases[0].database_id === undefined && gen.env[env].observability?.enabled === true, `${env}: no D1 id in the dry run's config; observability enabled`);
  }

  // Start-up, on the staging bundle (the environments share the code). The pinned wrangler's
  // dry run prints no start-up time, and `wrangler check startup` here yields CPU profiles with
  // one or two idle samples, so: the bundle in workerd (Miniflare, as wrangler dev runs it)
  // behind a probe module whose request dynamically imports it — the wall time of that request
  // over a plain request's is parsing and running the global scope (initSync: instantiating the
  // wasm). workerd compiles a wasm module when it loads the Worker, before any request, so
  // that is timed apart, by the same V8 in Node (new WebAssembly.Module). Both are medians of 3.
  const out = join(tree, "out-staging");
  if (existsSync(join(out, "index.js"))) {
    const { globalScopeMs, compileMs } = await startupMs(out);
    const total = globalScopeMs + compileMs;
    console.log(`start-up: global scope ${globalScopeMs.toFixed(1)} ms + wasm compile ${compileMs.toFixed(1)} ms = ${total.toFixed(1)} ms (medians of 3)`);
    check(globalScopeMs > 0 && compileMs > 0, "start-up measured");
    check(total < LIMITS.startupMs, `start-up ${total.toFixed(1)} ms < ${LIMITS.startupMs} ms (today's limit: 1000 ms)`);
  }
} finally {
  rmSync(tree, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

function kib(n) {
  return `${(n / 1024).toFixed(1)} KiB`;
}

function median(xs) {
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

async function startupMs(out) {
  const { Miniflare } = await import("miniflare");
  const files = readdirSync(out);
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  const modules = [
    { type: "ESModule", path: join(out, "__startup_probe.js"), contents: `export default { async fetch(r) { if (new URL(r.url).pathname === "/import") await import("./index.js"); return new Response("ok"); } };` },
    { type: "ESModule", path: join(out, "index.js"), contents: readFileSync(join(out, "index.js"), "utf8") },
    ...wasm.map((f) => ({ type: "CompiledWasm", path: join(out, f), contents: readFileSync(join(out, f)) })),
  ];
  const scope = [];
  for (let i = 0; i < 3; i++) {
    const mf = new Miniflare({ modulesRoot: out, modules, compatibilityDate: "2026-04-01" });
    try {
      await mf.ready;
      const time = async (path) => {
        const t = performance.now();
        const r = await mf.dispatchFetch(`http://probe${path}`);
        if ((await r.text()) !== "ok") throw new Error(`probe ${path}: ${r.status}`);
        return performance.now() - t;
      };
      await time("/");
      const plain = Math.min(await time("/"), await time("/"), await time("/"));
      scope.push(Math.max(0.1, (await time("/import")) - plain));
    } finally {
      await mf.dispose();
    }
  }
  const compile = [];
  for (let i = 0; i < 3; i++) {
    const bytes = readFileSync(join(out, wasm[0]));
    const t = performance.now();
    new WebAssembly.Module(bytes);
    compile.push(performance.now() - t);
  }
  return { globalScopeMs: median(scope), compileMs: median(compile) };
}
