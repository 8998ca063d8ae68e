// `make bench`: every benchmark, side by side with its peers in the same run, then one markdown
// results table. Raw JSON of each part goes to bench/out/ (git-ignored); the report goes to
// bench/out/RESULTS.md and, for a full run, to bench/RESULTS.md (committed), and is printed.
//
//   node bench/run.mjs                 full run (~5 minutes on a quiet 2-core machine)
//   node bench/run.mjs --quick         short runs of everything (~2 minutes), bench/out/ only
//   node bench/run.mjs --only a,b      some parts: size, digest, scope, patch, service, store, cluster
//   node bench/run.mjs --report        rebuild the report from the last run's bench/out/*.json
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import { ROOT, flag, arg, fmtNs, table } from "./lib.mjs";
import { clusterSection, clusterSummary } from "./cluster-report.mjs";

const QUICK = flag("quick");
const ONLY = arg("only", "") ? String(arg("only", "")).split(",") : null;
const FULL = !QUICK && !ONLY;
const OUT = ROOT + "bench/out/";
mkdirSync(OUT, { recursive: true });
if (!existsSync(ROOT + "pkg/tokenkit_bg.wasm")) throw new Error("pkg/ is missing: run `make pkg` first");

const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
};
const started = new Date();
const load0 = os.loadavg();
const parts = {
  size: ["bench/size.bench.mjs", "--runs", QUICK ? "5" : "15"],
  digest: ["bench/digest.bench.mjs", "--rounds", QUICK ? "5" : "15", "--ms", QUICK ? "20" : "50"],
  scope: null, // several runs, below
  patch: ["bench/patch.bench.mjs", "--scale"],
  service: ["bench/service.bench.mjs", "--rounds", QUICK ? "1" : "5", "--seconds", QUICK ? "2" : "4"],
  store: ["bench/store.bench.mjs", "--tiers", QUICK ? "1,10000" : "1,1000,10000,100000", "--rounds", QUICK ? "1" : "2", "--seconds", QUICK ? "2" : "3"],
  cluster: ["bench/cluster.bench.mjs", "--instances", "3", "--rounds", QUICK ? "5" : "30", "--seconds", QUICK ? "2" : "4", "--load-rounds", QUICK ? "1" : "2", "--control-rounds", QUICK ? "2" : "5", "--overhead-rounds", QUICK ? "1" : "3"],
};
const SCOPE_RULES = [1, 10, 50, 100, 1000];

function runJson(args, env = {}) {
  const t0 = Date.now();
  process.stderr.write(`bench: node ${args.join(" ")} … `);
  const r = spawnSync(process.execPath, [...args, "--json"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (r.status !== 0) throw new Error(`${args[0]} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  return JSON.parse(line);
}

// --report: rebuild the report from the last run's bench/out/*.json (e.g. after editing NOTES.md).
const REPORT_ONLY = flag("report");
const results = {};
let meta = { started: started.toISOString(), load0, argv: process.argv.slice(2), env: { MAKELEVEL: process.env.MAKELEVEL, NO_PKG_BUILD: process.env.NO_PKG_BUILD, BENCH_ARGS: process.env.BENCH_ARGS } };
if (REPORT_ONLY) {
  meta = JSON.parse(readFileSync(OUT + "meta.json", "utf8"));
  for (const name of Object.keys(parts)) if (existsSync(`${OUT}${name}.json`)) results[name] = JSON.parse(readFileSync(`${OUT}${name}.json`, "utf8"));
}
for (const name of REPORT_ONLY ? [] : Object.keys(parts)) {
  if (ONLY && !ONLY.includes(name)) continue;
  if (name === "scope") {
    results.scope = SCOPE_RULES.map((n) => runJson(["bench/scope.bench.mjs", "--rules", String(n), "--rounds", QUICK ? "5" : "15"]));
  } else if (name === "patch") {
    results.patch = runJson(parts.patch, { ROUNDS: QUICK ? "5" : "15" });
  } else {
    results[name] = runJson(parts[name]);
  }
  writeFileSync(`${OUT}${name}.json`, JSON.stringify(results[name], null, 1) + "\n");
}
if (!REPORT_ONLY) {
  meta.finished = new Date().toISOString();
  meta.full = FULL;
  meta.commit = sh("git", ["rev-parse", "--short", "HEAD"]);
  meta.dirty = sh("git", ["status", "--porcelain", "--", "src", "worker/src", "Cargo.toml", "Cargo.lock"]);
  writeFileSync(OUT + "meta.json", JSON.stringify(meta, null, 1) + "\n");
}
const finished = new Date(meta.finished);
const startedAt = new Date(meta.started);
const full = Boolean(meta.full);
const quick = meta.argv.includes("--quick");

// ---- the report -------------------------------------------------------------------------------
const cpu = os.cpus();
const osName = (readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)/m) ?? [])[1] ?? os.type();
const wranglerVersion = JSON.parse(readFileSync(ROOT + "node_modules/wrangler/package.json", "utf8")).version;
const commit = meta.commit ?? sh("git", ["rev-parse", "--short", "HEAD"]);
const dirty = (meta.dirty ?? sh("git", ["status", "--porcelain", "--", "src", "worker/src", "Cargo.toml", "Cargo.lock"])) ? " (with uncommitted changes in src/ or worker/src/)" : "";
const x = (v) => `${v.toFixed(2)}×`;
const verdict = (ok) => (ok ? "met" : "**missed**");
const md = [];
const summaryRows = [];

md.push(`# Benchmark results`);
md.push("");
md.push(full ? "Written by `make bench` (`node bench/run.mjs`); the raw JSON of this run is in `bench/out/` (git-ignored). See [README.md](README.md) for the method." : `Partial run (\`node bench/run.mjs ${meta.argv.join(" ")}\`): not the committed figures.`);
md.push("");
md.push(table(["", ""], [
  ["date", `${startedAt.toISOString().replace(/\.\d+Z$/, "Z")} – ${finished.toISOString().slice(11, 19)}Z (${((finished - startedAt) / 60000).toFixed(1)} min)`],
  ["command", meta.env.MAKELEVEL !== undefined ? `\`make ${quick ? "bench-quick" : "bench"}${meta.env.NO_PKG_BUILD ? " NO_PKG_BUILD=1" : ""}${meta.env.BENCH_ARGS ? ` BENCH_ARGS="${meta.env.BENCH_ARGS}"` : ""}\`${meta.env.NO_PKG_BUILD ? " (pkg/ built just before by `make pkg`)" : ""}` : `\`node bench/run.mjs ${meta.argv.join(" ")}\``],
  ["machine", `${cpu[0]?.model ?? "?"}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${osName}, load average ${meta.load0.map((l) => l.toFixed(1)).join(" / ")} at start (${meta.load0[0] > 1 ? "the 1-minute load above 1 at the start: a job had just run or was running" : "a shared machine, quiet at the start"})`],
  ["software", `Node ${process.version}, wrangler ${wranglerVersion} (workerd, local D1), fast-json-patch ${JSON.parse(readFileSync(ROOT + "node_modules/fast-json-patch/package.json", "utf8")).version}, autocannon ${JSON.parse(readFileSync(ROOT + "node_modules/autocannon/package.json", "utf8")).version}`],
  ["code", `commit ${commit}${dirty}, pkg/ built by \`make pkg\` (release, wasm-opt -Oz)`],
]));
md.push("");
const SUMMARY_AT = md.length;

if (results.size) {
  const s = results.size;
  const full = s.builds?.full;
  summaryRows.push(["package size, default build `tokenkit` (wasm + JS glue, gzip -9)", `${(s.total.gzip / 1024).toFixed(1)} KiB`, "–", "–", "≤ 120 KiB", verdict(s.met)]);
  if (full) summaryRows.push(["package size, full build `tokenkit/full` (with the service rules and the dialects)", `${(full.total.gzip / 1024).toFixed(1)} KiB`, "–", "–", "–", "–"]);
  summaryRows.push(["instantiation in Node, default build (read + compile + instantiate + first call)", `${s.instantiation.total.median.toFixed(1)} ms`, "–", "–", "–", "–"]);
  md.push("## 1. Package size and instantiation");
  md.push("");
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const ms = (v) => `${v.median.toFixed(2)} ms (${v.min.toFixed(2)}–${v.max.toFixed(2)})`;
  const builds = s.builds ?? { default: s };
  md.push(table(["file", "raw", "gzip -9", "brotli 11"], Object.entries(builds).flatMap(([name, b]) => [
    ...Object.values(b.sizes).map((f) => [`\`${f.file}\``, kib(f.raw), kib(f.gzip), kib(f.brotli)]),
    [`**${name === "default" ? "default build, `tokenkit`" : "full build, `tokenkit/full`"}**`, kib(b.total.raw), `**${kib(b.total.gzip)}**`, kib(b.total.brotli)],
  ])));
  md.push("");
  for (const [name, b] of Object.entries(builds)) {
    md.push(`Instantiation of the ${name} build in Node, a fresh process per sample, median (min–max) of ${s.runs}: read ${ms(b.instantiation.read)}, compile ${ms(b.instantiation.compile)}, instantiate ${ms(b.instantiation.instantiate)}, first call ${ms(b.instantiation.firstCall)}; **total ${ms(b.instantiation.total)}**.`);
    md.push("");
  }
  md.push("");
}

if (results.digest) {
  const d = results.digest;
  md.push("## 2. Digest of a 40-byte token from JS");
  md.push("");
  md.push(`Every contender returns the same stored-digest string (\`sha256:<hex>\` / \`hmac-sha256:v1:<hex>\`, checked); WebCrypto awaited call by call. Per call, median (min–max) of ${d.rounds} interleaved rounds; CPU is the process's CPU time per call (all threads: WebCrypto hashes on libuv's pool), which a busy neighbour inflates less than wall time.`);
  md.push("");
  const rows = [];
  for (const [g, rs] of Object.entries(d.groups)) {
    for (const r of rs) rows.push([g, r.name, `${fmtNs(r.median)} (${fmtNs(r.min)}–${fmtNs(r.max)})`, `${(1e9 / r.median / 1e6).toFixed(2)} M/s`, r === rs[0] ? "–" : x(r.oursSpeedup), fmtNs(r.cpu.median), r === rs[0] ? "–" : x(r.oursCpuSpeedup)]);
  }
  md.push(table(["digest", "contender", "per call (wall)", "throughput", "tokenkit is", "CPU per call", "tokenkit is (CPU)"], rows));
  md.push("");
  const t = d.targets;
  const sha = d.groups["SHA-256"], hm = d.groups["HMAC-SHA-256 (pepper)"];
  const ours = fmtNs(sha[0].median);
  const peer = (rs, p) => rs.find((r) => r.name.startsWith(p));
  if (d.verifyPath) {
    md.push(`The wasm calls one \`POST /tk/v1/verify\` makes (\`parseToken\` + \`digestToken\` for the caller's and for the presented token; with a request, \`compileScope\` + \`explain\` + \`free\`), timed the same way: ${d.verifyPath.map((r) => `${r.name} **${fmtNs(r.median)}** (CPU ${fmtNs(r.cpu.median)})`).join("; ")} per request.`);
    md.push("");
  }
  const cpuX = (rs, p) => peer(rs, p).oursCpuSpeedup;
  const wc = peer(sha, "WebCrypto"), hwc = peer(hm, "WebCrypto");
  // Awaited WebCrypto: wall time is the point (the handler waits). Synchronous peers in the same
  // thread: CPU time, which other people's jobs on this machine disturb less (wall in brackets).
  summaryRows.push(["digestToken (SHA-256) vs awaited WebCrypto (wall time)", ours, "WebCrypto subtle.digest", fmtNs(wc.median), "≥ 10×", `${x(t.vsWebCrypto)} ${verdict(t.vsWebCrypto >= 10)}`]);
  summaryRows.push(["digestToken (SHA-256) vs node:crypto (CPU time)", fmtNs(sha[0].cpu.median), "createHash / crypto.hash()", `${fmtNs(peer(sha, "node:crypto createHash").cpu.median)} / ${fmtNs(peer(sha, "node:crypto hash").cpu.median)}`, "≥ 1×", `${x(cpuX(sha, "node:crypto createHash"))} ${verdict(cpuX(sha, "node:crypto createHash") >= 1)} / ${x(cpuX(sha, "node:crypto hash"))} ${verdict(cpuX(sha, "node:crypto hash") >= 1)} (wall ${x(t.vsCreateHash)} / ${x(t.vsNodeHash)})`]);
  summaryRows.push(["digestToken (HMAC pepper) vs awaited WebCrypto (wall)", fmtNs(hm[0].median), "subtle.sign", fmtNs(hwc.median), "≥ 10×", `${x(t.hmacVsWebCrypto)} ${verdict(t.hmacVsWebCrypto >= 10)}`]);
  summaryRows.push(["digestToken (HMAC pepper) vs node:crypto createHmac (CPU)", fmtNs(hm[0].cpu.median), "createHmac", fmtNs(peer(hm, "node:crypto").cpu.median), "≥ 1×", `${x(cpuX(hm, "node:crypto"))} ${verdict(cpuX(hm, "node:crypto") >= 1)} (wall ${x(t.hmacVsCreateHmac)})`]);
}

if (results.scope) {
  md.push("## 3. Scope checks: compiled scope vs a straightforward JS matcher");
  md.push("");
  md.push("`bench/scope.bench.mjs`: 1,000 requests (mixed hits and misses), `compiled.allowsAction(action, resource)` (strings cross the boundary) vs RegExp / string matchers over the same rules, answers checked equal first. Checks per second, median (min–max) of interleaved rounds.");
  md.push("");
  const f = (v) => `${(v / 1e6).toFixed(2)} M/s`;
  const rows = [];
  for (const run of results.scope) for (const r of run.rows) rows.push([r.workload, `${(r.hitRate * 100).toFixed(0)} %`, `${f(r.wasm)} (${f(r.wasmSpread[0])}–${f(r.wasmSpread[1])})`, `${f(r.js)} (${f(r.jsSpread[0])}–${f(r.jsSpread[1])})`, `**${x(r.ratio)}**`]);
  md.push(table(["workload", "hits", "tokenkit compiled", "JS matcher", "ratio"], rows));
  md.push("");
  const at50 = results.scope.find((r) => r.rules === 50);
  if (at50) for (const r of at50.rows) summaryRows.push([`scope checks, ${r.workload}`, f(r.wasm), "JS matcher", f(r.js), "≥ 5×", `${x(r.ratio)} ${verdict(r.ratio >= 5)}`]);
}

if (results.patch) {
  const p = results.patch;
  md.push("## 4. JSON Patch vs fast-json-patch");
  md.push("");
  md.push(`\`bench/patch.bench.mjs --scale\`: text in → text out (fast-json-patch's time includes \`JSON.parse\` of document and patch and \`JSON.stringify\` of the result, in its fastest mode: no validation, mutating the fresh copy). Both results are strings as their producer leaves them: \`JSON.stringify\` returns a rope of its parts, \`applyPatchJson\` (from 4 KiB of input) a rope of slices of its inputs; \`--flatten\` reads each result once so that V8 flattens both (bench/NOTES.md). Per call, median (p10–p90) of ${p.results[0]?.rounds} interleaved rounds; outputs checked equal.`);
  md.push("");
  const rows = [];
  for (const w of p.results) {
    const [ours, fjp, objs] = w.rows;
    rows.push([w.workload, `${(w.docBytes / 1000).toFixed(1)} KB, ${w.ops} ops`, `${fmtNs(ours.median * 1e3)} (${fmtNs(ours.p10 * 1e3)}–${fmtNs(ours.p90 * 1e3)})`, `${fmtNs(fjp.median * 1e3)} (${fmtNs(fjp.p10 * 1e3)}–${fmtNs(fjp.p90 * 1e3)})`, `**${x(ours.speedupVsFjp)}**`, `${fmtNs(objs.median * 1e3)} (${x(objs.speedupVsFjp)})`]);
  }
  md.push(table(["workload", "size", "tokenkit applyPatchJson", "fast-json-patch", "speed-up", "tokenkit applyPatch (objects)"], rows));
  md.push("");
  const a = p.results.find((w) => w.workload.startsWith("(a)")), b = p.results.find((w) => w.workload.startsWith("(b)"));
  if (a) summaryRows.push(["JSON Patch, token document, 3 ops", fmtNs(a.rows[0].median * 1e3), "fast-json-patch", fmtNs(a.rows[1].median * 1e3), "≥ 1×", `${x(a.rows[0].speedupVsFjp)} ${verdict(a.rows[0].speedupVsFjp >= 1)}`]);
  if (b) summaryRows.push(["JSON Patch, 1 MB document, 100 ops", fmtNs(b.rows[0].median * 1e3), "fast-json-patch", fmtNs(b.rows[1].median * 1e3), "≥ 5×", `${x(b.rows[0].speedupVsFjp)} ${verdict(b.rows[0].speedupVsFjp >= 5)}`]);
}

if (results.service) {
  const s = results.service;
  md.push("## 5. The service on `wrangler dev` (workerd + local D1), loopback");
  md.push("");
  md.push(`autocannon, ${s.connections} keep-alive connections, ${s.rounds} interleaved rounds × ${s.seconds} s per target (order rotated each round), after a 1 s warm-up each. Every response is checked (2xx and the expected body: \`"valid":true\` for verify); anything else counts as an error. Requests/s and latency: median (min–max) over rounds.`);
  md.push("");
  const f0 = (v) => `${v.median.toFixed(0)} (${v.min.toFixed(0)}–${v.max.toFixed(0)})`;
  const f2 = (v) => `${v.median.toFixed(1)} (${v.min.toFixed(1)}–${v.max.toFixed(1)})`;
  md.push(table(["target", "requests/s", "p50 ms", "p99 ms", "of no-op", "server CPU µs/request", "of it in wrangler's node", "requests", "errors"], s.rows.map((r) => [r.target, f0(r.rps), f2(r.p50), f2(r.p99), `${(r.ofNoop * 100).toFixed(0)} %`, r.cpuUs ? f0(r.cpuUs) : "–", r.nodeCpuUs ? r.nodeCpuUs.median.toFixed(0) : "–", String(r.requests), `${r.errors}${r.reloads ? ` (${r.reloads} run${r.reloads > 1 ? "s" : ""} with a wrangler reload)` : ""}`])));
  md.push("");
  md.push("Server CPU per request: CPU time (user + system, from /proc) of the `wrangler dev` process tree — wrangler's node process and its workerd processes — over the run, divided by the responses; a busy machine disturbs it far less than requests/s. “Of it in wrangler's node” is the part spent in wrangler's node process rather than in workerd. A run during which wrangler dev replaced a process (it reloads the worker when files it watches change, e.g. when another test run restages \`www/pkg/\`) is left out of the CPU figures and noted with the errors.");
  md.push("");
  const v = s.rows.find((r) => r.target === "POST /tk/v1/verify");
  const d2 = s.rows.find((r) => r.target.startsWith("no-op + 2"));
  const noop = s.rows[0];
  // Where verify's server CPU goes, from the same run (CPU per request of the wrangler dev tree).
  const b2 = s.rows.find((r) => r.target.includes("one batch"));
  const off = s.rows.find((r) => r.target.startsWith("POST /tk/v1/verify, cache off"));
  if (d2 && v.cpuUs && d2.cpuUs && noop.cpuUs && off?.cpuUs) {
    const c = (r) => r.cpuUs.median / 1000; // ms
    md.push(
      `Server CPU per request: no-op ${c(noop).toFixed(2)} ms, no-op + 2 trivial D1 queries ${c(d2).toFixed(2)} ms${b2?.cpuUs ? ` (${c(b2).toFixed(2)} ms as one batch)` : ""}; verify with the verification cache off ${c(off).toFixed(2)} ms (one D1 query for both tokens; ${Math.round(off.nodeCpuUs.median)} µs of it in wrangler's node process, which serves local D1), with the cache on (the service's default; the benchmark's tokens are cache hits) ${c(v).toFixed(2)} ms, ${Math.round(v.nodeCpuUs.median)} µs of it in wrangler's node process: no D1 round trip. What remains above the no-op (${(c(v) - c(noop)).toFixed(2)} ms) is the worker's JS and the wasm calls (µs: section 2; the service Worker has no assets router in front of it since issue #21: bench/NOTES.md).`,
    );
    md.push("");
  }
  const quiet = s.rows.find((r) => r.target === "POST /tk/v1/verify, request log off");
  const loggedNoop = s.rows.find((r) => r.target.startsWith("no-op + one log line"));
  if (quiet && loggedNoop) {
    // Like with like (bench/service.bench.mjs): with the request log against the no-op writing the same line, without it against the plain no-op.
    summaryRows.push(["service: verify requests/s vs no-op worker, with the request log", `${v.rps.median.toFixed(0)}/s, p50 ${v.p50.median.toFixed(1)} ms, p99 ${v.p99.median.toFixed(1)} ms`, "no-op writing the same log line", `${loggedNoop.rps.median.toFixed(0)}/s`, "≥ 85 %, 0 errors", `${(s.verifyOfLoggedNoop * 100).toFixed(0)} %, ${v.errors} errors ${verdict(s.verifyOfLoggedNoop >= 0.85 && v.errors === 0)}`]);
    summaryRows.push(["service: verify requests/s vs no-op worker, request log off", `${quiet.rps.median.toFixed(0)}/s, p50 ${quiet.p50.median.toFixed(1)} ms, p99 ${quiet.p99.median.toFixed(1)} ms`, "no-op worker", `${noop.rps.median.toFixed(0)}/s`, "≥ 85 %, 0 errors", `${(quiet.ofNoop * 100).toFixed(0)} %, ${quiet.errors} errors ${verdict(quiet.ofNoop >= 0.85 && quiet.errors === 0)}`]);
    summaryRows.push(["service: verify with the request log vs the plain no-op (wrangler dev relays each line to node)", `${v.rps.median.toFixed(0)}/s`, "no-op worker", `${noop.rps.median.toFixed(0)}/s`, "(context)", `${(v.ofNoop * 100).toFixed(0)} %`]);
  } else {
    summaryRows.push(["service: verify requests/s vs no-op worker", `${v.rps.median.toFixed(0)}/s, p50 ${v.p50.median.toFixed(1)} ms, p99 ${v.p99.median.toFixed(1)} ms`, "no-op worker", `${noop.rps.median.toFixed(0)}/s`, "≥ 85 %, 0 errors", `${(v.ofNoop * 100).toFixed(0)} %, ${v.errors} errors ${verdict(s.met)}`]);
  }
  // Like with like, as the requests/s rows: each verify against the no-op writing the same log lines.
  if (quiet.cpuUs && noop.cpuUs) summaryRows.push(["service: server CPU per verify vs per no-op request, request log off", `${(quiet.cpuUs.median / 1000).toFixed(2)} ms`, "no-op worker", `${(noop.cpuUs.median / 1000).toFixed(2)} ms`, "(same target, noise-robust)", `${((100 * noop.cpuUs.median) / quiet.cpuUs.median).toFixed(0)} %`]);
  if (v.cpuUs && loggedNoop.cpuUs) summaryRows.push(["service: server CPU per verify vs per no-op request, with the request log", `${(v.cpuUs.median / 1000).toFixed(2)} ms`, "no-op writing the same log line", `${(loggedNoop.cpuUs.median / 1000).toFixed(2)} ms`, "(same target, noise-robust)", `${((100 * loggedNoop.cpuUs.median) / v.cpuUs.median).toFixed(0)} %`]);
  if (off) summaryRows.push(["service: verify with the verification cache off (TTL 0)", `${off.rps.median.toFixed(0)}/s, p50 ${off.p50.median.toFixed(1)} ms, p99 ${off.p99.median.toFixed(1)} ms`, "no-op worker", `${noop.rps.median.toFixed(0)}/s`, "(context)", `${(off.ofNoop * 100).toFixed(0)} %, ${off.errors} errors`]);
  if (d2) summaryRows.push(["service: verify vs no-op + the same 2 local D1 queries", `${v.rps.median.toFixed(0)}/s`, "no-op + 2 D1 queries", `${d2.rps.median.toFixed(0)}/s`, "(context)", `${((v.rps.median / d2.rps.median) * 100).toFixed(0)} %`]);
}

if (results.store) {
  const s = results.store;
  md.push("## 6. Scaling");
  md.push("");
  md.push("**Tokens stored** (`bench/store.bench.mjs`): rows seeded with `wrangler d1 execute --local --file` (real digests from `digestToken`), service restarted per tier; verify presents a seeded secret; list is the root member's first page. `?name=root` matches only the oldest row, so SQLite reads every row: a scan, for contrast with the indexed paths.");
  md.push("");
  const f0 = (v) => `${v.median.toFixed(0)} (${v.min.toFixed(0)}–${v.max.toFixed(0)})`;
  const cell = (c) => `${f0(c.rps)}/s · p50 ${c.p50.median.toFixed(1)} · p99 ${c.p99.median.toFixed(1)} ms${c.cpuUs ? ` · ${(c.cpuUs.median / 1000).toFixed(2)} ms CPU` : ""}${c.errors ? ` · **${c.errors} errors**` : ""}`;
  md.push("Each cell: requests/s median (min–max) · p50 · p99 latency · server CPU per request.");
  md.push("");
  md.push(table(["tokens stored", "verify", "list (20 newest)", "list ?name= (scan)", "seeding time"], s.rows.map((r) => [r.tier.toLocaleString("en"), cell(r.verify), cell(r.list), cell(r.search), r.seedMs ? `${(r.seedMs / 1000).toFixed(1)} s` : "–"])));
  md.push("");
  const first = s.rows[0], last = s.rows[s.rows.length - 1];
  summaryRows.push([`verify, ${first.tier.toLocaleString("en")} → ${last.tier.toLocaleString("en")} tokens stored`, `${first.verify.rps.median.toFixed(0)} → ${last.verify.rps.median.toFixed(0)}/s`, "–", "–", "flat (indexed)", `${((last.verify.rps.median / first.verify.rps.median) * 100).toFixed(0)} % of the 1-token rate`]);
}
if (results.scope) {
  md.push("**Scope rules** 1 → 1,000: the scope table above (rows per rule count).");
  md.push("");
}
if (results.patch) {
  md.push("**Document size** 1 KB → 1 MB: the `scale …` rows of the JSON Patch table above (10 ops each).");
  md.push("");
}

if (results.cluster) {
  md.push(...clusterSection(results.cluster));
  summaryRows.push(...clusterSummary(results.cluster));
}

// Hand-written reading of the figures (dated, kept across runs): bench/NOTES.md.
if (existsSync(ROOT + "bench/NOTES.md")) md.push(readFileSync(ROOT + "bench/NOTES.md", "utf8").trim(), "");

md.splice(SUMMARY_AT, 0, "## Summary", "", table(["measure", "tokenkit", "peer", "peer figure", "target", "result"], summaryRows), "");
const text = md.join("\n").replace(/\n{3,}/g, "\n\n");
writeFileSync(OUT + "RESULTS.md", text);
if (full) writeFileSync(ROOT + "bench/RESULTS.md", text);
console.log("\n" + text);
console.error(`\nbench: report in ${full ? "bench/RESULTS.md and " : ""}bench/out/RESULTS.md`);
