// Pepper rotation across restarts (docs/service.md, "Pepper rotation"): a service started with
// one pepper (TOKENKIT_PEPPER, version v1) is restarted with a keyring whose current version is
// 2 and which still holds v1. Every token still verifies; each one used moves to version 2; the
// report (scripts/pepper-report.mjs) counts what is left on v1; once v1 is removed, the tokens
// that moved keep working and the one never used stops (unknown_token), as documented.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startService, call, dotenv, ROOT } from "./harness.mjs";

const P1 = "first-pepper-".repeat(4);
const P2 = "second-pepper-".repeat(4);
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
let svc;

before(async () => {
  svc = await startService({ env: { TOKENKIT_PEPPER: P1 } });
});
after(async () => {
  await svc?.cleanup();
});

/** The service's settings from now on (read at its next start). */
const configure = (vars) => writeFileSync(join(svc.dir, "test.dev.vars"), dotenv(vars), { mode: 0o600 });

function d1(sql) {
  const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--json", "--command", sql], { cwd: ROOT, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out.slice(out.indexOf("[")))[0].results;
}

function report() {
  const out = execFileSync("node", [join(ROOT, "scripts/pepper-report.mjs"), "--persist-to", svc.dir, "--secrets-file", join(svc.dir, "test.dev.vars"), "--json"], { cwd: ROOT, env: ENV, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop());
}
const on = (r, version) => r.versions.find((v) => v.version === version) ?? { tokens: 0, inGrace: 0, retired: 0 };

const versionOf = (digest) => /^hmac-sha256:([^:]+):/.exec(digest)?.[1];
const self = (secret) => call(svc.base, "GET", "/tk/v1/self", { token: secret });

async function mint(name) {
  const r = await call(svc.base, "POST", "/tk/v1/tokens", { token: svc.root.token, body: { name, scope: { language: "policy", role: "reader" } } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test("change the pepper across restarts: every token verifies, rows move, the old version can be removed", async () => {
  const R = svc.root.token;
  const used = await mint("used after the change");
  const unused = await mint("never used again");
  const graced = await mint("rotated with a grace");
  const g = await call(svc.base, "POST", `/tk/v1/tokens/${graced.token.id}/rotate`, { token: R, body: { grace: "PT1H" } });
  assert.equal(g.status, 200);
  const reused = await mint("rotated without a grace");
  const z = await call(svc.base, "POST", `/tk/v1/tokens/${reused.token.id}/rotate`, { token: R, body: {} });
  assert.equal(z.status, 200);
  await svc.stop();
  assert.ok(d1("SELECT digest FROM tokens").every((r) => versionOf(r.digest) === "v1"));

  // The keyring: version 2 current, v1 still held (the single pepper joins the ring).
  configure({ TOKENKIT_PEPPERS: JSON.stringify({ current: "2", peppers: { 2: P2 } }), TOKENKIT_PEPPER: P1 });
  let rep = report();
  assert.equal(rep.current, "2");
  assert.equal(on(rep, "v1").tokens, 5, "root, used, unused, graced, reused: all on v1");
  assert.equal(on(rep, "v1").inGrace, 1);
  assert.equal(on(rep, "2").tokens, 0);
  assert.equal(rep.stillOnOldVersions, 6);

  await svc.start();
  for (const s of [R, used.secret, g.body.secret, graced.secret, z.body.secret]) assert.equal((await self(s)).status, 200, "verifies under the older version");
  const fresh = await mint("made under version 2");
  // A retired secret digested under v1 is still recognised as reuse.
  const again = await call(svc.base, "GET", "/tk/v1/self", { token: reused.secret });
  assert.deepEqual([again.status, again.body.error.code], [401, "reused_secret"]);
  await svc.stop();

  const rows = Object.fromEntries(d1("SELECT id, digest, prev_digest FROM tokens").map((r) => [r.id, r]));
  for (const t of [used, fresh, graced]) assert.equal(versionOf(rows[t.token.id].digest), "2", `${t.token.name} moved to version 2`);
  assert.equal(versionOf(rows[svc.root.id].digest), "2");
  assert.equal(versionOf(rows[graced.token.id].prev_digest), "2", "the rotated-out secret in its grace moved too");
  assert.equal(versionOf(rows[unused.token.id].digest), "v1", "a token not used since stays on v1");
  rep = report();
  assert.deepEqual([on(rep, "v1").tokens, on(rep, "v1").inGrace, rep.stillOnOldVersions], [1, 0, 1], JSON.stringify(rep));
  assert.equal(on(rep, "2").tokens, 4, "root, used, graced, fresh (reused is revoked)");

  // v1 removed: what moved keeps working; what did not is unknown now.
  configure({ TOKENKIT_PEPPERS: JSON.stringify({ current: "2", peppers: { 2: P2 } }) });
  rep = report();
  assert.deepEqual([on(rep, "v1").configured, on(rep, "v1").tokens], [false, 1]);
  await svc.start();
  for (const s of [R, used.secret, fresh.secret, g.body.secret, graced.secret]) assert.equal((await self(s)).status, 200);
  const lost = await self(unused.secret);
  assert.deepEqual([lost.status, lost.body.error.code], [401, "unknown_token"], "a token left on a removed version stops verifying");
});

test("a bad keyring is refused with a clear error, not a silent plain-SHA-256 service", async () => {
  await svc.stop();
  configure({ TOKENKIT_PEPPERS: JSON.stringify({ current: "3", peppers: { 2: P2 } }) });
  await svc.start();
  const r = await self(svc.root.token);
  assert.equal(r.status, 500);
  assert.deepEqual([r.body.error.code, r.body.error.field], ["invalid_pepper_config", "TOKENKIT_PEPPERS.current"]);
});
