// The command line the operator scripts on the token service's D1 database share
// (scripts/bootstrap-root.mjs, scripts/pepper-report.mjs):
//   [--persist-to DIR | --remote] [--env NAME] [--config FILE] [--secrets-file FILE | --secrets-file -]
// `readSecrets(keys)`: secrets never come from argv, which any user sees in `ps`. They are read
// from a .dev.vars-style file (KEY=value lines; `--secrets-file -` reads stdin), then from the
// environment for the keys the file does not set. Locally, without --secrets-file, the file is
// worker/.dev.vars (worker/.dev.vars.NAME first with --env NAME), the one `wrangler dev` gives
// the worker. `d1(sql)`: the statements run by `wrangler d1 execute`, its JSON answer.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";

export const args = process.argv.slice(2);
export const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
export const remote = args.includes("--remote");
const persist = remote ? [] : option("--persist-to") !== undefined ? ["--persist-to", option("--persist-to")] : [];
const wranglerEnv = option("--env");
const config = option("--config") ?? "worker/wrangler.jsonc";
const root = new URL("..", import.meta.url).pathname;

/** The `keys` set in the secrets file or the environment (empty values left out). */
export function readSecrets(keys) {
  let file = option("--secrets-file");
  if (file === undefined && !remote) {
    file = [wranglerEnv && `worker/.dev.vars.${wranglerEnv}`, "worker/.dev.vars"].filter(Boolean).map((f) => root + f).find((f) => existsSync(f));
  }
  const fromFile = file === undefined ? {} : parseEnv(readFileSync(file === "-" ? 0 : file, "utf8"));
  return Object.fromEntries(keys.map((k) => [k, fromFile[k] ?? process.env[k]]).filter(([, v]) => v !== undefined && v !== ""));
}

/** Runs `sql` on the database the options name; wrangler's JSON: one {results} per statement. */
export function d1(sql) {
  const out = execFileSync(`${root}node_modules/.bin/wrangler`, ["d1", "execute", "DB", remote ? "--remote" : "--local", ...persist, ...(wranglerEnv ? ["--env", wranglerEnv] : []), "-c", config, "--json", "--command", sql], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out.slice(out.indexOf("[")));
}
