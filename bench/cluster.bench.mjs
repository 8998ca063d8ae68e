// The service as a cluster (scripts/cluster.mjs: N isolates over one local D1, one workerd):
// verify requests/s by number of instances loaded, and the staleness of a change — from its
// answer until every instance refuses the old secret — under a steady verify load, with the
// share of verifies the caches answered (docs/service.md, "Many isolates").
//
//   node bench/cluster.bench.mjs [--instances 3] [--rounds 30] [--actions revoke,rotate]
//        [--seconds 4] [--load-rounds 2] [--control-rounds 5] [--overhead-rounds 3] [--json]
//
// Throughput: autocannon on the first n instances at once (n = 1 … instances; 10 connections
// each), interleaved rounds with the order rotated, after a 1 s warm-up. Staleness: see
// bench/staleness.mjs; the load is autocannon, 4 connections per instance, VERIFY_RATE (300)
// verifies/s per instance; each action on a fresh cluster (below: workerd's memory). The control runs
// the same rounds with the log reads pushed out to 60 s (VERIFY_CACHE_SYNC_MS =
// VERIFY_CACHE_MAX_STALE_MS = 60000), i.e. the TTL alone, as before the invalidation log.
// Overhead: the per-request cost of following the log, one instance each, side by side in
// interleaved rounds: the defaults (a log read every 250 ms) against reads every 60 s.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { startCluster } from "../scripts/cluster.mjs";
import { arg, flag, quantile } from "./lib.mjs";
import { interleaved, load } from "./load.mjs";
import { ACTIONS, VERIFY_RATE, cacheCounter, staleness, verifyLoad } from "./staleness.mjs";
import { clusterSection } from "./cluster-report.mjs";

const INSTANCES = arg("instances", 3);
const ROUNDS = arg("rounds", 30);
const ACTION_LIST = String(arg("actions", Object.keys(ACTIONS).join(","))).split(",");
const SECONDS = arg("seconds", 4);
const LOAD_ROUNDS = arg("load-rounds", 2);
const CONTROL_ROUNDS = arg("control-rounds", 5);
const OVERHEAD_ROUNDS = arg("overhead-rounds", 3);

async function tokensFor(base, root, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${base}/tk/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${root}`, "content-type": "application/json" }, body: JSON.stringify({ name: `load-${i}`, scope: { language: "names", scopes: ["read"] } }) });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${await r.text()}`);
    out.push((await r.json()).secret);
  }
  return out;
}

// The earlier parts of `make bench` (store.bench.mjs writes 100,000-token databases) leave dirty
// pages behind: flushed first, so their writeback does not compete with the cluster.
execFileSync("sync");

/** Resident memory of this process's workerd children, in MiB (Linux; null elsewhere). */
function workerdRssMb() {
  try {
    const pids = execFileSync("pgrep", ["-P", String(process.pid), "-x", "workerd"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    return pids.reduce((a, pid) => a + Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)[1]) / 1024, 0);
  } catch {
    return null;
  }
}

const counter = cacheCounter();
const result = { instances: INSTANCES, rounds: ROUNDS, seconds: SECONDS, loadRounds: LOAD_ROUNDS, verifyRate: VERIFY_RATE, throughput: [], staleness: [], control: null, overhead: null };
// Each part runs on a cluster of its own: the local cluster is one workerd process, whose
// resident memory grows with every request it serves (about 1–7 KB a request, a one-line
// worker included: bench/NOTES.md), and whose pauses then stop every isolate and D1 at once.
// One cluster for the throughput rounds and every action's staleness rounds (over a million
// requests) reached 2 GB and paused for up to 2 s in most rounds of the last actions.
const cluster = await startCluster({ n: INSTANCES, onLine: (l) => counter.line(l) });
try {
  const root = cluster.root.token;
  const live = await tokensFor(cluster.bases[0], root, 8);

  // ---- verify requests/s by instances loaded -------------------------------------------------
  const runs = Object.fromEntries(Array.from({ length: INSTANCES }, (_, i) => [i + 1, []]));
  for (let round = 0; round < LOAD_ROUNDS; round++) {
    const order = Object.keys(runs).map(Number);
    for (let k = 0; k < round % order.length; k++) order.push(order.shift());
    for (const n of order) {
      const bases = cluster.bases.slice(0, n);
      const one = (seconds) =>
        Promise.all(
          bases.map((b) =>
            load({ url: `${b}/tk/v1/verify`, method: "POST", headers: { authorization: `Bearer ${root}`, "content-type": "application/json" }, body: JSON.stringify({ token: live[0] }), seconds, connections: 10, expect: (body) => body.includes('"valid":true') }),
          ),
        );
      await one(1);
      counter.reset();
      const rs = await one(SECONDS);
      runs[n].push({ rps: rs.reduce((a, r) => a + r.rps, 0), perInstance: rs.map((r) => r.rps), errors: rs.reduce((a, r) => a + r.errors, 0), p99: Math.max(...rs.map((r) => r.p99)), hitRatio: counter.ratio });
    }
  }
  for (const [n, rs] of Object.entries(runs)) {
    const rps = rs.map((r) => r.rps);
    result.throughput.push({ n: Number(n), rps: quantile(rps, 0.5), min: Math.min(...rps), max: Math.max(...rps), perInstance: rs.map((r) => r.perInstance), errors: rs.reduce((a, r) => a + r.errors, 0), p99: quantile(rs.map((r) => r.p99), 0.5), hitRatio: quantile(rs.map((r) => r.hitRatio), 0.5) });
  }
  result.throughputRssMb = workerdRssMb();
} finally {
  await cluster.stop();
}

// ---- staleness of each action under a steady verify load ------------------------------------
for (const action of ACTION_LIST) {
  const c = await startCluster({ n: INSTANCES, onLine: (l) => counter.line(l) });
  try {
    const root = c.root.token;
    const live = await tokensFor(c.bases[0], root, 8);
    const l = verifyLoad(c.bases, root, live);
    await new Promise((r) => setTimeout(r, 1000)); // every live token cached everywhere first
    counter.reset();
    const s = await staleness({ bases: c.bases, root, action, rounds: ROUNDS });
    const v = await l.stop();
    const rssMb = workerdRssMb();
    result.staleness.push({ ...s, verifyRps: v.requests / v.seconds, verifyErrors: v.errors, hitRatio: counter.ratio, hits: counter.hit, misses: counter.miss, rssMb });
    process.stderr.write(
      `cluster: ${action}: p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max} ms (the last probe answered 200 was sent by: p99 ${s.acceptedSentP99.toFixed(0)} ms, max ${s.acceptedSentMax} ms; slowest probe ${Math.max(...s.slowestProbe)} ms; ${s.stalls.length} rounds with a whole-cluster stall ≥ 300 ms${s.stalls.length ? `, longest ${Math.max(...s.stalls.map((x) => x.ms))} ms` : ""}), cache ${(counter.ratio * 100).toFixed(1)} %, ${v.errors} load errors, workerd ${rssMb?.toFixed(0)} MiB\n`,
    );
  } finally {
    await c.stop();
  }
}

// ---- the control: the TTL alone (log reads every 60 s) -----------------------------------------
if (CONTROL_ROUNDS > 0) {
  const c = await startCluster({ n: INSTANCES, quiet: true, vars: { VERIFY_CACHE_SYNC_MS: "60000", VERIFY_CACHE_MAX_STALE_MS: "60000", TOKENKIT_REQUEST_LOG: "off" } });
  try {
    const live = await tokensFor(c.bases[0], c.root.token, 8);
    const l = verifyLoad(c.bases, c.root.token, live);
    result.control = await staleness({ bases: c.bases, root: c.root.token, action: "revoke", rounds: CONTROL_ROUNDS, timeoutMs: 8000 });
    await l.stop();
  } finally {
    await c.stop();
  }
}

// ---- the overhead of following the log, per request ----------------------------------------
if (OVERHEAD_ROUNDS > 0) {
  const quietVars = { TOKENKIT_REQUEST_LOG: "off" };
  const on = await startCluster({ n: 1, quiet: true, vars: quietVars });
  const off = await startCluster({ n: 1, quiet: true, vars: { ...quietVars, VERIFY_CACHE_SYNC_MS: "60000", VERIFY_CACHE_MAX_STALE_MS: "60000" } });
  try {
    const target = async (c) => {
      const [secret] = await tokensFor(c.bases[0], c.root.token, 1);
      return { url: `${c.bases[0]}/tk/v1/verify`, method: "POST", headers: { authorization: `Bearer ${c.root.token}`, "content-type": "application/json" }, body: JSON.stringify({ token: secret }), expect: (body) => body.includes('"valid":true') };
    };
    const runs = await interleaved({ "log read every 250 ms": await target(on), "log read every 60 s": await target(off) }, { rounds: OVERHEAD_ROUNDS, seconds: SECONDS, connections: 10 });
    result.overhead = Object.entries(runs).map(([name, rs]) => ({ name, rps: quantile(rs.map((r) => r.rps), 0.5), min: Math.min(...rs.map((r) => r.rps)), max: Math.max(...rs.map((r) => r.rps)), errors: rs.reduce((a, r) => a + r.errors, 0) }));
    result.overheadRounds = OVERHEAD_ROUNDS;
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}

if (flag("json")) console.log(JSON.stringify(result));
else console.log(clusterSection(result).join("\n"));
