// Load-test helpers for the service benchmarks: start a worker under `wrangler dev` on a free
// loopback port (as worker/test/harness.mjs does for the token service), and run one bounded
// autocannon load against 127.0.0.1 with exact latency percentiles.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
 * as an error. Returns {rps, p50, p99, mean (ms), requests, errors, statuses}.
 */
export async function load({ url, method = "GET", headers = {}, body, seconds, connections = 10, maxRequests = 200_000, expect }) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`load runs on loopback only, not ${url}`);
  const lat = [];
  const statuses = {};
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
  const ok = r["2xx"];
  return {
    rps: ok / r.duration,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    mean: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
    requests: r.requests.total ?? lat.length,
    errors: r.errors + r.timeouts + r.non2xx + r.mismatches,
    statuses,
  };
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
