// `make deploy ENV=staging|production` (docs/deploy.md): after `make pkg-www`, deploys the two
// Workers of one environment to Cloudflare, the token service (worker/wrangler.jsonc) and then
// the dashboard (worker/dashboard/wrangler.jsonc: www/ and a Service Binding to the service,
// which must exist first) —
//   1. finds the environment's D1 database by its database_name (`wrangler d1 list`), or creates
//      it (`wrangler d1 create`; TOKENKIT_D1_LOCATION picks a location hint); TOKENKIT_D1_ID
//      skips the look-up;
//   2. writes worker/.deploy.<env>.json (git-ignored): the config with that database_id, which
//      the tracked config never holds (remote D1 commands need it);
//   3. applies the D1 migrations remotely, then `wrangler deploy --env <env>` of the service;
//   4. `wrangler deploy --env <env>` of the dashboard's Worker.
// Every wrangler command runs without a terminal on stdin, so without credentials
// (CLOUDFLARE_API_TOKEN, or a `wrangler login`) it stops at once with wrangler's error instead of
// waiting for a browser login. Secrets are not handled here: `wrangler secret put … --env <env>`.
//
//   node scripts/deploy.mjs <env> [--dry-run [--outdir DIR]]   (--dry-run: steps 2–4 as `wrangler
//   deploy --dry-run`, no account needed; the service's bundle to DIR, the dashboard's to DIR-dashboard)
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";

const ROOT = new URL("..", import.meta.url).pathname;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const CONFIG = join(ROOT, "worker/wrangler.jsonc");
const DASHBOARD = "worker/dashboard/wrangler.jsonc";
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false" };

const [env, ...flags] = process.argv.slice(2);
const dryRun = flags.includes("--dry-run");
const { rawConfig } = await experimental_readRawConfig({ config: CONFIG });
const { rawConfig: dashboardConfig } = await experimental_readRawConfig({ config: join(ROOT, DASHBOARD) });
const envs = Object.keys(rawConfig.env ?? {}).filter((e) => dashboardConfig.env?.[e]);
if (!envs.includes(env)) {
  console.error(`usage: make deploy ENV=<${envs.join("|")}> (got ${JSON.stringify(env ?? "")})`);
  process.exit(2);
}

function wrangler(args, { capture = false } = {}) {
  console.log(`deploy: wrangler ${args.join(" ")}`);
  const r = spawnSync(WRANGLER, args, { cwd: ROOT, env: ENV, encoding: "utf8", stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"], timeout: 600_000 });
  if (r.status !== 0) {
    if (capture) process.stderr.write(r.stdout + r.stderr);
    console.error(`deploy: \`wrangler ${args[0]} ${args[1] ?? ""}\` failed (exit ${r.status ?? r.signal}).` + (/CLOUDFLARE_API_TOKEN|not authenticated|login/i.test(`${r.stdout}${r.stderr}`) || !capture ? " Credentials: set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID with several accounts) or run `wrangler login` (docs/deploy.md)." : ""));
    process.exit(1);
  }
  return r.stdout;
}

const section = rawConfig.env[env];
const db = (section.d1_databases ?? []).find((d) => d.binding === "DB");
if (!db?.database_name) {
  console.error(`deploy: env.${env} in worker/wrangler.jsonc has no D1 binding DB with a database_name`);
  process.exit(1);
}

let id = process.env.TOKENKIT_D1_ID;
if (!id && !dryRun) {
  const list = JSON.parse(wrangler(["d1", "list", "--json"], { capture: true }));
  id = list.find((d) => d.name === db.database_name)?.uuid;
  if (!id) {
    const location = process.env.TOKENKIT_D1_LOCATION ? ["--location", process.env.TOKENKIT_D1_LOCATION] : [];
    const out = wrangler(["d1", "create", db.database_name, ...location], { capture: true });
    id = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/.exec(out)?.[0];
    if (!id) {
      console.error(`deploy: created ${db.database_name} but found no id in wrangler's answer:\n${out}`);
      process.exit(1);
    }
    console.log(`deploy: created the D1 database ${db.database_name} (${id})`);
  }
}

// The generated config sits next to the tracked one, so its relative paths stay right.
const generated = join(ROOT, `worker/.deploy.${env}.json`);
const withId = structuredClone(rawConfig);
if (id) withId.env[env].d1_databases = section.d1_databases.map((d) => (d.binding === "DB" ? { ...d, database_id: id } : d));
writeFileSync(generated, JSON.stringify(withId, null, 2) + "\n");
const cfg = ["--env", env, "-c", generated];

// The dashboard's Worker binds the service by its deployed name (tokenkit-<env>): check they agree.
const serviceName = `${rawConfig.name}-${env}`;
const bound = (dashboardConfig.env[env].services ?? []).find((b) => b.binding === "API")?.service;
if (bound !== serviceName) {
  console.error(`deploy: env.${env} in ${DASHBOARD} binds API to ${JSON.stringify(bound)}, but the service deploys as ${serviceName}`);
  process.exit(1);
}
const dashboardCfg = ["--env", env, "-c", DASHBOARD];

if (dryRun) {
  const rest = flags.filter((f) => f !== "--dry-run");
  wrangler(["deploy", "--dry-run", ...cfg, ...rest]);
  const o = rest.indexOf("--outdir");
  if (o >= 0) rest[o + 1] = `${rest[o + 1]}-dashboard`;
  wrangler(["deploy", "--dry-run", ...dashboardCfg, ...rest]);
} else {
  wrangler(["d1", "migrations", "apply", "DB", "--remote", ...cfg]);
  wrangler(["deploy", ...cfg]);
  wrangler(["deploy", ...dashboardCfg]);
  const rel = `worker/.deploy.${env}.json`;
  console.log(`deploy: ${env} deployed: the API as ${serviceName}, the dashboard as ${dashboardConfig.name}-${env}. First time? Set the secrets and the root token (docs/deploy.md):`);
  console.log(`  npx wrangler secret put TOKENKIT_PEPPER --env ${env} -c ${rel} < your-pepper-file`);
  console.log(`  node scripts/bootstrap-root.mjs --remote --env ${env} --config ${rel} --secrets-file - < your-secrets-file`);
}
