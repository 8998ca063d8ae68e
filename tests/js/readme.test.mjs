// Runs every fenced ```js block of docs/readme-snippets.md for real, against the built pkg/:
//   ```js node     → a Node process
//   ```js browser  → a module script in headless Chromium (playwright-core + /usr/bin/chromium),
//                    served with pkg/ from a static server on 127.0.0.1
//   ```js worker   → the worker entry of a throwaway `wrangler dev` project (workerd, local D1)
// A `console.log(...) // → X` line must print X; `// → /re/` must match the regular expression.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tk from "./tokenkit.mjs";

const root = new URL("../../", import.meta.url);
const rootPath = fileURLToPath(root);
const pkgPath = join(rootPath, "pkg");
const doc = readFileSync(new URL("docs/readme-snippets.md", root), "utf8");
const blocks = [...doc.matchAll(/^```js (\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ host: m[1], code: m[2] }));

/** The `// → …` expectations of a block, in order. */
function expectations(code) {
  return code.split("\n").filter((l) => l.includes("console.log(") && l.includes("// → ")).map((l) => l.split("// → ")[1].trim());
}

function check(lines, wanted, label) {
  assert.equal(lines.length, wanted.length, `${label}: printed ${JSON.stringify(lines)}`);
  wanted.forEach((w, i) => {
    if (w.startsWith("/") && w.endsWith("/")) assert.match(lines[i], new RegExp(w.slice(1, -1)), `${label} line ${i + 1}`);
    else assert.equal(lines[i], w, `${label} line ${i + 1}`);
  });
}

test("the snippets document has node, browser and worker blocks", () => {
  const hosts = blocks.map((b) => b.host);
  for (const h of ["node", "browser", "worker"]) assert.ok(hosts.includes(h), h);
  assert.ok(hosts.every((h) => ["node", "browser", "worker"].includes(h)), hosts.join());
});

blocks.filter((b) => b.host === "node").forEach((b, i) => {
  test(`node snippet ${i + 1} runs and prints what it says`, () => {
    const dir = mkdtempSync(join(tmpdir(), "tk-readme-"));
    try {
      // The snippet is written for a file at the repository root; point ./pkg/ at the real pkg/.
      const file = join(dir, "snippet.mjs");
      writeFileSync(file, b.code.replaceAll('"./pkg/', `"${new URL("pkg/", root).href}`));
      const { TOKEN_PEPPER: _unset, ...env } = process.env; // the snippet falls back to its dev pepper
      const out = execFileSync(process.execPath, [file], { encoding: "utf8", timeout: 30_000, env });
      const wanted = expectations(b.code);
      assert.ok(wanted.length >= 3);
      check(out.trimEnd().split("\n"), wanted, `node snippet ${i + 1}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const CHROMIUM = "/usr/bin/chromium";

test("browser snippet runs in headless Chromium", { skip: !existsSync(CHROMIUM) && "no /usr/bin/chromium", timeout: 60_000 }, async () => {
  const { chromium } = await import("playwright-core");
  const block = blocks.find((b) => b.host === "browser");
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let body, type;
    if (url.pathname === "/") [body, type] = ['<!doctype html><meta charset="utf-8"><title>t</title><script type="module" src="/snippet.js"></script><body></body>', types[".html"]];
    else if (url.pathname === "/snippet.js") [body, type] = [block.code, types[".js"]];
    // the package as a static host serves it: tokenkit.js imports its TokenkitError snippet
    else if (/^\/pkg\/(tokenkit(_bg\.wasm|\.js)|snippets\/[\w-]+(\/[\w-]+)*\.js)$/.test(url.pathname)) {
      body = readFileSync(join(rootPath, url.pathname));
      type = types[url.pathname.slice(url.pathname.lastIndexOf("."))];
    }
    if (body === undefined) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": type }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    const logs = [], errors = [];
    page.on("console", (m) => m.type() === "log" && logs.push(m.text()));
    page.on("pageerror", (e) => errors.push(String(e)));
    const wanted = expectations(block.code);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const deadline = Date.now() + 20_000;
    while (logs.length < wanted.length && errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(errors, []);
    check(logs, wanted, "browser snippet");
    assert.equal(await page.locator("li").count(), tk.lifetimePresets().length);
  } finally {
    await browser.close();
    server.close();
  }
});

const WRANGLER = join(rootPath, "node_modules/.bin/wrangler");

test("worker snippet serves requests in wrangler dev (workerd + local D1)", { skip: !existsSync(WRANGLER) && "no wrangler", timeout: 120_000 }, async () => {
  const block = blocks.find((b) => b.host === "worker");
  const dir = mkdtempSync(join(tmpdir(), "tk-worker-"));
  const pepper = "a test pepper of at least thirty-two bytes";
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_LOG_PATH: join(dir, "logs"), CI: "1" };
  let child;
  try {
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "migrations"));
    symlinkSync(pkgPath, join(dir, "pkg")); // the snippet imports ../pkg/ from src/index.js
    writeFileSync(join(dir, "src/index.js"), block.code);
    const live = tk.generateToken(), expired = tk.generateToken(), unknown = tk.generateToken(), revoked = tk.generateToken();
    const digest = (t) => tk.digestToken(t, { version: "v1", key: pepper });
    writeFileSync(join(dir, "migrations/0001_tokens.sql"), [
      "CREATE TABLE tokens (name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, prev_digest TEXT, prev_expires_at INTEGER, revoked_at INTEGER, expires_at INTEGER);",
      `INSERT INTO tokens VALUES ('live', '${digest(live)}', NULL, NULL, NULL, ${tk.expiresAtMs("one-year", Date.now())});`,
      `INSERT INTO tokens VALUES ('old', '${digest(expired)}', NULL, NULL, NULL, ${Date.parse("2020-01-01T00:00:00.000Z")});`,
      `INSERT INTO tokens VALUES ('gone', '${digest(revoked)}', NULL, NULL, ${Date.now()}, NULL);`,
    ].join("\n"));
    writeFileSync(join(dir, "wrangler.jsonc"), JSON.stringify({
      name: "tk-readme-worker", main: "src/index.js", compatibility_date: "2026-04-01",
      vars: { TOKEN_PEPPER: pepper },
      d1_databases: [{ binding: "DB", database_name: "tk-readme", database_id: "00000000-0000-0000-0000-000000000000", migrations_dir: "migrations" }],
    }));
    execFileSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local"], { cwd: dir, env, stdio: "pipe", timeout: 60_000 });
    const port = await new Promise((r) => { const s = createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
    child = spawn(WRANGLER, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--local"], { cwd: dir, env, stdio: "pipe" });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const base = `http://127.0.0.1:${port}/`;
    const call = (token) => fetch(base, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }).then(async (r) => [r.status, await r.json()]);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try { await fetch(base); break; } catch { /* not up yet */ }
      if (Date.now() > deadline || child.exitCode !== null) assert.fail(`wrangler dev did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const typo = live.slice(0, -1) + (live.endsWith("a") ? "b" : "a");
    assert.deepEqual(await call(live), [200, { name: "live" }]);
    assert.deepEqual((await call(typo)).map((x) => x.error?.code ?? x), [401, "invalid_checksum"]);
    assert.deepEqual((await call(undefined)).map((x) => x.error?.code ?? x), [401, "missing_token"]);
    assert.deepEqual(await call(expired), [401, { error: { code: "expired", rule: "expiry" } }]);
    assert.deepEqual(await call(unknown), [401, { error: { code: "unknown_token", rule: "lookup" } }]);
    assert.deepEqual(await call(revoked), [401, { error: { code: "revoked", rule: "revocation" } }]);
  } finally {
    if (child && child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((r) => { const t = setTimeout(() => { child.kill("SIGKILL"); r(); }, 5000); child.on("exit", () => { clearTimeout(t); r(); }); });
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
