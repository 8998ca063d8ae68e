// The staleness measurement on a local cluster (scripts/cluster.mjs): how long after a change
// to a token answered (the revoke's 204, the rotation's 200) every instance refuses the old
// secret, while a steady verify load keeps every instance's cache busy. Shared by
// bench/cluster.bench.mjs (the tables of bench/RESULTS.md) and worker/test/cluster.test.mjs
// (a bounded run in `make test`).
//
// One round: a fresh token, cached by every instance (its /tk/v1/self answered 200 there); a
// prober per instance sends GET /tk/v1/self with the token back to back; after a random pause
// (so the change lands at any point of the instances' log-read cycles) the action is made
// through one instance (round-robin); the round's staleness is, over the instances, the
// latest time from the action's answer until the send of the first request of the instance's
// unbroken run of 401s to the end of the round (an upper bound: it includes up to one
// probe's round trip). A round that has not seen every instance refuse within `timeoutMs`
// counts as `timeoutMs` and is reported. The sample is when the last answer accepting the old
// secret arrived; beside it, per round, when that probe was sent (`acceptedSent`, from the
// action's answer, 0 when sent before it) and the longest probe round trip (`slowestProbe`):
// the instance last accepted the secret between the two, so a sample well above
// `acceptedSent` is that probe's round trip, not the instance's cache. `stalls` lists the
// rounds in which a slow probe (300 ms or more) was in flight on every instance at once: the
// local cluster is one workerd process, and when it stalls every isolate and D1 stall together.
import autocannon from "autocannon";
import { quantile } from "./lib.mjs";

const NAMES = (...scopes) => ({ language: "names", scopes });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SLOW_PROBE_MS = 300;

async function req(base, method, path, token, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, text };
}

/**
 * The changes measured: each ends the token's current secret, through instance `base`, and
 * resolves when the change has been answered (disable: a 401 `disabled`; its invalidation is
 * migrations/0007).
 */
export const ACTIONS = {
  revoke: (base, root, t) => expectStatus(req(base, "DELETE", `/tk/v1/tokens/${t.id}`, root), 204, "revoke"),
  rotate: (base, root, t) => expectStatus(req(base, "POST", `/tk/v1/tokens/${t.id}/rotate`, root, {}), 200, "rotate without grace"),
  disable: (base, root, t) => expectStatus(req(base, "POST", `/tk/v1/tokens/${t.id}/disable`, root, {}), 200, "disable"),
};

async function expectStatus(p, status, what) {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
}

/** A fresh token for a round, made through `base`. */
async function victim(base, root) {
  const r = await req(base, "POST", "/tk/v1/tokens", root, { name: "staleness", scope: NAMES("read") });
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text.slice(0, 200)}`);
  const b = JSON.parse(r.text);
  return { id: b.token.id, secret: b.secret };
}

/**
 * The steady verify load's rate, per instance (requests/s). A fixed rate, not as fast as the
 * machine allows: the local cluster is one workerd process whose memory grows with every
 * request it serves (bench/NOTES.md: ~1–7 KB a request, a one-line worker included), and at the
 * 2,000+ verifies/s of an idle machine it reached 1.4 GB within one action's rounds and paused
 * every isolate at once for up to 2 s — a pause of the emulator, not of the propagation.
 */
export const VERIFY_RATE = 300;

/**
 * A steady verify load on every instance: autocannon with `connections` keep-alive connections
 * per instance sending POST /tk/v1/verify (the root token checks `tokens` in turn), `rate`
 * requests/s per instance in all. `stop()` resolves to {requests (answered valid), errors,
 * seconds, perInstance}.
 */
export function verifyLoad(bases, root, tokens, { connections = 4, rate = VERIFY_RATE } = {}) {
  const started = Date.now();
  const runs = bases.map((base) => {
    const inst = autocannon({
      url: `${base}/tk/v1/verify`,
      connections,
      overallRate: rate,
      duration: 3600,
      timeout: 10,
      requests: tokens.map((t) => ({ method: "POST", headers: { authorization: `Bearer ${root}`, "content-type": "application/json" }, body: JSON.stringify({ token: t }) })),
      verifyBody: (body) => body.includes('"valid":true'),
    });
    return { inst, done: new Promise((resolve) => inst.on("done", resolve)) };
  });
  return {
    async stop() {
      for (const r of runs) r.inst.stop();
      const rs = await Promise.all(runs.map((r) => r.done));
      const seconds = (Date.now() - started) / 1000;
      const perInstance = rs.map((r) => r["2xx"] - r.mismatches);
      return { requests: perInstance.reduce((a, b) => a + b, 0), errors: rs.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx + r.mismatches, 0), seconds, perInstance };
    },
  };
}

/** Probes `secret` on `base` until `done()`; the answers as [sent, status, received]. */
async function probe(base, secret, done, answers) {
  while (!done()) {
    const sent = Date.now();
    const r = await req(base, "GET", "/tk/v1/self", secret).catch(() => null); // as in verifyLoad: no answer, no sample
    if (r) answers.push([sent, r.status, Date.now()]);
  }
}

/**
 * Runs `rounds` rounds of `action` (a key of ACTIONS) on the cluster `bases` with the root token
 * `root`. Returns {action, rounds, samples (ms, one per round), perInstance (ms, every
 * instance of every round), timeouts, p50, p99, max, acceptedSent (ms, one per round) and its
 * p50/p99/max, slowestProbe (ms, one per round), slowProbes (each probe of 300 ms or more),
 * stalls (rounds where a slow probe was in flight on every instance at once)}.
 */
export async function staleness({ bases, root, action, rounds, timeoutMs = 6000, pauseMs = [50, 600] }) {
  const act = ACTIONS[action];
  if (!act) throw new Error(`unknown action ${action} (one of ${Object.keys(ACTIONS).join(", ")})`);
  const samples = [];
  const perInstance = [];
  const acceptedSent = [];
  const slowProbes = []; // probes that took SLOW_PROBE_MS or more: {round, instance, sent (from the action's answer), ms, status}
  const stalls = []; // {round, at (ms from the action's answer), ms}: a slow probe in flight on every instance at once, for ms
  const slowestProbe = [];
  let timeouts = 0;
  for (let round = 0; round < rounds; round++) {
    const t = await victim(bases[0], root);
    // Cached everywhere: two answers 200 on every instance (the first reads D1, the second is the cache's).
    for (const base of bases) for (let i = 0; i < 2; i++) await expectStatus(req(base, "GET", "/tk/v1/self", t.secret), 200, "warm-up");
    let acted = null; // when the change was answered
    let stop = false;
    const answers = bases.map(() => []);
    const refusedSince = (a) => {
      // the send time of the first answer of the final unbroken run of 401s sent after `acted`
      let first = null;
      for (const [sent, status] of a) {
        if (sent < acted) continue;
        if (status === 401) first ??= sent;
        else first = null;
      }
      return first;
    };
    const done = () => stop;
    const probes = bases.map((base, i) => probe(base, t.secret, done, answers[i]));
    await sleep(pauseMs[0] + Math.random() * (pauseMs[1] - pauseMs[0]));
    await act(bases[round % bases.length], root, t);
    acted = Date.now();
    // Until every instance has answered 401 to 3 requests sent after the change, or the timeout.
    for (;;) {
      const settled = answers.every((a) => {
        const since = refusedSince(a);
        return since !== null && a.filter(([sent]) => sent >= since).length >= 3;
      });
      if (settled || Date.now() - acted > timeoutMs) break;
      await sleep(5);
    }
    stop = true;
    await Promise.all(probes);
    for (const [i, a] of answers.entries()) {
      const bad = a.find(([, s]) => s !== 200 && s !== 401);
      if (bad) throw new Error(`instance ${i} answered ${bad[1]} to a probe`);
    }
    const per = answers.map((a) => {
      const since = refusedSince(a);
      return since === null ? timeoutMs : Math.max(0, since - acted);
    });
    if (per.some((ms) => ms >= timeoutMs)) timeouts++;
    perInstance.push(...per);
    samples.push(Math.max(...per));
    const accepted = answers.flatMap((a) => a.filter(([, status, received]) => status === 200 && received > acted).map(([sent]) => Math.max(0, sent - acted)));
    acceptedSent.push(Math.max(0, ...accepted));
    slowestProbe.push(Math.max(0, ...answers.flatMap((a) => a.map(([sent, , received]) => received - sent))));
    const slow = [];
    for (const [i, a] of answers.entries()) for (const [sent, status, received] of a) if (received - sent >= SLOW_PROBE_MS) slow.push({ round, instance: i, sent: sent - acted, ms: received - sent, status });
    slowProbes.push(...slow);
    // A stall of the whole cluster: a slow probe on every instance, all in flight at one moment.
    const from = Math.max(...bases.map((_, i) => Math.min(Infinity, ...slow.filter((p) => p.instance === i).map((p) => p.sent))));
    if (Number.isFinite(from)) {
      const overlapping = bases.map((_, i) => slow.filter((p) => p.instance === i && p.sent <= from && p.sent + p.ms > from));
      if (overlapping.every((ps) => ps.length > 0)) stalls.push({ round, at: from, ms: Math.min(...overlapping.map((ps) => Math.max(...ps.map((p) => p.sent + p.ms)))) - from });
    }
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    action,
    rounds,
    samples,
    perInstance,
    timeouts,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    acceptedSent,
    acceptedSentP50: quantile(acceptedSent, 0.5),
    acceptedSentP99: quantile(acceptedSent, 0.99),
    acceptedSentMax: Math.max(...acceptedSent),
    slowestProbe,
    slowProbes,
    stalls,
  };
}

/**
 * Counts the request log's cache outcomes of one route from the cluster's output lines
 * (`onLine` for startCluster): {hit, miss, reset(), line(l)}.
 */
export function cacheCounter(route = "/tk/v1/verify") {
  const c = {
    hit: 0,
    miss: 0,
    reset() {
      c.hit = 0;
      c.miss = 0;
    },
    line(l) {
      if (!l.includes(`"route":"${route}"`)) return;
      if (l.includes('"cache":"hit"')) c.hit++;
      else if (l.includes('"cache":"miss"')) c.miss++;
    },
    get ratio() {
      return c.hit + c.miss === 0 ? NaN : c.hit / (c.hit + c.miss);
    },
  };
  return c;
}
