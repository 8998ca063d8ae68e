// tokenkit with a pepper against a real `wrangler dev`: a service started with TOKENKIT_PEPPER
// and a chosen TOKENKIT_ROOT_TOKEN stores HMAC digests, and the root bootstrap issues a new root
// token only once the last one is revoked.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { startService, call, ROOT } from "./harness.mjs";
import { tk, NAMES, secrets } from "./api-helpers.mjs";

const PEPPER = "pepper-".repeat(6);
const PEPPER_ROOT = tk.generateToken();
let pepperSvc;

before(() => {
  pepperSvc = startService({ env: { TOKENKIT_PEPPER: PEPPER, TOKENKIT_ROOT_TOKEN: PEPPER_ROOT } });
  pepperSvc.catch(() => {}); // awaited (and reported) by its describe
});

after(async () => {
  await (await pepperSvc?.catch(() => null))?.cleanup();
});

describe("pepper", () => {
  // A second service with TOKENKIT_PEPPER and a chosen TOKENKIT_ROOT_TOKEN (what `make run` passes
  // to the bootstrap and to the worker): digests are HMACs, and the root token is the one given.
  const pepper = PEPPER;
  const rootToken = PEPPER_ROOT;
  let p;
  before(async () => {
    p = await pepperSvc;
  });

  test("digests are hmac-sha256 with the pepper's version; the chosen root token works", async () => {
    assert.equal(p.root.token, rootToken);
    assert.equal((await call(p.base, "GET", "/tk/v1/self", { token: rootToken })).status, 200);
    const made = await call(p.base, "POST", "/tk/v1/tokens", { token: rootToken, body: { name: "peppered", scope: NAMES("a") } });
    assert.equal(made.status, 201);
    const v = await call(p.base, "POST", "/tk/v1/verify", { token: rootToken, body: { token: made.body.secret } });
    assert.equal(v.body.valid, true);
    await p.stop();
    const out = execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["d1", "execute", "DB", "--local", "--persist-to", p.dir, "-c", "worker/wrangler.jsonc", "--json", "--command", "SELECT id, digest FROM tokens"], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const rows = JSON.parse(out.slice(out.indexOf("[")))[0].results;
    assert.equal(rows.length, 2);
    const key = { version: "v1", key: pepper };
    assert.equal(rows.find((r) => r.id === made.body.token.id).digest, tk.digestToken(made.body.secret, key));
    assert.equal(rows.find((r) => r.id === p.root.id).digest, tk.digestToken(rootToken, key));
    for (const r of rows) assert.match(r.digest, /^hmac-sha256:v1:[0-9a-f]{64}$/);
    const logs = p.logs();
    assert.ok(!logs.includes(made.body.secret) && !logs.includes(rootToken));
  });

  test("bootstrap: nothing new while a root token lives; a new one once the last is revoked", async () => {
    const boot = () =>
      JSON.parse(
        execFileSync("node", [join(ROOT, "scripts/bootstrap-root.mjs"), "--persist-to", p.dir, "--json"], { cwd: ROOT, env: { ...process.env, TOKENKIT_PEPPER: pepper, WRANGLER_SEND_METRICS: "false" }, encoding: "utf8" })
          .trim()
          .split("\n")
          .pop(),
      );
    assert.deepEqual(boot(), { created: false }, "the service is stopped; its root token is live");
    await p.start();
    assert.equal((await call(p.base, "DELETE", "/tk/v1/self", { token: rootToken })).status, 204);
    await p.stop();
    const again = boot();
    assert.equal(again.created, true);
    assert.equal(again.account, p.root.account, "the same root account");
    assert.equal(again.member, p.root.member, "the same root owner");
    secrets.add(again.token);
    await p.start();
    const me = await call(p.base, "GET", "/tk/v1/self", { token: again.token });
    assert.deepEqual([me.status, me.body.root, me.body.role], [200, true, "owner"]);
    assert.equal((await call(p.base, "GET", "/tk/v1/self", { token: rootToken })).body.error.code, "revoked");
  });
});
