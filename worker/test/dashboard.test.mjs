// End-to-end tests of the dashboard (www/) in Debian's Chromium, driven by playwright-core, against
// a real `wrangler dev` (workerd + local D1) started by harness.mjs. The run fails on any console
// error, page error or failed request it did not expect; every expected HTTP error is declared by
// the step that causes it. Screenshots of the main screens go to test-results/dashboard/.
//
//   node --test worker/test/dashboard.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { call, ROOT, startService } from "./harness.mjs";
import { initSync, generateToken, expiresAt as tkExpiresAt } from "../../pkg/tokenkit.js";

initSync({ module: readFileSync(join(ROOT, "pkg/tokenkit_bg.wasm")) });

const SHOTS = join(ROOT, "test-results/dashboard");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("the dashboard's Worker (worker/dashboard/)", () => {
  let svc;
  before(async () => {
    svc = await startService({ dashboard: true });
  });
  after(async () => {
    await svc?.cleanup();
  });

  it("serves www/ with headers that forbid framing it (www/_headers)", async () => {
    for (const path of ["/", "/js/app.js", "/pkg/full/tokenkit_bg.wasm"]) {
      const r = await fetch(`${svc.dashboard}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get("x-frame-options"), "DENY", path);
      assert.equal(r.headers.get("content-security-policy"), "frame-ancestors 'none'", path);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      await r.arrayBuffer();
    }
    assert.equal((await fetch(`${svc.dashboard}/_headers`)).status, 404, "the rules file itself is not served");
  });

  it("hands the API's paths to the service through its Service Binding, as they came", async () => {
    // The service's own answer (its request id), for the service's routes and the dialects'.
    const self = await call(svc.dashboard, "GET", "/tk/v1/self", { token: svc.root.token });
    assert.equal(self.status, 200);
    assert.equal(self.body.id, svc.root.id);
    assert.match(self.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal((await call(svc.dashboard, "GET", "/api/v2/tokens", { headers: { authorization: svc.root.token } })).status, 200);
    assert.equal((await call(svc.dashboard, "GET", "/v1/access-tokens", { token: svc.root.token })).status, 200);
    // The URL too: the OpenAPI document names the origin it was fetched from, the dashboard's.
    const doc = await call(svc.dashboard, "GET", "/openapi.json");
    assert.equal(doc.body.servers[0].variables.baseUrl.default, svc.dashboard);
    // A path that is neither an asset nor the API's: the service's JSON 404.
    const none = await call(svc.dashboard, "GET", "/no-such-page");
    assert.deepEqual([none.status, none.body.error.code], [404, "not_found"]);
  });
});

/** Collects what the page does wrong; `expect()` declares the HTTP errors a step causes on purpose. */
class Guard {
  constructor(page, base) {
    this.base = base;
    this.problems = [];
    this.expected = [];
    this.seenStatus = [];
    this.consoleStatus = [];
    this.apiRequests = [];
    page.on("pageerror", (e) => this.problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() !== "error" && m.type() !== "warning") return;
      const text = m.text();
      // Chromium logs every HTTP error response; each must match one the step expected.
      const http = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
      if (http) this.consoleStatus.push(Number(http[1]));
      else this.problems.push(`console ${m.type()}: ${text}`);
    });
    this.lastNavigation = 0;
    page.on("framenavigated", (f) => f === page.mainFrame() && (this.lastNavigation = Date.now()));
    page.on("requestfailed", (r) => {
      const error = r.failure()?.errorText ?? "";
      // A reload cancels what the old document was still loading (Chromium fetches the icon lazily).
      const cancelledByReload = error === "net::ERR_ABORTED" && !r.url().startsWith(`${base}/tk/`) && Date.now() - this.lastNavigation < 3000;
      if (!cancelledByReload) this.problems.push(`request failed: ${r.method()} ${r.url()} ${error}`);
    });
    page.on("request", (r) => {
      if (r.url().startsWith(`${base}/tk/`)) this.apiRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    page.on("response", (r) => {
      if (r.status() < 400) return;
      const what = `${r.request().method()} ${new URL(r.url()).pathname}`;
      const i = this.expected.findIndex((e) => e.status === r.status() && e.what.test(what));
      if (i < 0) return void this.problems.push(`unexpected HTTP ${r.status()}: ${what}`);
      this.expected.splice(i, 1);
      this.seenStatus.push(r.status());
    });
  }
  expect(status, what) {
    this.expected.push({ status, what });
  }
  /** Throws if anything unexpected happened, or an expected error did not. */
  check(step) {
    const left = this.expected.map((e) => `expected HTTP ${e.status} ${e.what} did not happen`);
    for (const status of this.consoleStatus) {
      const i = this.seenStatus.indexOf(status);
      if (i >= 0) this.seenStatus.splice(i, 1);
      else left.push(`console error for an unexpected HTTP ${status}`);
    }
    this.consoleStatus = [];
    this.seenStatus = [];
    const problems = [...this.problems, ...left];
    this.problems = [];
    this.expected = [];
    assert.deepEqual(problems, [], `${step}: ${problems.join("; ")}`);
  }
}

describe("dashboard (www/) in Chromium against wrangler dev", { timeout: 180_000 }, () => {
  let svc;
  let browser;
  let context;
  let page;
  let guard;
  let rootToken;
  const secrets = {};
  const api = (method, path, opts = {}) => call(svc.base, method, path, { token: rootToken, ...opts });
  const verify = async (token) => (await api("POST", "/tk/v1/verify", { body: { token } })).body;
  const shot = (name, opts = {}) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, ...opts });
  /** Finds the row of the token named `name` in the list. */
  const row = (name) => page.locator("table.tokens tbody tr").filter({ has: page.locator(".token-name", { hasText: new RegExp(`^${name.replace(/[()]/g, "\\$&")}$`) }) });
  const listReady = () => page.waitForSelector("table.tokens:not([aria-busy])");
  // Runs `action`, which makes the open list load again (a dialog's onDone, say), and waits for that
  // load. listReady alone can pass before the reload starts: a dialog's close event, which starts
  // it, comes a task after the key press; a page.reload() then would abort the load's request.
  const relisted = async (action) => {
    const listed = page.waitForResponse((r) => r.request().method() === "GET" && new URL(r.url()).pathname === "/tk/v1/tokens");
    await action();
    await listed;
    await listReady();
  };
  // The steps build on each other: after a failure the rest are skipped (and a screenshot kept).
  let failed = null;
  const step = (name, fn) =>
    it(name, async (t) => {
      if (failed) return t.skip(`after the failure of: ${failed}`);
      try {
        await fn(t);
      } catch (e) {
        failed = name;
        await page?.screenshot({ path: join(SHOTS, "failure.png"), fullPage: true }).catch(() => {});
        throw e;
      }
    });
  const tokenByName = async (name) => {
    const r = await api("GET", `/tk/v1/tokens?name=${encodeURIComponent(name)}`);
    assert.equal(r.status, 200);
    return r.body.tokens.find((t) => t.name === name);
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    svc = await startService({ dashboard: true });
    rootToken = svc.root.token;
    // A token that expires two seconds from now: expired by the time the list is filtered.
    const r = await api("POST", "/tk/v1/tokens", { body: { name: "Nightly export", lifetime: 2, scope: { language: "privileges", privileges: ["exports:read"] } } });
    assert.equal(r.status, 201);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: "UTC", locale: "en-US" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: svc.dashboard });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    guard = new Guard(page, svc.dashboard);
  });

  after(async () => {
    await browser?.close();
    await svc?.cleanup();
  });

  step("sign in: checked by the wasm parseToken before any request, the service's 401 shown, session in sessionStorage only", async () => {
    await page.goto(`${svc.dashboard}/`);
    await page.waitForSelector("html[data-ready]");
    await shot("01-sign-in");
    const input = page.getByLabel("Access token");
    // Malformed: refused locally, no request made.
    await input.fill("tk_not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector(".field-error");
    assert.match(await page.locator(".field-error").innerText(), /not a valid tokenkit token.*invalid_/s);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    // One changed character of a real token: the checksum catches it, still no request.
    const typo = rootToken.slice(0, 10) + (rootToken[10] === "A" ? "B" : "A") + rootToken.slice(11);
    await input.fill(typo);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForFunction(() => /invalid_checksum/.test(document.querySelector(".field-error")?.textContent ?? ""));
    assert.deepEqual(guard.apiRequests, [], "no request before the token parses");
    // Well-formed but unknown: the service answers 401 unknown_token, shown by the field.
    guard.expect(401, /^GET \/tk\/v1\/self$/);
    await input.fill(generateToken());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForFunction(() => /unknown_token/.test(document.querySelector(".field-error")?.textContent ?? ""));
    assert.match(await page.locator(".field-error").innerText(), /not known.*unknown_token.*HTTP 401/s);
    await shot("02-sign-in-error");
    // The root token signs in.
    await input.fill(`  ${rootToken}\n`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await listReady();
    assert.match(await page.locator("#who").innerText(), /root/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("tokenkit.session")), rootToken);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await row("root").locator(".badge", { hasText: "This session" }).count(), 1);
    guard.check("sign in");
  });

  step("create: live expiry preview equals the stored expiresAt; scope tried and refused locally; secret shown once", async () => {
    await page.getByRole("link", { name: "Generate new token" }).click();
    await page.waitForSelector("form.form");
    await page.getByLabel("Name", { exact: true }).fill("CI deploys");
    await page.getByLabel("Description").fill("Deploys from the main branch");
    // Lifetime: a preset previews now + 30 days (wasm expiresAt)…
    const t0 = Date.now();
    const preset = Date.parse(await page.locator("time.expiry-preview").getAttribute("datetime"));
    assert.ok(Math.abs(preset - Date.parse(tkExpiresAt("30-days", t0))) < 5_000, "30-day preview");
    // …a custom date previews that instant; this one is what gets stored.
    await page.getByLabel("Expiration").selectOption("custom");
    await page.getByLabel("Expiry date and time (local time)").fill("2027-03-14T15:30");
    await page.waitForFunction(() => document.querySelector("time.expiry-preview")?.getAttribute("datetime") === "2027-03-14T15:30:00.000Z");
    const previewed = await page.locator("time.expiry-preview").getAttribute("datetime");
    // A TTL shows its own preview and "never" its warning.
    await page.getByLabel("Expiration").selectOption("ttl");
    await page.getByLabel("Time to live", { exact: true }).fill("0");
    await page.waitForFunction(() => /invalid_ttl/.test(document.querySelector(".lifetime .field-error")?.textContent ?? ""));
    await page.getByLabel("Expiration").selectOption("never");
    await page.waitForFunction(() => /Never expires/.test(document.querySelector(".lifetime-preview")?.textContent ?? ""));
    await page.getByLabel("Expiration").selectOption("custom");

    // Scope: a malformed privilege is refused by validateScope with its path…
    const editor = page.locator("fieldset.scope-editor");
    await editor.getByText("Privileges", { exact: true }).click();
    await editor.getByRole("textbox", { name: /^Privileges/ }).fill("orders:read\nbad");
    await page.waitForFunction(() => /privileges\[1\].*invalid_scope/s.test(document.querySelector(".scope-editor .field-error")?.textContent ?? ""));
    assert.equal(await editor.getByRole("textbox", { name: /^Privileges/ }).getAttribute("aria-invalid"), "true");
    // S2 resource sets: op groups, a stream prefix, a request decided with the reason.
    await editor.getByText("S2 resources", { exact: true }).click();
    await editor.getByRole("checkbox", { name: /^stream read/ }).check();
    await editor.getByLabel("Basins", { exact: true }).selectOption("all");
    await editor.getByLabel("Streams", { exact: true }).selectOption("prefix");
    await editor.getByLabel("Streams: name or prefix").fill("logs/");
    await editor.getByLabel("Action").fill("read");
    await editor.getByLabel(/^Resource/).fill("prod-basin-01/logs/api");
    await page.waitForFunction(() => /Allowed.*op_groups\.stream\.read/s.test(document.querySelector(".try-result")?.textContent ?? ""));
    await editor.getByLabel(/^Resource/).fill("prod-basin-01/metrics");
    await page.waitForFunction(() => /Denied/.test(document.querySelector(".try-result")?.textContent ?? ""));
    assert.match(await page.locator(".scope-summary").innerText(), /^s2: check-tail, read, stream-metrics; basins all/);
    await editor.scrollIntoViewIfNeeded();
    await shot("03a-create-s2-scope", { fullPage: false });
    // …then a policy scope, tried against requests with the compiled matcher.
    await editor.getByText("Policy", { exact: true }).click();
    await editor.getByLabel("Built-in role").selectOption("writer");
    await editor.getByLabel("Action").fill("updateOn");
    await editor.getByLabel(/^Resource/).fill("proj/default:env/production:flag/checkout");
    await page.waitForFunction(() => /Allowed/.test(document.querySelector(".try-result")?.textContent ?? ""));
    await editor.getByLabel("Action").fill("createMember");
    await editor.getByLabel(/^Resource/).fill("member/alice");
    await page.waitForFunction(() => /Denied/.test(document.querySelector(".try-result")?.textContent ?? ""));
    assert.match(await page.locator(".try-result").innerText(), /deny|denied/i);
    assert.match(await page.locator(".scope-summary").innerText(), /policy: role writer/);
    assert.match(await page.locator(".coverage").innerText(), /Within your own token's scope/);
    await shot("03-create");

    guard.apiRequests.length = 0;
    await page.getByRole("button", { name: "Generate token" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    const secret = await dialog.locator("input.secret").inputValue();
    assert.match(secret, /^tk_[0-9A-Za-z]{36}$/);
    assert.match(await dialog.innerText(), /won't be able to see it again/);
    await dialog.getByRole("button", { name: "Copy" }).click();
    await page.waitForFunction(() => /Copied/.test(document.querySelector(".copy-status")?.textContent ?? ""));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await shot("04-secret-once", { fullPage: false });

    // Stored as previewed, and the secret works.
    const stored = await tokenByName("CI deploys");
    assert.equal(stored.expiresAt, previewed);
    assert.equal(stored.description, "Deploys from the main branch");
    assert.deepEqual(stored.scope, { language: "policy", role: "writer", customRoleIds: [], inlineRole: [] });
    assert.equal((await verify(secret)).valid, true);
    secrets.ci = secret;

    // Closing the dialog removes the secret from the page; nothing stored it.
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await listReady();
    assert.equal(await page.locator("dialog[open]").count(), 0);
    const html = await page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll("input, textarea")].map((i) => i.value).join(" "));
    assert.ok(!html.includes(secret), "the secret is gone from the page");
    const stores = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!stores.includes(secret), "the secret is not in web storage");
    assert.equal(await row("CI deploys").count(), 1);
    guard.check("create");
  });

  step("create with a 7-day preset: stored expiry as previewed, 'Expires soon' badge; expired badge and filters", async () => {
    await page.getByRole("link", { name: "Generate new token" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Short-lived");
    await page.getByLabel("Expiration").selectOption("preset:7-days");
    const previewed = Date.parse(await page.locator("time.expiry-preview").getAttribute("datetime"));
    await page.getByRole("button", { name: "Generate token" }).click();
    const dialog = page.locator("dialog[open]");
    secrets.short = await dialog.locator("input.secret").inputValue();
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await listReady();
    const stored = await tokenByName("Short-lived");
    assert.ok(Math.abs(Date.parse(stored.expiresAt) - previewed) < 5_000, `preset expiry ${stored.expiresAt} vs preview ${new Date(previewed).toISOString()}`);
    assert.equal(await row("Short-lived").locator(".badge", { hasText: "Expires soon" }).count(), 1);
    assert.equal(await row("Nightly export").locator(".badge", { hasText: "Expired" }).count(), 1);
    assert.match(await row("Nightly export").innerText(), /privileges: exports:read/);

    await page.getByText("Expired", { exact: true }).first().click();
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 1 && /Nightly export/.test(document.querySelector("table.tokens tbody").textContent));
    await page.getByText("Expiring soon", { exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 1 && /Short-lived/.test(document.querySelector("table.tokens tbody").textContent));
    await page.getByText("All", { exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 4);
    guard.check("badges and filters");
  });

  step("list: pagination by next_cursor, name filter, admins' all-members toggle", async () => {
    for (let i = 1; i <= 18; i++) {
      const r = await api("POST", "/tk/v1/tokens", { body: { name: `Batch job ${String(i).padStart(2, "0")}`, lifetime: "90-days", scope: { language: "names", scopes: ["invoices:read"] } } });
      assert.equal(r.status, 201);
    }
    const member = await api("POST", `/tk/v1/accounts/${svc.root.account}/members`, { body: { name: "alice", role: "member" } });
    assert.equal(member.status, 201, JSON.stringify(member.body));
    await page.reload();
    await listReady();
    assert.equal(await page.locator("table.tokens tbody tr").count(), 20);
    assert.match(await page.locator(".page-info").innerText(), /1–20/);
    await shot("05-list");
    await page.getByRole("button", { name: "Next →" }).click();
    await page.waitForFunction(() => /21–22 of 22/.test(document.querySelector(".page-info").textContent));
    assert.equal(await page.getByRole("button", { name: "Next →" }).isDisabled(), true);
    assert.equal(await row("root").count(), 1, "oldest token on the second page");
    await page.getByRole("button", { name: "← Previous" }).click();
    await page.waitForFunction(() => /1–20/.test(document.querySelector(".page-info").textContent));

    await page.getByLabel("Filter by name").fill("batch job 1");
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 9);
    await page.getByLabel("Filter by name").fill("");
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 20);

    // The member's first token shows only in the all-members view, with the owner's name.
    await page.getByLabel("Filter by name").fill("first token");
    await page.waitForFunction(() => /No tokens match/.test(document.querySelector("table.tokens tbody").textContent));
    await page.getByRole("switch", { name: "All members' tokens" }).check();
    await page.waitForFunction(() => /alice \(first token\)/.test(document.querySelector("table.tokens tbody").textContent));
    assert.match(await row("alice (first token)").innerText(), /Owner: alice/);
    await page.getByRole("switch", { name: "All members' tokens" }).uncheck();
    await page.getByLabel("Filter by name").fill("");
    await page.waitForFunction(() => document.querySelectorAll("table.tokens tbody tr").length === 20);
    guard.check("list");
  });

  step("edit: the page's JSON Patch, previewed with applyPatch, sent with If-Match", async () => {
    await row("CI deploys").getByRole("link", { name: "Edit CI deploys" }).click();
    await page.waitForSelector("form.form");
    await page.getByLabel("Name", { exact: true }).fill("CI deploys (prod)");
    await page.locator("fieldset.scope-editor").getByLabel("Built-in role").selectOption("reader");
    const patch = JSON.parse(await page.locator("pre.patch").innerText());
    assert.deepEqual(patch, [
      { op: "replace", path: "/name", value: "CI deploys (prod)" },
      { op: "replace", path: "/scope/role", value: "reader" },
    ]);
    assert.equal(await page.locator(".after-name").innerText(), "CI deploys (prod)");
    assert.equal(await page.locator(".after-scope").innerText(), "policy: role reader");
    await shot("06-edit");
    const sent = page.waitForRequest((r) => r.method() === "PATCH");
    await page.getByRole("button", { name: "Save changes" }).click();
    const req = await sent;
    assert.equal(req.headers()["if-match"], '"1"');
    assert.equal(req.headers()["content-type"], "application/json-patch+json");
    await page.waitForFunction(() => /Saved\. The token is now at version 2/.test(document.body.textContent));
    const stored = await tokenByName("CI deploys (prod)");
    assert.equal(stored.version, 2);
    assert.equal(stored.scope.role, "reader");
    assert.match(await page.locator("pre.patch").evaluate((e) => String(e.hidden)), /true/);
    guard.check("edit");
  });

  step("stale edit: a change behind the page's back gives 412, explained; the edits are re-applied on the new version", async () => {
    const id = (await tokenByName("CI deploys (prod)")).id;
    await page.getByLabel("Description").fill("Deploys from main, reviewed");
    const behind = await api("PATCH", `/tk/v1/tokens/${id}`, { body: [{ op: "replace", path: "/name", value: "CI deploys (renamed elsewhere)" }], headers: { "if-match": '"2"', "content-type": "application/json-patch+json" } });
    assert.equal(behind.status, 200);
    guard.expect(412, new RegExp(`^PATCH /tk/v1/tokens/${id}$`));
    await page.getByRole("button", { name: "Save changes" }).click();
    const alert = page.locator(".alert.error", { hasText: "Someone else changed this token" });
    await alert.waitFor();
    assert.match(await alert.innerText(), /precondition_failed.*HTTP 412.*Nothing was saved/s);
    await shot("07-edit-412");
    await alert.getByRole("button", { name: "Load the latest version and keep my edits" }).click();
    await page.waitForFunction(() => /Loaded version 3/.test(document.body.textContent));
    assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "CI deploys (renamed elsewhere)", "their name change is kept");
    assert.deepEqual(JSON.parse(await page.locator("pre.patch").innerText()), [{ op: "replace", path: "/description", value: "Deploys from main, reviewed" }]);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForFunction(() => /version 4/.test(document.body.textContent));
    const stored = await tokenByName("CI deploys (renamed elsewhere)");
    assert.equal(stored.description, "Deploys from main, reviewed");
    guard.check("412");
  });

  step("edit: a value past the core's limit is refused by the page itself, with the code the service would answer, and nothing is sent", async () => {
    // maxlength (the core's limit) stops typing past 1024 characters; a pasted value in a page
    // without it is checked by the same core policy the service runs (applyTokenPatch), so the
    // page refuses it before any request, naming the field and the code.
    await page.getByLabel("Description").evaluate((e) => e.removeAttribute("maxlength"));
    guard.apiRequests.length = 0;
    await page.getByLabel("Description").fill("x".repeat(1030));
    await page.waitForSelector(".changes .field-error");
    assert.match(await page.locator(".changes .field-error").first().innerText(), /must be at most 1024 characters.*\/description.*invalid_token_field/is);
    assert.equal(await page.getByRole("button", { name: "Save changes" }).getAttribute("aria-disabled"), "true");
    await page.getByRole("button", { name: "Save changes" }).click({ force: true });
    assert.match(await page.locator(".alert.error").innerText(), /would be refused/);
    assert.deepEqual(guard.apiRequests.filter((r) => r.startsWith("PATCH")), [], "no PATCH was sent");
    assert.equal((await tokenByName("CI deploys (renamed elsewhere)")).version, 4);
    guard.check("local refusal");
  });

  step("rotate with a custom grace: new secret shown once, the old one verifies until the grace ends", async () => {
    await page.getByRole("link", { name: "Access tokens" }).first().click();
    await listReady();
    await row("CI deploys (renamed elsewhere)").getByRole("button", { name: /^Rotate/ }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Rotate “CI deploys \(renamed elsewhere\)”/);
    await dialog.getByText("Custom", { exact: true }).click();
    await dialog.getByLabel("Custom grace period").fill("6");
    await dialog.getByLabel("Grace period unit").selectOption("seconds");
    const until = Date.parse(await dialog.locator("time.grace-preview").getAttribute("datetime"));
    assert.ok(Math.abs(until - (Date.now() + 6000)) < 3000);
    await shot("08-rotate", { fullPage: false });
    const t0 = Date.now();
    await dialog.getByRole("button", { name: "Rotate token" }).click();
    await page.locator("dialog[open] input.secret").waitFor();
    const fresh = await page.locator("dialog[open] input.secret").inputValue();
    assert.notEqual(fresh, secrets.ci);
    assert.match(await page.locator("dialog[open]").innerText(), /previous secret keeps working until/);
    const [oldNow, freshNow] = await Promise.all([verify(secrets.ci), verify(fresh)]);
    assert.equal(oldNow.valid, true, "old secret inside its grace");
    assert.equal(freshNow.valid, true);
    await relisted(() => page.locator("dialog[open]").getByRole("button", { name: "I have copied it" }).click());
    for (;;) {
      const v = await verify(secrets.ci);
      if (!v.valid) {
        assert.equal(v.code, "reused_secret", "presented after its grace: reuse, the token is revoked");
        break;
      }
      assert.ok(Date.now() - t0 < 15_000, "the old secret stopped within the grace");
      await sleep(500);
    }
    assert.ok(Date.now() - t0 >= 4_000, "…but not before it");
    assert.equal((await verify(fresh)).code, "revoked", "the reuse of the old secret revoked the token");
    guard.check("rotate");
  });

  step("revoke: a confirmation naming the token; a token revoked behind the page's back shows the service's 404", async () => {
    await row("Short-lived").getByRole("button", { name: /^Revoke/ }).click();
    const dialog = page.locator("dialog[open]");
    assert.match(await dialog.locator("h2").innerText(), /Revoke “Short-lived”\?/);
    await shot("09-revoke", { fullPage: false });
    await dialog.getByRole("button", { name: "Revoke “Short-lived”" }).click();
    await page.waitForFunction(() => !/Short-lived/.test(document.querySelector("table.tokens tbody").textContent));
    assert.equal((await verify(secrets.short)).code, "revoked");

    // Error path: the row is stale, the service says 404, the dialog shows it with its code.
    const batch = await tokenByName("Batch job 01");
    assert.equal((await api("DELETE", `/tk/v1/tokens/${batch.id}`)).status, 204);
    await row("Batch job 01").getByRole("button", { name: /^Rotate/ }).click();
    guard.expect(404, new RegExp(`^POST /tk/v1/tokens/${batch.id}/rotate$`));
    // The 404 also refreshes the list behind the dialog (onDone).
    await relisted(() => page.locator("dialog[open]").getByRole("button", { name: "Rotate token" }).click());
    await page.waitForSelector("dialog[open] .alert.error");
    assert.match(await page.locator("dialog[open] .alert.error").innerText(), /Could not rotate the token\.\s*No such token.*not_found.*HTTP 404/s);
    await shot("10-error", { fullPage: false });
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("dialog[open]").count(), 0);
    guard.check("revoke");
  });

  step("revoked tokens: the Revoked filter lists them with why — 'Reused secret' for the token whose old secret came back, 'Revoked' for one revoked by request — and offers no actions", async () => {
    // "CI deploys (renamed elsewhere)" was revoked when its rotated-out secret was presented
    // after its grace (the rotate step); "Short-lived" by the revoke step.
    await page.getByText("Revoked", { exact: true }).first().click();
    await page.waitForFunction(() => {
      const text = document.querySelector("table.tokens:not([aria-busy]) tbody")?.textContent ?? "";
      return /Short-lived/.test(text) && /CI deploys/.test(text);
    });
    assert.equal(await row("CI deploys (renamed elsewhere)").locator(".badge", { hasText: "Reused secret" }).count(), 1);
    assert.equal(await row("Short-lived").locator(".badge.revoked-reason").innerText(), "Revoked");
    assert.equal(await row("Short-lived").getByRole("button").count(), 0, "no actions on a revoked token");
    await shot("10b-revoked", { fullPage: false });
    await page.getByText("All", { exact: true }).click();
    await listReady();
    guard.check("revoked");
  });

  step("conditions of use: each set on create (checked and tried by the core in the page), shown in the list and the token page, edited by a patch", async () => {
    await page.getByRole("link", { name: "Generate new token" }).click();
    await page.waitForSelector("form.form");
    await page.getByLabel("Name", { exact: true }).fill("Metered partner");
    const editor = page.locator("fieldset.scope-editor");
    await editor.getByText("Policy", { exact: true }).click();
    await editor.getByLabel("Built-in role").selectOption("reader");
    const controls = page.locator("fieldset.controls");
    // Allowed IPs: a bad line is refused by the core's parser, naming the line (as the service would).
    await controls.getByLabel(/^Allowed IP addresses/).fill("203.0.113.0/24\n10.1.2.3/8\n10.0.0.0/33");
    await page.waitForFunction(() => /allowedIps\[2\]/.test(document.querySelector(".controls-error")?.textContent ?? ""));
    assert.equal(await page.getByRole("button", { name: "Generate token" }).getAttribute("aria-disabled"), "true");
    await controls.getByLabel(/^Allowed IP addresses/).fill("203.0.113.0/24\n10.1.2.3/8");
    await page.waitForFunction(() => /Stored as: 203\.0\.113\.0\/24, 10\.0\.0\.0\/8/.test(document.querySelector(".controls-normal")?.textContent ?? ""));
    await controls.getByLabel(/^Remaining uses/).fill("5");
    await controls.getByLabel(/^Refill to/).fill("10");
    await controls.getByLabel(/^Rate limit/).fill("3");
    await controls.getByLabel("uses per").fill("60");
    const nb = new Date(Date.now() - 3_600_000);
    const pad = (n) => String(n).padStart(2, "0");
    await controls.getByLabel(/^Not before/).fill(`${nb.getUTCFullYear()}-${pad(nb.getUTCMonth() + 1)}-${pad(nb.getUTCDate())}T${pad(nb.getUTCHours())}:${pad(nb.getUTCMinutes())}`);
    // Try a request: the core's decision, from an address outside and inside the blocks.
    await controls.getByLabel("From address").fill("198.51.100.1");
    await page.waitForFunction(() => /403 ip_not_allowed/.test(document.querySelector(".controls-try-result")?.textContent ?? ""));
    await controls.getByLabel("From address").fill("::ffff:203.0.113.7");
    await page.waitForFunction(() => /Allowed.*4 uses left/s.test(document.querySelector(".controls-try-result")?.textContent ?? ""));
    await controls.getByLabel(/^At/).fill("2020-01-01T00:00");
    await page.waitForFunction(() => /401 not_yet_valid/.test(document.querySelector(".controls-try-result")?.textContent ?? ""));
    await controls.scrollIntoViewIfNeeded();
    await shot("11-controls", { fullPage: false });
    await page.getByRole("button", { name: "Generate token" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    const secret = await dialog.locator("input.secret").inputValue();
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await listReady();
    const stored = await tokenByName("Metered partner");
    assert.deepEqual(stored.allowedIps, ["203.0.113.0/24", "10.0.0.0/8"]);
    assert.deepEqual([stored.remaining, stored.refill, stored.rateLimit], [5, { amount: 10, interval: "daily" }, { limit: 3, periodSeconds: 60 }]);
    assert.ok(Date.parse(stored.notBefore) <= Date.now());
    // A use from inside spends one; the list shows what is left and the rate limit.
    const used = await api("POST", "/tk/v1/verify", { body: { token: secret, ip: "203.0.113.9" } });
    assert.deepEqual([used.body.valid, used.body.remaining], [true, 4]);
    await page.reload();
    await listReady();
    assert.match(await row("Metered partner").locator(".controls-summary").innerText(), /4 uses left.*3 per 60 s.*2 IP blocks/);
    // The token page shows them and edits them: the patch replaces what changed.
    await row("Metered partner").getByRole("link", { name: "Edit Metered partner" }).click();
    await page.waitForSelector("form.form");
    assert.equal(await page.locator(".details .remaining").innerText(), "4 (refilled to 10 daily)");
    assert.equal(await page.locator(".details .rate-limit").innerText(), "3 per 60 s");
    await controls.getByLabel(/^Remaining uses/).fill("2");
    await controls.getByLabel(/^Rate limit/).fill("1");
    const patch = JSON.parse(await page.locator("pre.patch").innerText());
    assert.deepEqual(patch, [
      { op: "replace", path: "/remaining", value: 2 },
      { op: "replace", path: "/rateLimit", value: { limit: 1, periodSeconds: 60 } },
    ]);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForFunction(() => /Saved\. The token is now at version 2/.test(document.body.textContent));
    const edited = await tokenByName("Metered partner");
    assert.deepEqual([edited.remaining, edited.rateLimit], [2, { limit: 1, periodSeconds: 60 }]);
    assert.equal(await page.locator(".details .rate-limit").innerText(), "1 per 60 s");
    // Revoked again, so the later steps find the list as they expect it (root on the first page).
    assert.equal((await api("DELETE", `/tk/v1/tokens/${edited.id}`)).status, 204);
    await page.getByRole("link", { name: "Back to the list" }).click();
    await listReady();
    guard.check("controls");
  });

  step("keyboard and narrow screens: reachable by Tab with a visible focus ring, no sideways scrolling at 375 px", async () => {
    await page.reload();
    await listReady();
    let found = false;
    for (let i = 0; i < 12 && !found; i++) {
      await page.keyboard.press("Tab");
      found = await page.evaluate(() => document.activeElement?.textContent === "Generate new token");
    }
    assert.ok(found, "Generate new token is reachable by Tab");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none", "visible focus");
    await shot("11-keyboard-focus", { fullPage: false });
    await page.keyboard.press("Enter");
    await page.waitForSelector("form.form");
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), "H1");
    await page.goBack();
    await listReady();
    await page.setViewportSize({ width: 375, height: 800 });
    await sleep(100);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no horizontal overflow on the list");
    await shot("12-list-narrow", { fullPage: false });
    await row("root").getByRole("link", { name: "Edit root" }).click();
    await page.waitForSelector("form.form");
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no horizontal overflow on the edit page");
    await shot("13-edit-narrow");
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goBack();
    await listReady();
    await shot("15-list-dark", { fullPage: false });
    await page.emulateMedia({ colorScheme: "light" });
    guard.check("keyboard");
  });

  step("accountability: disable and enable from a token's page, its History, the account activity page, an account policy's refusal", async () => {
    // A token made through the API, then managed in the page.
    const made = await api("POST", "/tk/v1/tokens", { body: { name: "Paused job", lifetime: "one-week", scope: { language: "policy", role: "reader" } } });
    assert.equal(made.status, 201);
    await page.goto(`${svc.dashboard}/#/tokens/${made.body.token.id}`);
    await page.waitForSelector(".history-card ol.history:not([aria-busy])");
    assert.match(await page.locator(".details").innerText(), /Status\s*Active/);
    assert.deepEqual(await page.locator("ol.history .event").evaluateAll((n) => n.map((e) => e.dataset.action)), ["token.created"]);
    // Disable: the service answers 401 disabled for it at once; the page says Disabled.
    await page.getByRole("button", { name: "Disable", exact: true }).click();
    await page.waitForSelector(".status-disabled");
    await page.waitForSelector('ol.history .event[data-action="token.disabled"]');
    assert.equal((await verify(made.body.secret)).code, "disabled");
    assert.match(await page.locator("ol.history").innerText(), /Disabled.*by this session/s);
    await shot("17-token-disabled");
    // Enable: restored as it was (same version), the history records both.
    await page.getByRole("button", { name: "Enable", exact: true }).click();
    await page.waitForSelector(".status-active");
    await page.waitForSelector('ol.history .event[data-action="token.enabled"]');
    assert.equal((await verify(made.body.secret)).valid, true);
    assert.deepEqual(await page.locator("ol.history .event").evaluateAll((n) => n.map((e) => e.dataset.action)), ["token.enabled", "token.disabled", "token.created"]);
    assert.equal((await api("GET", `/tk/v1/tokens/${made.body.token.id}`)).body.version, 1);
    // The account activity page: every event of the account, filtered by action.
    await page.goto(`${svc.dashboard}/#/`);
    await listReady();
    await page.getByRole("link", { name: "Account activity" }).click();
    await page.waitForSelector("table.activity:not([aria-busy])");
    assert.ok((await page.locator("table.activity tbody tr").count()) >= 5);
    await page.getByLabel("Action").selectOption("token.disabled");
    await page.waitForFunction(() => [...document.querySelectorAll("table.activity tbody tr")].every((r) => r.dataset.action === "token.disabled"));
    await page.waitForSelector("table.activity:not([aria-busy])");
    assert.equal(await page.locator("table.activity tbody tr").count(), 1);
    assert.match(await page.locator("table.activity tbody").innerText(), new RegExp(made.body.token.id));
    await shot("18-activity");
    // An account policy: a lifetime past its maximum is refused by the service, shown by the field.
    assert.equal((await api("PUT", `/tk/v1/accounts/${svc.root.account}/policy`, { body: { maxLifetime: "P30D" } })).status, 200);
    await page.goto(`${svc.dashboard}/#/new`);
    await page.waitForSelector("form.form");
    await page.getByLabel("Name", { exact: true }).fill("Too long");
    await page.getByLabel("Expiration").selectOption("custom");
    await page.getByLabel("Expiry date and time (local time)").fill("2030-01-01T00:00");
    guard.expect(403, /^POST \/tk\/v1\/tokens$/);
    await page.getByRole("button", { name: "Generate token" }).click();
    // shown by the lifetime field (the field the service names) and summed up above the buttons
    const byField = page.locator(".field-error", { hasText: "policy_violation" });
    await byField.waitFor();
    assert.match(await byField.innerText(), /policy caps lifetimes at P30D.*policy_violation.*HTTP 403/s);
    assert.match(await page.locator(".form .alert.error").innerText(), /refused to create the token.*policy_violation/s);
    await shot("19-policy-refused");
    assert.equal(await tokenByName("Too long"), undefined, "nothing created");
    assert.equal((await api("PUT", `/tk/v1/accounts/${svc.root.account}/policy`, { body: {} })).status, 200);
    await page.goto(`${svc.dashboard}/#/`);
    await listReady();
    guard.check("accountability");
  });

  step("a narrower session: what the service would refuse is refused in the page, with the same reasons", async () => {
    const limited = await api("POST", "/tk/v1/tokens", {
      body: { name: "Reader bot issuer", lifetime: "one-week", scope: { language: "policy", role: "reader", inlineRole: [{ effect: "allow", actions: ["createAccessToken"], resources: ["member/*:token/*"] }] } },
    });
    assert.equal(limited.status, 201);
    const issuer = limited.body.secret;
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Access token").fill(issuer);
    await page.getByRole("button", { name: "Sign in" }).click();
    await listReady();
    // A reader may not rotate or revoke (resetAccessToken / deleteAccessToken): the buttons say so.
    const rotate = row("Reader bot issuer").getByRole("button", { name: /^Rotate/ });
    assert.equal(await rotate.isDisabled(), true);
    assert.match(await rotate.getAttribute("title"), /Not allowed: .*resetAccessToken/);
    assert.equal(await page.getByRole("switch", { name: "All members' tokens" }).count(), 1, "the member role is still owner");

    await page.getByRole("link", { name: "Generate new token" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Reader bot");
    const editor = page.locator("fieldset.scope-editor");
    await editor.getByLabel("Built-in role").selectOption("writer");
    assert.match(await page.locator(".coverage").innerText(), /Broader than your own token's scope.*scope_not_covered/s);
    await page.getByLabel("Expiration").selectOption("never");
    assert.match(await page.locator(".lifetime .field-error").innerText(), /cannot outlive it.*outlives_issuer/s);
    await page.getByLabel("Expiration").selectOption("ttl");
    await page.getByLabel("Time to live", { exact: true }).fill("1");
    await page.getByLabel("Time to live unit").selectOption("hours");
    guard.apiRequests.length = 0;
    assert.equal(await page.getByRole("button", { name: "Generate token" }).getAttribute("aria-disabled"), "true");
    // Submitting anyway (Enter in a field) explains instead of sending.
    await page.getByLabel("Name", { exact: true }).press("Enter");
    await page.waitForSelector(".form .alert.error");
    await page.locator(".form .alert.error").scrollIntoViewIfNeeded();
    await shot("16-create-refused-locally", { fullPage: false });
    assert.match(await page.locator(".form .alert.error").innerText(), /Fix the scope first.*scope_not_covered/s);
    assert.deepEqual(guard.apiRequests, [], "nothing sent");
    // The service gives the same answer for the same request.
    const server = await call(svc.base, "POST", "/tk/v1/tokens", { token: issuer, body: { name: "Reader bot", lifetime: 3600, scope: { language: "policy", role: "writer" } } });
    assert.equal(server.status, 403);
    assert.equal(server.body.error.code, "scope_not_covered");
    // Narrowed to what the issuer holds, it goes through.
    await editor.getByLabel("Built-in role").selectOption("reader");
    await page.getByRole("button", { name: "Generate token" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await listReady();
    const made = await tokenByName("Reader bot");
    assert.equal(made.scope.role, "reader");
    assert.ok(Math.abs(Date.parse(made.expiresAt) - (Date.now() + 3_600_000)) < 10_000);
    guard.check("narrower session");
  });

  step("sign out clears the session; a revoked session token sends the page back to sign-in, saying why", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForSelector("form.signin");
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.waitForSelector("form.signin");

    // Sign in with a second token, revoke it through the API, then act in the page.
    assert.equal((await api("POST", "/tk/v1/tokens", { body: { name: "Forever job", lifetime: "never", scope: { language: "policy", role: "reader" } } })).status, 201);
    const made = await api("POST", "/tk/v1/tokens", { body: { name: "Laptop session", lifetime: "one-week", scope: { language: "policy", role: "owner" } } });
    assert.equal(made.status, 201);
    await page.getByLabel("Access token").fill(made.body.secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await listReady();
    assert.equal(await row("Laptop session").locator(".badge", { hasText: "This session" }).count(), 1);
    // Rotating another token hands over its new secret: not one that outlives this one-week session.
    const forever = row("Forever job").getByRole("button", { name: /^Rotate/ });
    assert.equal(await forever.isDisabled(), true);
    assert.match(await forever.getAttribute("title"), /Not allowed: .*outlive.*outlives_issuer/);
    // Rotating the session's own token with no grace: the page switches to the new secret.
    await row("Laptop session").getByRole("button", { name: /^Rotate/ }).click();
    const dialog = page.locator("dialog[open]");
    assert.match(await dialog.innerText(), /This is the token you are signed in with/);
    await dialog.getByText("Now", { exact: true }).click();
    await dialog.getByRole("button", { name: "Rotate token" }).click();
    await page.locator("dialog[open] input.secret").waitFor();
    const fresh = await page.locator("dialog[open] input.secret").inputValue();
    assert.match(await page.locator("dialog[open]").innerText(), /previous secret no longer works/);
    await relisted(() => page.keyboard.press("Escape"));
    assert.equal(await page.evaluate(() => sessionStorage.getItem("tokenkit.session")), fresh);
    await page.reload();
    await listReady();
    assert.equal(await row("Laptop session").locator(".badge", { hasText: "This session" }).count(), 1);
    assert.equal((await api("DELETE", `/tk/v1/tokens/${made.body.token.id}`)).status, 204);
    guard.expect(401, /^GET \/tk\/v1\/tokens$/);
    await page.getByText("Expired", { exact: true }).first().click();
    await page.waitForSelector("form.signin");
    assert.match(await page.locator("form.signin .alert.error").innerText(), /Your session ended.*revoked.*HTTP 401/s);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await shot("14-session-ended");
    guard.check("sign out");
  });
});
