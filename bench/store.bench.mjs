// Scaling with the number of tokens stored: verify and list on `wrangler dev` with 1 → 100,000
// tokens in local D1. Rows are seeded between tiers with `wrangler d1 execute --local --file`
// (generated SQL, multi-row INSERTs in batches) while the service is stopped; every seeded row
// has a real secret's digest from pkg's digestToken, so verify of a seeded secret is a real hit.
//
//   node bench/store.bench.mjs [--tiers 1,1000,10000,100000] [--seconds 3] [--rounds 2] [--json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService, call } from "../worker/test/harness.mjs";
import { interleaved, settle } from "./load.mjs";
import { ROOT, arg, emit, loadPkg, summary, table } from "./lib.mjs";

const TIERS = String(arg("tiers", "1,1000,10000,100000")).split(",").map(Number);
const SECONDS = arg("seconds", 3);
const ROUNDS = arg("rounds", 2);
const CONNECTIONS = arg("connections", 10);
const BATCH_ROWS = 200; // rows per INSERT statement (D1 refuses statements over 100 KB)
const FILE_ROWS = 25_000; // rows per `wrangler d1 execute --file`

const tk = await loadPkg();
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

// The verification cache off (TTL 0): this part measures the lookup by digest in D1 as the table
// grows, which a cache hit would skip (service.bench.mjs measures verify with the cache on).
const svc = await startService({ env: { VERIFY_CACHE_TTL_MS: "0" } });
const tmp = mkdtempSync(join(tmpdir(), "tokenkit-bench-sql-"));
try {
  const root = svc.root;
  const auth = { authorization: `Bearer ${root.token}`, "content-type": "application/json" };
  const scope = JSON.stringify({ language: "names", scopes: ["read"] });
  let stored = 1; // the root token
  let seq = 0;
  let probe = root.token; // a stored secret to verify: the newest seeded one's middle neighbour
  const now = Date.now();
  const rows = [];

  /** Adds `n` tokens of the root member (the list's owner) to D1, service stopped. */
  function seed(n) {
    const secrets = [];
    let file = 0;
    for (let done = 0; done < n; file++) {
      const stmts = [];
      for (let inFile = 0; inFile < FILE_ROWS && done < n; ) {
        const values = [];
        for (let k = 0; k < BATCH_ROWS && inFile < FILE_ROWS && done < n; k++, inFile++, done++) {
          const secret = tk.generateToken();
          secrets.push(secret);
          const id = `b${String(++seq).padStart(23, "0")}`;
          values.push(`(${q(id)},${q(root.account)},${q(root.member)},'tokenkit',${q(`bench token ${seq}`)},NULL,${q(scope)},'names',${q(tk.digestToken(secret))},${q(tk.maskToken(secret))},'{}',${now + seq},${now + seq},NULL,1)`);
        }
        stmts.push(`INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version) VALUES\n${values.join(",\n")};`);
      }
      const path = join(tmp, `seed-${seq}.sql`);
      writeFileSync(path, stmts.join("\n"));
      execFileSync(WRANGLER, ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--file", path, "--yes"], { cwd: ROOT, env: ENV, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 1 << 26 });
      rmSync(path);
    }
    return secrets;
  }

  for (const tier of TIERS) {
    if (tier > stored) {
      await svc.stop();
      const t0 = Date.now();
      const secrets = seed(tier - stored);
      const seedMs = Date.now() - t0;
      stored = tier;
      probe = secrets[Math.floor(secrets.length / 2)];
      await svc.start();
      rows.push({ tier, seedMs });
    } else rows.push({ tier, seedMs: 0 });
    const row = rows[rows.length - 1];
    const verifyBody = JSON.stringify({ token: probe });
    const check = await settle(async () => {
      const r = await call(svc.base, "POST", "/tk/v1/verify", { token: root.token, raw: verifyBody, headers: { "content-type": "application/json" } });
      return { ...r, ok: r.status === 200 && r.body.valid === true };
    });
    if (!check.ok) throw new Error(`tier ${tier}: verify precheck ${check.status} ${JSON.stringify(check.body)}`);
    const targets = {
      verify: { url: `${svc.base}/tk/v1/verify`, method: "POST", headers: auth, body: verifyBody, expect: (b) => b.includes('"valid":true') },
      list: { url: `${svc.base}/tk/v1/tokens?limit=20`, headers: auth, expect: (b) => b.startsWith('{"tokens":[') },
      // A name search is a substring match over the owner's rows; "root" matches only the oldest
      // row, so every row is read: a scan, shown for contrast.
      search: { url: `${svc.base}/tk/v1/tokens?limit=20&name=root`, headers: auth, expect: (b) => b.startsWith('{"tokens":[') },
    };
    for (const t of Object.values(targets)) t.serverPid = svc.proc.pid;
    const names = Object.keys(targets);
    const runs = await interleaved(targets, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
    for (const n of names) {
      const cpu = runs[n].some((x) => x.serverCpuUsPerRequest !== null) ? summary(runs[n].filter((x) => x.serverCpuUsPerRequest !== null).map((x) => x.serverCpuUsPerRequest)) : null;
      row[n] = { rps: summary(runs[n].map((x) => x.rps)), p50: summary(runs[n].map((x) => x.p50)), p99: summary(runs[n].map((x) => x.p99)), cpuUs: cpu, errors: runs[n].reduce((a, x) => a + x.errors, 0) };
    }
    if (!process.argv.includes("--json")) console.error(`tier ${tier}: verify ${row.verify.rps.median.toFixed(0)}/s, list ${row.list.rps.median.toFixed(0)}/s, search ${row.search.rps.median.toFixed(0)}/s`);
  }

  const f0 = (s) => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  const cell = (x) => `${f0(x.rps)}/s, p50 ${x.p50.median.toFixed(1)} ms, p99 ${x.p99.median.toFixed(1)} ms${x.cpuUs ? `, ${(x.cpuUs.median / 1000).toFixed(2)} ms CPU` : ""}${x.errors ? `, **${x.errors} errors**` : ""}`;
  const md = [
    `${ROUNDS} interleaved rounds × ${SECONDS} s per target and tier, ${CONNECTIONS} connections; requests/s median (min–max).`,
    "",
    table(["tokens stored", "verify (lookup by digest)", "list (20, newest first)", "list ?name= (substring scan)", "seeding"], rows.map((r) => [r.tier.toLocaleString("en"), cell(r.verify), cell(r.list), cell(r.search), r.seedMs ? `${(r.seedMs / 1000).toFixed(1)} s` : "–"])),
  ].join("\n");
  emit({ bench: "store", tiers: TIERS, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, rows }, md);
} finally {
  await svc.cleanup();
  rmSync(tmp, { recursive: true, force: true });
}
