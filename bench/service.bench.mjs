// The token service under load: requests/s and p50/p99 latency of tokenkit's verify, list and
// create on `wrangler dev` (workerd + local D1) over loopback, against a no-op worker in the same
// workerd (bench/noop-worker/) as the physical limit. Verify is measured twice: on the service as
// configured (worker/wrangler.jsonc: the verification cache on, VERIFY_CACHE_TTL_MS 5000, so a
// repeated token is a cache hit) and on a second service with the cache off (TTL 0: every verify
// reads D1). The service writes one JSON log line per request (docs/service.md, "Logs"); under
// `wrangler dev` each line is relayed to wrangler's node process, so verify is also measured on a
// third service with the line off (TOKENKIT_REQUEST_LOG=off), and the no-op once more writing the
// same line: the target compares like with like. Rounds interleave the targets (order
// rotated each round) so both servers see the same machine; every run is bounded in time and
// request count; every response is checked (status 2xx and the expected body).
//
//   node bench/service.bench.mjs [--rounds 3] [--seconds 5] [--connections 10] [--json]
import { startService, call } from "../worker/test/harness.mjs";
import { startWorker, interleaved, settle } from "./load.mjs";
import { arg, emit, summary, table } from "./lib.mjs";

const ROUNDS = arg("rounds", 3);
const SECONDS = arg("seconds", 5);
const CONNECTIONS = arg("connections", 10);
// Issue #21: verify at ≥ 85 % of the no-op's requests/s (issue #8 asked for 70 %).
const TARGET = 0.85;

// The service Worker has no static assets (the dashboard is a Worker of its own, issue #21), so
// no assets router stands before either side: the no-op is the like-for-like limit.
const noop = await startWorker("bench/noop-worker/wrangler.jsonc");
const svc = await startService();
const off = await startService({ env: { VERIFY_CACHE_TTL_MS: "0" } });
const quiet = await startService({ env: { TOKENKIT_REQUEST_LOG: "off" } });
try {
  const scope = { language: "names", scopes: ["read"] };
  /** A verify target on `s`: the root's headers and the verify bodies, prechecked. */
  async function prepare(s) {
    const root = s.root.token;
    const made = await settle(async () => {
      const r = await call(s.base, "POST", "/tk/v1/tokens", { token: root, body: { name: "bench verify target", scope } });
      return { ...r, ok: r.status === 201 };
    });
    if (!made.ok) throw new Error(`create failed: ${made.status} ${JSON.stringify(made.body)}`);
    const secret = made.body.secret;
    const verifyBody = JSON.stringify({ token: secret });
    const verifyScopeBody = JSON.stringify({ token: secret, request: { action: "read" } });
    for (const [b, want] of [[verifyBody, true], [verifyScopeBody, true]]) {
      const r = await settle(async () => {
        const x = await call(s.base, "POST", "/tk/v1/verify", { token: root, raw: b, headers: { "content-type": "application/json" } });
        return { ...x, ok: x.status === 200 && x.body.valid === want };
      });
      if (!r.ok) throw new Error(`verify precheck: ${r.status} ${JSON.stringify(r.body)}`);
    }
    return { auth: { authorization: `Bearer ${root}`, "content-type": "application/json" }, verifyBody, verifyScopeBody };
  }
  const { auth, verifyBody, verifyScopeBody } = await prepare(svc);
  const cold = await prepare(off);
  const unlogged = await prepare(quiet);
  const createBody = JSON.stringify({ name: "bench created", scope });

  const targets = {
    "no-op worker (POST, same body)": { url: `${noop.base}/`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b === '{"ok":true}' },
    "no-op + one log line (as the service writes)": { url: `${noop.base}/?log=1`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b === '{"ok":true}' },
    "no-op + 1 local D1 query": { url: `${noop.base}/d1?n=1`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b === '{"ok":true}' },
    "no-op + 2 local D1 queries (as verify)": { url: `${noop.base}/d1?n=2`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b === '{"ok":true}' },
    "no-op + 2 D1 queries in one batch": { url: `${noop.base}/d1?n=2&batch=1`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b === '{"ok":true}' },
    "POST /tk/v1/verify": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b.includes('"valid":true') },
    "POST /tk/v1/verify + scope check": { url: `${svc.base}/tk/v1/verify`, method: "POST", headers: auth, body: verifyScopeBody, expect: (b) => b.includes('"valid":true') },
    "POST /tk/v1/verify, request log off": { url: `${quiet.base}/tk/v1/verify`, method: "POST", headers: unlogged.auth, body: unlogged.verifyBody, expect: (b) => b.includes('"valid":true') },
    "POST /tk/v1/verify, cache off (TTL 0)": { url: `${off.base}/tk/v1/verify`, method: "POST", headers: cold.auth, body: cold.verifyBody, expect: (b) => b.includes('"valid":true') },
    "GET /tk/v1/tokens (list, 20)": { url: `${svc.base}/tk/v1/tokens?limit=20`, headers: auth, expect: (b) => b.startsWith('{"tokens":[') },
    "POST /tk/v1/tokens (create)": { url: `${svc.base}/tk/v1/tokens`, method: "POST", headers: auth, body: createBody, expect: (b) => b.includes('"secret":"tk_') },
  };
  // Each target's server process, by its origin (`base + "/"`: port 4000 is not port 40001).
  const servers = [[noop.base, noop.pid], [off.base, off.proc.pid], [quiet.base, quiet.proc.pid], [svc.base, svc.proc.pid]];
  for (const t of Object.values(targets)) t.serverPid = servers.find(([base]) => t.url.startsWith(`${base}/`))[1];
  const names = Object.keys(targets);
  const runs = await interleaved(targets, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
  const rows = names.map((n) => {
    const rs = runs[n];
    return {
      target: n,
      rps: summary(rs.map((x) => x.rps)),
      p50: summary(rs.map((x) => x.p50)),
      p99: summary(rs.map((x) => x.p99)),
      cpuUs: rs.some((x) => x.serverCpuUsPerRequest !== null) ? summary(rs.filter((x) => x.serverCpuUsPerRequest !== null).map((x) => x.serverCpuUsPerRequest)) : null,
      nodeCpuUs: rs.some((x) => x.serverNodeCpuUsPerRequest !== null) ? summary(rs.filter((x) => x.serverNodeCpuUsPerRequest !== null).map((x) => x.serverNodeCpuUsPerRequest)) : null,
      requests: rs.reduce((a, x) => a + x.requests, 0),
      errors: rs.reduce((a, x) => a + x.errors, 0),
      reloads: rs.filter((x) => x.reloaded).length,
    };
  });
  const base = rows[0].rps.median;
  for (const row of rows) row.ofNoop = row.rps.median / base;
  const cpuBase = rows[0].cpuUs?.median;
  for (const row of rows) row.cpuVsNoop = row.cpuUs && cpuBase ? row.cpuUs.median / cpuBase : null;
  const verify = rows.find((r) => r.target === "POST /tk/v1/verify");
  const verifyOff = rows.find((r) => r.target.startsWith("POST /tk/v1/verify, cache off"));
  const loggedNoop = rows.find((r) => r.target.startsWith("no-op + one log line"));
  const verifyQuiet = rows.find((r) => r.target === "POST /tk/v1/verify, request log off");
  // Like with like: the service as configured (one log line a request) against the no-op writing
  // the same line; the service with the line off against the plain no-op.
  const verifyOfLoggedNoop = verify.rps.median / loggedNoop.rps.median;
  const result = { bench: "service", rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, rows, verifyOfNoop: verify.ofNoop, verifyOfLoggedNoop, verifyQuietOfNoop: verifyQuiet.ofNoop, verifyOffOfNoop: verifyOff.ofNoop, met: verifyOfLoggedNoop >= TARGET && verifyQuiet.ofNoop >= TARGET && verify.errors === 0 && verifyQuiet.errors === 0 };
  const f0 = (x) => x.toFixed(0);
  const ms = (x) => x.toFixed(2);
  const md = [
    `${ROUNDS} interleaved rounds × ${SECONDS} s per target, ${CONNECTIONS} connections, loopback; median (min–max) over rounds; latency in ms.`,
    "",
    table(["target", "requests/s", "p50 ms", "p99 ms", "% of no-op", "server CPU µs/request", "of it in wrangler's node", "requests", "errors"], rows.map((r) => [
      r.target, `${f0(r.rps.median)} (${f0(r.rps.min)}–${f0(r.rps.max)})`, `${ms(r.p50.median)} (${ms(r.p50.min)}–${ms(r.p50.max)})`, `${ms(r.p99.median)} (${ms(r.p99.min)}–${ms(r.p99.max)})`, `${(r.ofNoop * 100).toFixed(0)} %`, r.cpuUs ? `${f0(r.cpuUs.median)} (${f0(r.cpuUs.min)}–${f0(r.cpuUs.max)})` : "–", r.nodeCpuUs ? f0(r.nodeCpuUs.median) : "–", String(r.requests), String(r.errors),
    ])),
    "",
    `Target: verify ≥ ${TARGET * 100} % of the no-op worker's requests/s with no errors, like with like — **${result.met ? "met" : "missed"}**: with the request log (as configured) ${(verifyOfLoggedNoop * 100).toFixed(0)} % of the no-op writing the same line, with the log off ${(verifyQuiet.ofNoop * 100).toFixed(0)} % of the plain no-op (${verify.errors + verifyQuiet.errors} errors). The service as configured against the plain no-op: ${(verify.ofNoop * 100).toFixed(0)} % — under \`wrangler dev\` each log line is relayed to wrangler's node process (its CPU column); deployed, Workers Logs collects it in the runtime. With the verification cache off: ${(verifyOff.ofNoop * 100).toFixed(0)} %.`,
  ].join("\n");
  emit(result, md);
} finally {
  await svc.cleanup();
  await off.cleanup();
  await quiet.cleanup();
  await noop.stop();
}
