// The release binary (target/release/tokenkit, `make cli`) against a real `wrangler dev`
// (worker/test/harness.mjs): tokens list → create → rotate → revoke, accounts create, members
// add/list, verify against the service, digest equal to the wasm digestToken, a minted root
// token stored with its SQL and then used. Secrets go to the binary through its environment or
// standard input only, never its arguments.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService, ROOT } from "../../worker/test/harness.mjs";
import { initSync, digestToken, parseToken, maskToken } from "../../pkg/tokenkit.js";

initSync({ module: readFileSync(join(ROOT, "pkg/tokenkit_bg.wasm")) });

const BIN = join(ROOT, "target/release/tokenkit");
let svc;
let tmp;

before(async () => {
  svc = await startService();
  tmp = mkdtempSync(join(tmpdir(), "tokenkit-cli-"));
});
after(async () => {
  await svc?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Runs the binary: `token` goes in TOKENKIT_TOKEN, `input` on stdin. */
function tk(args, { token, input = "", url = true } = {}) {
  const env = { ...process.env, TOKENKIT_TOKEN: token ?? "" };
  if (token === undefined) delete env.TOKENKIT_TOKEN;
  delete env.TOKENKIT_URL;
  const r = spawnSync(BIN, url ? ["--url", svc.base, ...args] : args, { input, env, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const json = (r) => JSON.parse(r.out);
const NAMES = (...scopes) => ({ language: "names", scopes });

test("tokens: list, create, rotate, revoke — tables and --json", () => {
  const R = svc.root.token;
  let r = tk(["tokens", "list", "--json"], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(json(r).tokens.map((t) => t.name), ["root"]);
  r = tk(["tokens", "list"], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ID +NAME +HINT +SCOPE +EXPIRES +LAST USED\n/);
  assert.match(r.out, new RegExp(`\\n${svc.root.id} +root +${maskToken(R)} +policy:owner +never `));
  assert.ok(!r.out.includes(R));

  // create: the secret shown once, the row in the table.
  r = tk(["tokens", "create", "--name", "ci deploy", "--scope", JSON.stringify(NAMES("tokens:read")), "--lifetime", "one-week"], { token: R });
  assert.equal(r.code, 0, r.err);
  const secret = r.out.match(/\n {4}(tk_\w+)\n/)[1];
  assert.equal(parseToken(secret).prefix, "tk");
  assert.equal(r.out.split(secret).length, 2, "the secret appears once");
  assert.match(r.out, /ci deploy +tk_… *\w{4} +names:tokens:read +20\d\d-/);
  writeFileSync(join(tmp, "scope.json"), JSON.stringify(NAMES("tokens:read", "tokens:write")));
  r = tk(["tokens", "create", "--name", "script", "--scope", `@${join(tmp, "scope.json")}`, "--lifetime", "3600", "--description", "from a file", "--json"], { token: R });
  assert.equal(r.code, 0, r.err);
  const made = json(r);
  assert.equal(made.token.description, "from a file");
  assert.deepEqual(made.token.scope.scopes, ["tokens:read", "tokens:write"]);
  assert.ok(Date.parse(made.token.expiresAt) - Date.now() <= 3600_000);
  const id = made.token.id;

  r = tk(["tokens", "list", "--json", "--name", "SCRIPT"], { token: R });
  assert.deepEqual(json(r).tokens.map((t) => t.id), [id]);
  r = tk(["tokens", "list", "--json", "--all", "--expired", "false", "--expiring-within-days", "8"], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(json(r).tokens.map((t) => t.name).sort(), ["ci deploy", "script"]);
  r = tk(["tokens", "list", "--expired", "maybe"], { token: R });
  assert.equal(r.code, 1);
  assert.match(r.err, /400 invalid_query: .*\(field expired\)/);
  r = tk(["tokens", "list", "--json", "--limit", "1"], { token: R });
  assert.equal(json(r).tokens.length, 1);
  assert.ok(json(r).next_cursor);
  r = tk(["tokens", "list", "--limit", "1", "--cursor", json(tk(["tokens", "list", "--json", "--limit", "1"], { token: R })).next_cursor], { token: R });
  assert.match(r.out, /\(more: --cursor /);
  r = tk(["tokens", "get", id], { token: R });
  assert.match(r.out, new RegExp(`^ID .*\\n${id} +script `));

  // verify against the service: the new secret on stdin, the caller's token from the environment.
  r = tk(["verify", "--json"], { token: R, input: `${made.secret}\n` });
  assert.equal(r.code, 0, r.err);
  assert.equal(json(r).tokenId, id);
  r = tk(["verify", "--action", "tokens:write"], { token: R, input: made.secret });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^valid: token ${id} of `));
  // Both tokens on stdin (--token-stdin: the caller's first), the URL from TOKENKIT_URL.
  r = spawnSync(BIN, ["--token-stdin", "verify", "--json"], { input: `${R}\n${made.secret}\n`, env: { ...process.env, TOKENKIT_URL: svc.base, TOKENKIT_TOKEN: "" }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).tokenId, id);
  r = tk(["verify", "--action", "accounts:write"], { token: R, input: made.secret });
  assert.equal(r.code, 1);
  assert.match(r.out, /^invalid: forbidden: /);

  // rotate without grace: the new secret works (the old one, presented now, would revoke the
  // token: reuse detection, docs/leaks.md; it is checked after the revocation below).
  r = tk(["tokens", "rotate", id, "--json"], { token: R });
  assert.equal(r.code, 0, r.err);
  const rotated = json(r);
  assert.notEqual(rotated.secret, made.secret);
  assert.equal(rotated.previous_expires_at, null);
  assert.equal(tk(["verify"], { token: R, input: rotated.secret }).code, 0);
  r = tk(["tokens", "rotate", id, "--grace", "one-week"], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^the previous secret works until 20\d\d-/);
  const third = r.out.match(/\n {4}(tk_\w+)\n/)[1];

  // revoke: gone from the list, the secret answers `revoked`.
  r = tk(["tokens", "revoke", id], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `revoked token ${id}\n`);
  assert.ok(!json(tk(["tokens", "list", "--json"], { token: R })).tokens.some((t) => t.id === id));
  r = tk(["verify", "--json"], { token: R, input: third });
  assert.equal(r.code, 1);
  assert.equal(json(r).code, "revoked");
  assert.match(tk(["verify"], { token: R, input: made.secret }).out, /^invalid: revoked: /, "a retired secret of a revoked token");

  // The service's refusals: its code, message and field, exit 1.
  r = tk(["tokens", "create", "--scope", JSON.stringify(NAMES("x"))], { token: R });
  assert.equal(r.code, 1);
  assert.match(r.err, /^tokenkit: 422 invalid_field: .* \(field name\)\n$/);
  r = tk(["tokens", "revoke", id, "--json"], { token: R });
  assert.equal(r.code, 1);
  assert.equal(json(r).error.code, "not_found");
  r = tk(["tokens", "list"], { token: made.secret.slice(0, -1) + (made.secret.endsWith("a") ? "b" : "a") });
  assert.equal(r.code, 1);
  assert.match(r.err, /401 invalid_checksum/);
  // No token, no URL, a bad option: usage errors, exit 2, nothing sent.
  assert.equal(tk(["tokens", "list"]).code, 2);
  assert.equal(tk(["tokens", "list"], { token: R, url: false }).code, 2);
  assert.equal(tk(["tokens", "list", "--grace", "1"], { token: R }).code, 2);
});

test("accounts create, members add and list; the token from stdin", () => {
  const R = svc.root.token;
  let r = tk(["accounts", "create", "--name", "acme", "--owner", "alice", "--json"], { token: R });
  assert.equal(r.code, 0, r.err);
  const acc = json(r);
  assert.equal(acc.member.role, "owner");
  assert.equal(parseToken(acc.secret).prefix, "tk");

  // The owner's token on stdin (--token-stdin) instead of the environment.
  r = tk(["--token-stdin", "members", "add", acc.account.id, "--name", "bob", "--role", "admin"], { input: `${acc.secret}\n` });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^member \w+ \(bob, admin\)\nfirst token:\n/);
  const bob = r.out.match(/\n {4}(tk_\w+)\n/)[1];
  r = tk(["members", "list", acc.account.id], { token: bob });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ID +NAME +ROLE +CREATED\n/);
  assert.match(r.out, /\n\w+ +alice +owner +20/);
  assert.match(r.out, /\n\w+ +bob +admin +20/);
  // An admin may not add an owner: the service's 403, exit 1.
  r = tk(["members", "add", acc.account.id, "--name", "eve", "--role", "owner"], { token: bob });
  assert.equal(r.code, 1);
  assert.match(r.err, /403 forbidden: .*\(field role\)/);
  // Only root creates accounts.
  r = tk(["accounts", "create", "--name", "other"], { token: bob });
  assert.equal(r.code, 1);
  assert.match(r.err, /403 forbidden/);
  r = tk(["accounts", "create", "--name", "beta"], { token: R });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^created account \w+ \(beta\)\nmember \w+ \(owner, owner\)\nfirst token:\n/);
});

test("digest equals the wasm digestToken, with and without a pepper", () => {
  const t = svc.root.token;
  let r = tk(["digest"], { input: `${t}\n`, url: false });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${digestToken(t)}\n`);
  const key = "a pepper of at least thirty-two bytes, not in argv";
  writeFileSync(join(tmp, "pepper"), `${key}\n`);
  r = tk(["digest", "--pepper-file", join(tmp, "pepper"), "--pepper-version", "k2"], { input: t, url: false });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `${digestToken(t, { version: "k2", key })}\n`);
});

test("mint-root: the printed SQL stores a root token that the service accepts", () => {
  const sqlFile = join(tmp, "root.sql");
  let r = tk(["mint-root", "--account", svc.root.account, "--member", svc.root.member, "--sql-file", sqlFile], { url: false });
  assert.equal(r.code, 0, r.err);
  const minted = r.out.match(/\n {4}(tk_\w+)\n/)[1];
  assert.equal(r.out.split(minted).length, 2);
  assert.ok(r.out.includes(digestToken(minted)));
  assert.ok(!readFileSync(sqlFile, "utf8").includes(minted));
  // Store it in the running service's local D1, as an operator would with --remote.
  execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", svc.dir, "-c", "worker/wrangler.jsonc", "--file", sqlFile], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  r = tk(["tokens", "list", "--json"], { token: minted });
  assert.equal(r.code, 0, r.err);
  const mine = json(r).tokens.find((t) => t.hint === maskToken(minted));
  assert.equal(mine.name, "root");
  assert.deepEqual(mine.scope, { language: "policy", role: "owner", customRoleIds: [], inlineRole: [] });
  assert.equal(mine.expiresAt, null);
  // A root token: it may create accounts.
  assert.equal(tk(["accounts", "create", "--name", "by-minted"], { token: minted }).code, 0);
});
