// The cost of a token's conditions of use (issue #17) on verify: requests/s and p50/p99 of
// POST /tk/v1/verify of a token without conditions and of one with all four (notBefore in the
// past, an allow-list holding the verify's `ip`, remaining uses that never run out, a rate
// limit never reached), on the same `wrangler dev` (workerd + local D1), interleaved rounds.
// With all four, each verify also spends one use (one D1 UPDATE … RETURNING) and counts one in
// the token's rate window (one call to its Durable Object). Every response is checked (valid).
// A bounded run, reported (bench/NOTES.md), not part of `make test`.
//
//   node bench/controls.bench.mjs [--rounds 3] [--seconds 5] [--connections 10] [--json]
import { startService, call } from "../worker/test/harness.mjs";
import { interleaved, settle } from "./load.mjs";
import { arg, emit, summary, table } from "./lib.mjs";

const ROUNDS = arg("rounds", 3);
const SECONDS = arg("seconds", 5);
const CONNECTIONS = arg("connections", 10);

const svc = await startService();
try {
  const root = svc.root.token;
  const scope = { language: "names", scopes: ["read"] };
  async function target(controls, ip) {
    const made = await settle(async () => {
      const r = await call(svc.base, "POST", "/tk/v1/tokens", { token: root, body: { name: "bench controls", scope, ...controls } });
      return { ...r, ok: r.status === 201 };
    });
    if (!made.ok) throw new Error(`create failed: ${made.status} ${JSON.stringify(made.body)}`);
    const body = JSON.stringify(ip === undefined ? { token: made.body.secret } : { token: made.body.secret, ip });
    const check = await call(svc.base, "POST", "/tk/v1/verify", { token: root, raw: body, headers: { "content-type": "application/json" } });
    if (check.status !== 200 || check.body.valid !== true) throw new Error(`verify precheck: ${check.status} ${JSON.stringify(check.body)}`);
    return body;
  }
  const plain = await target({});
  const all = await target(
    {
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      allowedIps: ["10.0.0.0/8", "2001:db8::/32", "203.0.113.0/24"],
      remaining: 1_000_000_000,
      refill: { amount: 1_000_000_000, interval: "monthly" },
      rateLimit: { limit: 1_000_000, periodSeconds: 1 },
    },
    "203.0.113.9",
  );
  // Each counter alone, to see where the cost is.
  const rateOnly = await target({ rateLimit: { limit: 1_000_000, periodSeconds: 1 } });
  const remainingOnly = await target({ remaining: 1_000_000_000 });
  const staticOnly = await target({ notBefore: new Date(Date.now() - 60_000).toISOString(), allowedIps: ["10.0.0.0/8", "2001:db8::/32", "203.0.113.0/24"] }, "203.0.113.9");
  const headers = { authorization: `Bearer ${root}`, "content-type": "application/json" };
  const targets = {
    "verify, no conditions": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers, body: plain, expect: (b) => b.includes('"valid":true'), serverPid: svc.proc.pid },
    "verify, notBefore + allowedIps only": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers, body: staticOnly, expect: (b) => b.includes('"valid":true'), serverPid: svc.proc.pid },
    "verify, rateLimit only (Durable Object)": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers, body: rateOnly, expect: (b) => b.includes('"valid":true'), serverPid: svc.proc.pid },
    "verify, remaining only (D1 UPDATE)": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers, body: remainingOnly, expect: (b) => b.includes('"valid":true'), serverPid: svc.proc.pid },
    "verify, all four conditions": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers, body: all, expect: (b) => b.includes('"valid":true'), serverPid: svc.proc.pid },
  };
  const names = Object.keys(targets);
  const runs = await interleaved(targets, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
  const rows = names.map((n) => ({
    target: n,
    rps: summary(runs[n].map((x) => x.rps)),
    p50: summary(runs[n].map((x) => x.p50)),
    p99: summary(runs[n].map((x) => x.p99)),
    cpuUs: runs[n].some((x) => x.serverCpuUsPerRequest !== null) ? summary(runs[n].filter((x) => x.serverCpuUsPerRequest !== null).map((x) => x.serverCpuUsPerRequest)) : null,
    requests: runs[n].reduce((a, x) => a + x.requests, 0),
    errors: runs[n].reduce((a, x) => a + x.errors, 0),
  }));
  const ratio = rows.find((r) => r.target === "verify, all four conditions").rps.median / rows[0].rps.median;
  const result = { bench: "controls", rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, rows, ratio, met: ratio >= 0.9 && rows.every((r) => r.errors === 0) };
  const f0 = (x) => x.toFixed(0);
  const ms = (x) => x.toFixed(2);
  const md = [
    `${ROUNDS} interleaved rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, loopback, one wrangler dev; median (min–max) over rounds; latency in ms.`,
    "",
    table(["target", "requests/s", "p50 ms", "p99 ms", "server CPU µs/request", "requests", "errors"], rows.map((r) => [
      r.target, `${f0(r.rps.median)} (${f0(r.rps.min)}–${f0(r.rps.max)})`, `${ms(r.p50.median)} (${ms(r.p50.min)}–${ms(r.p50.max)})`, `${ms(r.p99.median)} (${ms(r.p99.min)}–${ms(r.p99.max)})`, r.cpuUs ? `${f0(r.cpuUs.median)} (${f0(r.cpuUs.min)}–${f0(r.cpuUs.max)})` : "–", String(r.requests), String(r.errors),
    ])),
    "",
    `Target: verify with all four conditions within 10 % of verify without (≥ 90 % of its requests/s) — **${result.met ? "met" : "missed"}** (${(ratio * 100).toFixed(0)} %).`,
  ].join("\n");
  emit(result, md);
} finally {
  await svc.cleanup();
}
