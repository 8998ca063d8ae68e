// The dashboard's webhooks page (www/js/webhooks.js) in Debian's Chromium, driven by
// playwright-core, against a real `wrangler dev --test-scheduled` (the setup of
// dashboard.test.mjs): add an endpoint (a refused URL shown on its field; the signing secret
// shown once, in a dialog), list it, run the Cron Trigger and see its delivery (the receiver,
// node:http on 127.0.0.1, verifies the signature with the secret the dialog showed and fails the
// first attempt), delete it; a member sees no webhooks. Fails on any console error, page error or
// HTTP error the step did not declare.
//
//   node --test worker/test/dashboard-webhooks.test.mjs
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { call, ROOT, startService } from "./harness.mjs";
import * as tk from "../../pkg/full/tokenkit.js";

tk.initSync({ module: readFileSync(join(ROOT, "pkg/full/tokenkit_bg.wasm")) });

const SHOTS = join(ROOT, "test-results/dashboard");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

describe("dashboard: webhooks", { timeout: 180_000 }, () => {
  let svc, browser, page, receiver, member;
  const problems = [];
  let expected = [];
  const received = [];
  let secret = null;

  /** Declares an HTTP error the next step causes on purpose. */
  const expect = (status, what) => expected.push({ status, what });
  const check = (step) => {
    const left = [...problems.splice(0), ...expected.map((e) => `expected HTTP ${e.status} ${e.what} did not happen`)];
    expected = [];
    assert.deepEqual(left, [], step);
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    svc = await startService({ env: { TOKENKIT_WEBHOOK_KEY: "a-local-test-key-for-webhook-secrets-000" }, flags: ["--test-scheduled"], dashboard: true });
    const root = svc.root.token;
    // A token of the root account expiring in 5 days: the 7-day warning is due at the first run.
    const t = await call(svc.base, "POST", "/tk/v1/tokens", { token: root, body: { name: "Deploy key", lifetime: "P5D", scope: { language: "policy", role: "reader" } } });
    assert.equal(t.status, 201);
    const m = await call(svc.base, "POST", `/tk/v1/accounts/${svc.root.account}/members`, { token: root, body: { name: "Mia", role: "member" } });
    assert.equal(m.status, 201);
    member = m.body.secret;
    receiver = await new Promise((resolve) => {
      const s = createServer((req, res) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          let verdict = "ok";
          try {
            tk.verifyWebhookSignature(req.headers["tokenkit-signature"], body, secret, Math.floor(Date.now() / 1000));
          } catch (e) {
            verdict = e.code;
          }
          received.push({ verdict, event: JSON.parse(body) });
          res.writeHead(received.length === 1 ? 500 : 204).end();
        });
      });
      s.listen(0, "127.0.0.1", () => resolve(s));
    });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, timezoneId: "UTC", locale: "en-US" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: svc.dashboard });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (msg) => {
      if (msg.type() !== "error" && msg.type() !== "warning") return;
      if (/^Failed to load resource: the server responded with a status of \d+/.test(msg.text())) return; // matched by the response handler
      problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on("response", (r) => {
      if (r.status() < 400) return;
      const what = `${r.request().method()} ${new URL(r.url()).pathname}`;
      const i = expected.findIndex((e) => e.status === r.status() && e.what.test(what));
      if (i < 0) problems.push(`unexpected HTTP ${r.status()}: ${what}`);
      else expected.splice(i, 1);
    });
  });

  after(async () => {
    await browser?.close();
    receiver?.close();
    await svc?.cleanup();
  });

  const signIn = async (token) => {
    await page.goto(`${svc.dashboard}/`);
    await page.waitForSelector("html[data-ready]");
    await page.getByLabel("Access token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector("#sign-out");
  };

  it("an owner adds an endpoint: a refused URL on its field, then the signing secret once", async () => {
    await signIn(svc.root.token);
    await page.click("#nav-webhooks");
    await page.waitForSelector("h1:text('Webhooks')");
    await page.waitForSelector("table.webhooks tr.empty");
    const url = page.getByLabel("Endpoint URL");
    // The service refuses plain http to a non-loopback host: shown under the URL field.
    expect(422, /^POST \/tk\/v1\/accounts\/[^/]+\/webhooks$/);
    await url.fill("http://example.com/hook");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.waitForSelector(".field-error");
    assert.match(await page.locator(".field-error").innerText(), /https:\/\/.*invalid_field.*422/s);
    assert.equal(await url.getAttribute("aria-invalid"), "true");
    // No event chosen: refused by the core in the page, no request.
    await url.fill(`http://127.0.0.1:${receiver.address().port}/hook`);
    await page.getByLabel("token.expiring").uncheck();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.waitForFunction(() => /Events must name at least one event/.test(document.querySelector("fieldset .field-error")?.textContent ?? ""));
    await page.getByLabel("token.expiring").check();
    await page.getByLabel("token.reused").check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const field = page.locator("dialog[open] input.secret");
    await field.waitFor();
    secret = await field.inputValue();
    assert.match(secret, /^whsec_[0-9A-Za-z]{36}$/);
    assert.match(await page.locator("dialog[open]").innerText(), /Copy the signing secret now/);
    await page.screenshot({ path: join(SHOTS, "webhooks-secret.png"), fullPage: true });
    await page.getByRole("button", { name: "I have copied it" }).click();
    await page.waitForSelector("dialog[open]", { state: "detached" }).catch(() => {});
    const row = page.locator("table.webhooks tbody tr[data-webhook]");
    await row.waitFor();
    assert.match(await row.innerText(), /127\.0\.0\.1.*token\.expiring.*token\.reused.*whsec_…/s);
    assert.ok(!(await page.content()).includes(secret), "the secret is gone from the page once the dialog is closed");
    check("add endpoint");
  });

  it("the Cron Trigger delivers the expiry warning, signed; the page shows the attempts", async () => {
    const r = await fetch(`${svc.base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    assert.equal(r.status, 200);
    assert.equal(received.length, 1);
    assert.equal(received[0].verdict, "ok", "signed with the secret the dialog showed");
    assert.deepEqual([received[0].event.type, received[0].event.data.token.name, received[0].event.data.thresholdDays], ["token.expiring", "Deploy key", 7]);
    await page.getByRole("button", { name: "Deliveries" }).click();
    const d = page.locator("table.deliveries tbody tr[data-delivery]");
    await d.waitFor();
    assert.match(await d.innerText(), /token\.expiring.*pending.*1.*HTTP 500/s);
    await page.screenshot({ path: join(SHOTS, "webhooks-deliveries.png"), fullPage: true });
    check("deliveries");
  });

  it("deletes the endpoint after a confirmation", async () => {
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("button", { name: "Delete endpoint" }).click();
    await page.waitForSelector("table.webhooks tr.empty");
    const list = await call(svc.base, "GET", `/tk/v1/accounts/${svc.root.account}/webhooks`, { token: svc.root.token });
    assert.deepEqual(list.body.webhooks, []);
    check("delete");
  });

  it("a member sees no webhooks link, and the page says why", async () => {
    await page.click("#sign-out");
    await signIn(member);
    assert.equal(await page.locator("#nav-webhooks").count(), 0);
    await page.goto(`${svc.dashboard}/#/webhooks`);
    await page.waitForSelector("h1:text('Webhooks')");
    assert.match(await page.locator(".alert.error").innerText(), /cannot manage webhooks.*owners and admins.*forbidden/s);
    check("member");
  });
});
