// Load-test helpers for the service benchmarks: start a worker under `wrangler dev` on a free
// loopback port (as worker/test/harness.mjs does for the token service), and run one bounded
// autocannon load against 127.0.0.1 with exact latency percentiles.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freePort } from "../worker/test/harness.mjs";
import { ROOT, quantile } from "./lib.mjs";

const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };

/** Starts `wrangler dev -c <config>` the way the harness starts the service; {base, stop()}. */
export async function startWorker(config, { readyPath = "/" } = {}) {
  const state = mkdtempSync(join(tmpdir(), "tokenkit-bench-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let out = "";
  const proc = spawn(WRANGLER, ["dev", "-c", config, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false", "--log-level", "warn"], { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev (${config}) exited early:\n${out}`);
    try {
      if ((await fetch(base + readyPath, { method: "POST", body: "{}" })).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler dev (${config}) did not come up in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    pid: proc.pid,
    logs: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGINT");
        const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        await done;
        clearTimeout(t);
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * One bounded load run: `connections` concurrent keep-alive connections for `seconds` (and at
 * most `maxRequests`), loopback only. `expect(body)` must hold for every response, else it counts
 * as an error. Returns {rps, p50, p99, mean (ms), requests, errors, statuses, serverCpuUsPerRequest,
 * serverNodeCpuUsPerRequest} (the last two when `serverPid` is given: CPU of that process tree per
 * response, in µs, and the part of it in node processes — wrangler's own, not workerd).
 */
/**
 * CPU seconds (user + system) used so far by process `pid` and all its descendants (wrangler's
 * node process and the workerd processes it runs), from /proc: {total, node, workerd} (other
 * children count in total only); null where there is no /proc. Server CPU per request is robust
 * to a busy machine in a way requests/s is not, and the split shows which side does the work.
 */
export function treeCpuSeconds(pid) {
  let stats;
  try {
    stats = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        const t = readFileSync(`/proc/${d}/stat`, "utf8");
        const f = t.slice(t.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
        const name = t.slice(t.indexOf("(") + 1, t.lastIndexOf(")"));
        return { pid: Number(d), ppid: Number(f[1]), name, cpu: (Number(f[11]) + Number(f[12])) / 100 }; // utime + stime, USER_HZ = 100
      } catch {
        return null;
      }
    }).filter(Boolean);
  } catch {
    return null;
  }
  const kids = new Map();
  for (const s of stats) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), s]);
  const self = stats.find((s) => s.pid === pid);
  if (!self) return null;
  const out = { total: 0, node: 0, workerd: 0, pids: new Map() };
  const seen = new Set([pid]);
  const add = (s) => {
    out.total += s.cpu;
    out.pids.set(s.pid, s.cpu);
    if (s.name === "node" || s.name === "workerd") out[s.name] += s.cpu;
    for (const c of kids.get(s.pid) ?? []) if (!seen.has(c.pid)) { seen.add(c.pid); add(c); }
  };
  add(self);
  return out;
}

export async function load({ url, method = "GET", headers = {}, body, seconds, connections = 10, maxRequests = 200_000, expect, serverPid }) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load runs on loopback only, not ${url}`);
  const lat = [];
  const statuses = {};
  const cpu0 = serverPid ? treeCpuSeconds(serverPid) : null;
  const inst = autocannon({
    url,
    method,
    headers,
    body,
    connections,
    duration: seconds,
    maxOverallRequests: maxRequests,
    timeout: 10,
    verifyBody: expect,
  });
  inst.on("response", (_client, status, _bytes, ms) => {
    lat.push(ms);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const r = await inst;
  const cpu1 = serverPid ? treeCpuSeconds(serverPid) : null;
  const ok = r["2xx"];
  const cpuChanged = Boolean(cpu0 && cpu1 && (cpu0.pids.size !== cpu1.pids.size || [...cpu0.pids.keys()].some((p) => !cpu1.pids.has(p))));
  const cpuOk = Boolean(cpu0 && cpu1 && !cpuChanged && lat.length > 0);
  return {
    rps: ok / r.duration,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    mean: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
    requests: r.requests.total ?? lat.length,
    errors: r.errors + r.timeouts + r.non2xx + r.mismatches,
    serverCpuUsPerRequest: cpuOk ? ((cpu1.total - cpu0.total) * 1e6) / lat.length : null,
    serverNodeCpuUsPerRequest: cpuOk ? ((cpu1.node - cpu0.node) * 1e6) / lat.length : null,
    // wrangler dev replaced a process during the run (it reloads when watched files change):
    // the CPU figure would be wrong, so it is dropped, and errors may come from the reload.
    reloaded: cpuChanged,
    statuses,
  };
}

/**
 * Loads every target for `seconds`, `rounds` times, the order rotated each round so that all of
 * them see the same machine, after a 1 s warm-up each. `{name: [run, …]}` (runs as `load` returns).
 */
export async function interleaved(targets, { rounds, seconds, connections }) {
  const names = Object.keys(targets);
  for (const n of names) await load({ ...targets[n], seconds: 1, connections }); // warm-up
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const n = names[(i + r) % names.length];
      runs[n].push(await load({ ...targets[n], seconds, connections }));
    }
  }
  return runs;
}

/**
 * `fn()` until it returns a truthy value, for up to `ms`: wrangler dev reloads the worker when
 * files it watches change (another `startService` restaging www/pkg/ does that), and answers
 * 503 "worker restarted mid-request" meanwhile.
 */
export async function settle(fn, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await fn();
    if (r.ok || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 500));
  }
}
