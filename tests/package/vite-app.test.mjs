// examples/vite-app as a user builds it (make test stage 35, scripts/stages/35-package.sh): a
// fresh copy with vite (from npm's cache) and the `npm pack` tarball installed, served by Vite's
// dev server, then by `vite build` + `vite preview`, each driven in headless Chromium. The copy
// gets one probe, tests/package/vite-answers.js (fixed inputs through every API area, rendered
// into <pre id="answers">): the page's answers must equal what Node computes from the same
// module in the same project; no console error or warning, no failed request; the app's own
// controls work.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, installExample, skipWithoutTarball as skip } from "./project.mjs";
import { freePort } from "../../worker/test/harness.mjs";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

let dir, browser, expected;

before(async () => {
  if (skip) return;
  dir = installExample("vite-app", ["vite"]);
  copyFileSync(join(ROOT, "tests/package/vite-answers.js"), join(dir, "src/answers.js"));
  const html = readFileSync(join(dir, "index.html"), "utf8");
  writeFileSync(join(dir, "index.html"), html.replace("</body>", '  <script type="module" src="/src/answers.js"></script>\n  </body>'));
  writeFileSync(join(dir, "node-answers.mjs"), 'import { answers } from "./src/answers.js";\nconsole.log(JSON.stringify(answers()));\n');
  const r = spawnSync(process.execPath, ["node-answers.mjs"], { cwd: dir, encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  expected = JSON.parse(r.stdout);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `vite <args>` in the project until it serves `port`; returns a stop function. */
async function vite(args, port) {
  const proc = spawn(process.execPath, [join(dir, "node_modules/vite/bin/vite.js"), ...args, "--port", String(port), "--strictPort", "--host", "127.0.0.1"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`vite ${args.join(" ")} exited:\n${out}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`vite ${args.join(" ")} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return () => new Promise((resolve) => {
    proc.once("exit", resolve);
    proc.kill("SIGTERM");
  });
}

/** Loads the page, returns what it shows; asserts no console error or warning and no failed request. */
async function drive(base) {
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  const wasm = [];
  page.on("response", (r) => { if (r.url().endsWith(".wasm")) wasm.push(r.headers()["content-type"]); });
  try {
    await page.goto(base);
    await page.waitForSelector("#answers", { timeout: 20_000 });
    const answers = JSON.parse(await page.textContent("#answers"));
    // the app's own controls
    const first = await page.textContent("#token");
    await page.click("#new-token");
    const token = await page.textContent("#token");
    assert.notEqual(token, first, "New token makes another token");
    assert.match(token, /^tk_[0-9A-Za-z]{36}$/);
    assert.match(await page.textContent("#digest"), /^sha256:[0-9a-f]{64}$/);
    await page.click("#check button[type=submit]");
    assert.equal(await page.textContent("#verdict"), "well formed");
    await page.fill("#presented", token.slice(0, 5) + (token[5] === "A" ? "B" : "A") + token.slice(6));
    await page.click("#check button[type=submit]");
    assert.match(await page.textContent("#verdict"), /^invalid_checksum: /);
    assert.deepEqual(problems, []);
    return { answers, wasm };
  } finally {
    await page.close();
  }
}

test("vite dev server: the page answers as Node does, with no console error", { skip, timeout: 90_000 }, async () => {
  const port = await freePort();
  const stop = await vite([], port);
  try {
    const { answers, wasm } = await drive(`http://127.0.0.1:${port}/`);
    assert.deepEqual(answers, expected);
    assert.deepEqual(wasm, ["application/wasm"], "the .wasm is fetched once, as application/wasm");
  } finally {
    await stop();
  }
});

test("vite build + vite preview: one hashed .wasm asset, the page answers as Node does", { skip, timeout: 120_000 }, async () => {
  const r = spawnSync(process.execPath, [join(dir, "node_modules/vite/bin/vite.js"), "build"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const assets = readdirSync(join(dir, "dist/assets"));
  assert.equal(assets.filter((f) => f.endsWith(".wasm")).length, 1, assets.join(", "));
  assert.ok(existsSync(join(dir, "dist/index.html")));
  const port = await freePort();
  const stop = await vite(["preview"], port);
  try {
    const { answers, wasm } = await drive(`http://127.0.0.1:${port}/`);
    assert.deepEqual(answers, expected);
    assert.deepEqual(wasm, ["application/wasm"]);
  } finally {
    await stop();
  }
});

// The package README's plain <script type="module"> page (an import map onto browser.js, no
// bundler): served as static files from the project, with the package's own files.
test("the package README's plain <script type=module> page, no bundler", { skip, timeout: 60_000 }, async () => {
  const readme = readFileSync(join(ROOT, "npm/README.md"), "utf8");
  const block = readme.match(/^```html browser\n([\s\S]*?)^```$/m)[1];
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const path = req.url === "/" ? null : normalize(join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    if (path === null) return res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><link rel="icon" href="data:,"><body>${block}</body>`);
    if (!path.startsWith(dir) || !existsSync(path)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => /\d{4}-\d\d-\d\dT/.test(document.body.textContent), null, { timeout: 15_000 });
    assert.match(await page.textContent("body"), /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    server.close();
  }
});
