// Load without loss (issue 9, part 4), against a real `wrangler dev` on loopback, bounded (a few
// hundred requests per phase): concurrent creates, racing If-Match patches, racing rotations,
// racing dialect writes; every 2xx-acknowledged write must be present, exactly one of two racing
// writes on the same version wins (the other 412/409), and the counts match. Then wrangler dev is
// restarted in the middle of a write workload: nothing acknowledged is lost and the service
// comes back. Figures are printed at the end and recorded in docs/hardening.md.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { startService, call as rawCall } from "./harness.mjs";

let svc;
let owner; // the account owner's token
let ownerId;
let requests = 0;
let cases = 0;
const statuses = {};
const samples5xx = new Set();

async function call(method, path, opts = {}) {
  requests++;
  const r = await rawCall(svc.base, method, path, opts);
  statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (r.status >= 500 && !samples5xx.has(String(r.body).slice(0, 200))) samples5xx.add(String(typeof r.body === "string" ? r.body : JSON.stringify(r.body)).slice(0, 200));
  return r;
}

/** Runs `fn(i)` for i < n with at most `width` in flight; resolves to the results in order. */
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Every live token of the account (as the owner sees it with all=true), by id. */
async function listAll() {
  const out = new Map();
  let cursor = null;
  do {
    const r = await call("GET", `/tk/v1/tokens?all=true&limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: owner });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const t of r.body.tokens) {
      assert.ok(!out.has(t.id), `a token listed twice: ${t.id}`);
      out.set(t.id, t);
    }
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

const READER = { language: "policy", role: "reader" };

async function create(name) {
  return call("POST", "/tk/v1/tokens", { token: owner, body: { name, scope: READER } });
}

before(async () => {
  svc = await startService();
  const r = await rawCall(svc.base, "POST", "/tk/v1/accounts", { token: svc.root.token, body: { name: "load", owner: "olga" } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  owner = r.body.secret;
  ownerId = r.body.member.id;
});

after(async () => {
  if (svc) await svc.cleanup();
  console.log(`load suite: ${cases} checks, ${requests} requests, statuses ${JSON.stringify(statuses)}`);
  for (const b of samples5xx) console.log(`5xx body: ${b}`);
});

test("concurrent creates: every acknowledged token is stored, once, and the count matches", async () => {
  const before = await listAll();
  const N = 150;
  const results = await pool(N, 15, (i) => create(`bulk-${i}`));
  const acked = results.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 201);
  for (const { r, i } of results.map((r, i) => ({ r, i }))) assert.equal(r.status, 201, `create ${i}: ${r.status} ${JSON.stringify(r.body)}`);
  const ids = new Set(acked.map(({ r }) => r.body.token.id));
  assert.equal(ids.size, N, "every create got its own id");
  const after = await listAll();
  assert.equal(after.size, before.size + N, "the count matches");
  for (const { r, i } of acked) {
    const t = after.get(r.body.token.id);
    assert.ok(t, `acknowledged token ${i} is listed`);
    assert.equal(t.name, `bulk-${i}`);
    assert.equal(t.version, 1);
  }
  // Each acknowledged secret authenticates as its own token.
  const selves = await pool(N, 15, (k) => call("GET", "/tk/v1/self", { token: acked[k].r.body.secret }));
  selves.forEach((s, k) => {
    assert.equal(s.status, 200);
    assert.equal(s.body.id, acked[k].r.body.token.id);
  });
  cases += N * 3 + 1;
});

test("racing If-Match patches: exactly one of the writers on a version wins, the others get 412", async () => {
  const K = 40;
  const made = await pool(K, 10, (i) => create(`race-${i}`));
  const tokens = made.map((r) => r.body.token);
  for (const width of [2, 5]) {
    const rounds = await pool(K, 8, async (k) => {
      const t = tokens[k];
      const g = await call("GET", `/tk/v1/tokens/${t.id}`, { token: owner });
      const etag = g.headers.get("etag");
      assert.equal(etag, `"${g.body.version}"`);
      const rs = await Promise.all(
        Array.from({ length: width }, (_, w) =>
          call("PATCH", `/tk/v1/tokens/${t.id}`, { token: owner, body: [{ op: "replace", path: "/name", value: `race-${k}-w${width}-${w}` }], headers: { "if-match": etag, "content-type": "application/json-patch+json" } }),
        ),
      );
      return { t, version: g.body.version, rs };
    });
    for (const { t, version, rs } of rounds) {
      const wins = rs.map((r, w) => ({ r, w })).filter(({ r }) => r.status === 200);
      const lost = rs.filter((r) => r.status === 412);
      assert.equal(wins.length, 1, `exactly one winner on ${t.id}: ${rs.map((r) => r.status)}`);
      assert.equal(lost.length, width - 1, `the others get 412: ${rs.map((r) => r.status)}`);
      for (const r of lost) assert.equal(r.body.error.code, "precondition_failed");
      const now = await call("GET", `/tk/v1/tokens/${t.id}`, { token: owner });
      assert.equal(now.body.version, version + 1, "one write, one version");
      assert.equal(now.body.name, wins[0].r.body.name, "the winner's write is the one stored");
      assert.equal(now.headers.get("etag"), wins[0].r.headers.get("etag"));
      cases++;
    }
  }
  // Blind writes (no If-Match) race too: each is applied or refused, none is silently lost.
  const blind = await pool(K, 8, async (k) => {
    const t = tokens[k];
    const v0 = (await call("GET", `/tk/v1/tokens/${t.id}`, { token: owner })).body.version;
    const rs = await Promise.all([0, 1, 2].map((w) => call("PATCH", `/tk/v1/tokens/${t.id}`, { token: owner, body: [{ op: "replace", path: "/description", value: `blind-${w}` }] })));
    return { t, v0, rs };
  });
  for (const { t, v0, rs } of blind) {
    for (const r of rs) assert.ok([200, 412].includes(r.status), `blind patch: ${r.status}`);
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, "at least one blind write lands");
    const now = (await call("GET", `/tk/v1/tokens/${t.id}`, { token: owner })).body;
    assert.equal(now.version, v0 + ok.length, "every acknowledged blind write is one version");
    assert.equal(now.description, ok.sort((a, b) => b.body.version - a.body.version)[0].body.description, "the last acknowledged write is stored");
    cases++;
  }
});

test("racing rotations: one current secret, versions count the acknowledged rotations", async () => {
  const M = 30;
  const made = await pool(M, 10, (i) => create(`rot-${i}`));
  const rounds = await pool(M, 6, async (k) => {
    const t = made[k].body;
    const rs = await Promise.all([0, 1, 2].map(() => call("POST", `/tk/v1/tokens/${t.token.id}/rotate`, { token: owner })));
    return { t, rs };
  });
  for (const { t, rs } of rounds) {
    for (const r of rs) assert.ok([200, 412].includes(r.status), `rotate: ${r.status} ${JSON.stringify(r.body)}`);
    const ok = rs.filter((r) => r.status === 200);
    assert.ok(ok.length >= 1, "at least one rotation lands");
    const now = (await call("GET", `/tk/v1/tokens/${t.token.id}`, { token: owner })).body;
    assert.equal(now.version, 1 + ok.length, "one version per acknowledged rotation");
    // Exactly one acknowledged secret is current: the last rotation's. It is presented first —
    // presenting a retired one is reuse and revokes the token (docs/leaks.md) — then every other
    // secret, the original included, is refused, and the reuse revoked the token.
    const last = ok.filter((r) => r.body.token.version === now.version);
    assert.equal(last.length, 1, "the current version is one acknowledged rotation's");
    assert.equal((await call("GET", "/tk/v1/self", { token: last[0].body.secret })).status, 200, "the last rotation's secret is current");
    const others = [t.secret, ...ok.filter((r) => r !== last[0]).map((r) => r.body.secret)];
    const lives = await Promise.all(others.map((s) => call("GET", "/tk/v1/self", { token: s })));
    for (const l of lives) assert.ok(l.status === 401 && ["reused_secret", "revoked"].includes(l.body.error.code), `a retired secret: ${l.status} ${JSON.stringify(l.body)}`);
    assert.ok(lives.some((l) => l.body.error.code === "reused_secret"), "the first retired secret presented is reuse");
    const after = await call("GET", "/tk/v1/self", { token: last[0].body.secret });
    assert.deepEqual([after.status, after.body.error?.code], [401, "revoked"], "the reuse revoked the token");
    cases++;
  }
});

test("racing dialect writes: S2 ids are issued once, LaunchDarkly patches on one version have one winner", async () => {
  const s2 = await call("POST", "/tk/v1/tokens", {
    token: owner,
    body: { name: "s2 admin", scope: { language: "s2", basins: { prefix: "" }, streams: { prefix: "" }, access_tokens: { prefix: "" }, op_groups: { account: { read: true, write: true }, basin: { read: true, write: true }, stream: { read: true, write: true } } } },
  });
  assert.equal(s2.status, 201);
  const ids = Array.from({ length: 15 }, (_, i) => `load-${i}`);
  const issued = await pool(ids.length, 5, (i) =>
    Promise.all([0, 1, 2].map(() => call("POST", "/v1/access-tokens", { token: s2.body.secret, body: { id: ids[i], scope: { streams: { prefix: `s/${i}/` }, op_groups: { stream: { read: true } } } } }))),
  );
  issued.forEach((rs, i) => {
    assert.equal(rs.filter((r) => r.status === 201).length, 1, `id ${ids[i]} issued once: ${rs.map((r) => r.status)}`);
    assert.equal(rs.filter((r) => r.status === 409).length, 2, "the others are 409");
    cases++;
  });
  const listed = await call("GET", "/v1/access-tokens?prefix=load-&limit=1000", { token: s2.body.secret });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.access_tokens.map((t) => t.id).sort(), [...ids].sort(), "exactly the issued ids are listed");
  // LaunchDarkly: two PATCHes read the same version; the loser gets 409.
  const ld = await pool(20, 5, (i) => call("POST", "/api/v2/tokens", { headers: { authorization: owner }, body: { name: `ld-${i}`, role: "reader" } }));
  const pairs = await pool(ld.length, 5, async (i) => {
    const id = ld[i].body._id;
    const rs = await Promise.all([0, 1].map((w) => call("PATCH", `/api/v2/tokens/${id}`, { headers: { authorization: owner }, body: [{ op: "replace", path: "/name", value: `ld-${i}-${w}` }] })));
    return { id, rs };
  });
  let ldOne = 0;
  for (const { id, rs } of pairs) {
    for (const r of rs) assert.ok([200, 409].includes(r.status), `LD patch: ${r.status} ${JSON.stringify(r.body)}`);
    const ok = rs.filter((r) => r.status === 200);
    const now = (await call("GET", `/tk/v1/tokens/${id}`, { token: owner })).body;
    assert.equal(now.version, 1 + ok.length, "one version per acknowledged patch");
    assert.ok(ok.some((r) => r.body.name === now.name), "an acknowledged name is stored");
    if (ok.length === 1) ldOne++;
    cases++;
  }
  console.log(`LD racing pairs with exactly one winner: ${ldOne} of ${pairs.length} (the rest ran one after the other)`);
});

/** Every descendant process of `pid` (wrangler's node CLI, workerd, esbuild), deepest last. */
function descendants(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid …" (comm may hold spaces: split after the last ")").
  const rows = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      rows.push([Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])]);
    } catch {}
  }
  const out = [];
  const walk = (p) => {
    for (const [c, pp] of rows) if (pp === p) out.push(c), walk(c);
  };
  walk(pid);
  return out;
}

/** Kills wrangler dev and everything it started with SIGKILL, by pid (a crash, not a shutdown). */
async function crash() {
  const p = svc.proc;
  const pids = [p.pid, ...descendants(p.pid)];
  const exited = new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", r)));
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await exited;
  // Wait until the port is free again (workerd gone).
  for (let i = 0; i < 100; i++) {
    if (descendants(p.pid).length === 0 && !pids.some((x) => alive(x))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const [label, restart] of [
  ["restart (stop, start)", async () => (await svc.stop(), await svc.start())],
  ["crash (SIGKILL of wrangler and workerd, start)", async () => (await crash(), await svc.start())],
]) test(`${label} in the middle of a write workload: nothing acknowledged is lost, the service comes back`, async () => {
  const before = await listAll();
  const LOOPS = 6;
  const PER_LOOP = 40; // acknowledged writes each loop aims for
  const MAX_ATTEMPTS = 200; // per loop, so the workload is bounded even if the service never returns
  const creates = []; // {name, status, id?}
  const patches = new Map(); // token id -> [{name, acked}]
  let acked = 0;
  let attempts = 0;
  let failures = 0;
  let down = false;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let cut = 0;
  const attempt = async (fn, write = true) => {
    attempts++;
    try {
      const r = await fn();
      // A 2xx whose body was cut off by the shutdown is no acknowledgment the client can use
      // (no id, no secret, no version): it counts as unacknowledged, possibly applied.
      if (r.status >= 200 && r.status < 300 && (r.body === null || typeof r.body !== "object")) {
        cut++;
        failures++;
        return { ...r, status: -r.status };
      }
      if (r.status >= 200 && r.status < 300) acked += write ? 1 : 0;
      else failures++;
      return r;
    } catch (e) {
      failures++;
      return { status: 0, error: e };
    }
  };
  const loop = async (l) => {
    let mine = null; // a token this loop patches, with its last known version
    let n = 0;
    for (let a = 0; a < MAX_ATTEMPTS && n < PER_LOOP; a++) {
      if (!mine || n % 4 === 0) {
        const name = `${label.split(" ")[0]}-${l}-${a}`;
        const rec = { name, status: 0 };
        creates.push(rec);
        const r = await attempt(() => create(name));
        rec.status = r.status;
        if (r.status === 201) {
          n++;
          rec.id = r.body.token.id;
          mine = { id: rec.id, version: r.body.token.version };
          patches.set(mine.id, []);
        } else await sleep(down ? 300 : 50);
        continue;
      }
      const name = `p-${l}-${a}`;
      const rec = { name, acked: false };
      patches.get(mine.id).push(rec);
      const r = await attempt(() => call("PATCH", `/tk/v1/tokens/${mine.id}`, { token: owner, body: [{ op: "replace", path: "/name", value: name }], headers: { "if-match": `"${mine.version}"` } }));
      if (r.status === 200) {
        rec.acked = true;
        mine.version = r.body.version;
        n++;
      } else {
        // Down, or a write that landed unacknowledged moved the version: re-read when possible.
        await sleep(down ? 300 : 50);
        const g = await attempt(() => call("GET", `/tk/v1/tokens/${mine.id}`, { token: owner }), false);
        if (g.status === 200) mine.version = g.body.version;
      }
    }
    return n;
  };
  const work = Promise.all(Array.from({ length: LOOPS }, (_, l) => loop(l)));
  // Restart once a third of the acknowledged writes are in.
  const deadline = Date.now() + 60_000;
  while (acked < (LOOPS * PER_LOOP) / 3 && Date.now() < deadline) await sleep(20);
  const ackedAtStop = acked;
  down = true;
  const t0 = Date.now();
  await restart();
  const downMs = Date.now() - t0;
  down = false;
  const done = await work;
  assert.ok(ackedAtStop > 0 && ackedAtStop < LOOPS * PER_LOOP, `the restart came in the middle (${ackedAtStop} acknowledged before it)`);
  assert.deepEqual(done, Array(LOOPS).fill(PER_LOOP), "every loop finished its writes after the restart");
  // The service is back, and all that was acknowledged is there.
  assert.equal((await call("GET", "/tk/v1/self", { token: owner })).status, 200);
  const after = await listAll();
  const ackedCreates = creates.filter((c) => c.status === 201);
  const unacked = creates.filter((c) => c.status !== 201);
  for (const c of ackedCreates) {
    assert.ok(after.has(c.id), `acknowledged create ${c.name} survived`);
    cases++;
  }
  const fresh = [...after.values()].filter((t) => !before.has(t.id));
  assert.ok(fresh.length >= ackedCreates.length && fresh.length <= ackedCreates.length + unacked.length, `count: ${fresh.length} new tokens, ${ackedCreates.length} acknowledged, ${unacked.length} unacknowledged`);
  for (const [id, recs] of patches) {
    const t = after.get(id);
    const ackedP = recs.filter((r) => r.acked).length;
    assert.ok(t.version >= 1 + ackedP && t.version <= 1 + recs.length, `${id}: version ${t.version}, ${ackedP} acknowledged of ${recs.length} patches`);
    const lastAcked = recs.map((r) => r.acked).lastIndexOf(true);
    if (lastAcked >= 0) {
      const allowed = recs.slice(lastAcked).map((r) => r.name); // the last acknowledged, or a later unacknowledged one
      assert.ok(allowed.includes(t.name), `${id}: stored name ${t.name} is the last acknowledged write (${recs[lastAcked].name}) or a later unacknowledged one`);
    }
    cases++;
  }
  console.log(`${label}: ${ackedAtStop} writes acknowledged before it, ${acked} in all, ${failures} requests refused or failed around it (${downMs} ms; ${cut} answers cut off), ${attempts} attempts, ${ackedCreates.length} creates and ${[...patches.values()].flat().filter((r) => r.acked).length} patches acknowledged, none lost`);
});
