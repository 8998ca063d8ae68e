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
// bench/staleness.mjs; the load is autocannon, 4 connections per instance. The control runs
// the same rounds with the log reads pushed out to 60 s (VERIFY_CACHE_SYNC_MS =
// VERIFY_CACHE_MAX_STALE_MS = 60000), i.e. the TTL alone, as before the invalidation log.
// Overhead: the per-request cost of following the log, one instance each, side by side in
// interleaved rounds: the defaults (a log read every 250 ms) against reads every 60 s.
import { startCluster } from "../scripts/cluster.mjs";
import { arg, flag, quantile } from "./lib.mjs";
import { interleaved, load } from "./load.mjs";
import { ACTIONS, cacheCounter, staleness, verifyLoad } from "./staleness.mjs";
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

const counter = cacheCounter();
const cluster = await startCluster({ n: INSTANCES, onLine: (l) => counter.line(l) });
const result = { instances: INSTANCES, rounds: ROUNDS, seconds: SECONDS, loadRounds: LOAD_ROUNDS, throughput: [], staleness: [], control: null, overhead: null };
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

  // ---- staleness of each action under a steady verify load ------------------------------------
  for (const action of ACTION_LIST) {
    const l = verifyLoad(cluster.bases, root, live);
    await new Promise((r) => setTimeout(r, 1000)); // every live token cached everywhere first
    counter.reset();
    const s = await staleness({ bases: cluster.bases, root, action, rounds: ROUNDS });
    const v = await l.stop();
    result.staleness.push({ ...s, verifyRps: v.requests / v.seconds, verifyErrors: v.errors, hitRatio: counter.ratio, hits: counter.hit, misses: counter.miss });
    process.stderr.write(`cluster: ${action}: p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max} ms, cache ${(counter.ratio * 100).toFixed(1)} %\n`);
  }
} finally {
  await cluster.stop();
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
