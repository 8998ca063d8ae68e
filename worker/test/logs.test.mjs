// The request log (worker/src/index.js, docs/service.md "Logs"): one structured JSON line per
// request — request id, method, route template, status, duration, the authenticated token's id —
// and nothing of the request that could hold a secret: no query string, header, body or digest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startService, ROOT } from "./harness.mjs";
import { http, newAccount } from "./dialect-helpers.mjs";
import { initSync, digestToken } from "../../pkg/tokenkit.js";

initSync({ module: readFileSync(join(ROOT, "pkg/tokenkit_bg.wasm")) });

let svc;
const FIELDS = ["durationMs", "method", "msg", "requestId", "route", "status", "tokenId"];

/** The log lines the worker wrote: every line of wrangler's output that is a JSON object with msg "request". */
function requestLines() {
  const out = [];
  for (const line of svc.logs().split("\n")) {
    const at = line.indexOf('{"msg":"request"');
    if (at < 0) continue;
    out.push(JSON.parse(line.slice(at)));
  }
  return out;
}

/** The one line logged for the response `r` (found by its x-request-id), waiting for wrangler to print it. */
async function lineFor(r) {
  const id = r.headers.get("x-request-id");
  assert.ok(id, "the response carries x-request-id");
  const deadline = Date.now() + 5000;
  for (;;) {
    const lines = requestLines().filter((l) => l.requestId === id);
    if (lines.length > 0 || Date.now() > deadline) {
      assert.equal(lines.length, 1, `one log line for request ${id}:\n${svc.logs().slice(-2000)}`);
      // `cache` only when the request looked a token up by digest: "hit" (the cache answered) or "miss".
      assert.deepEqual(Object.keys(lines[0]).filter((k) => k !== "cache").sort(), FIELDS);
      if (Object.hasOwn(lines[0], "cache")) assert.ok(["hit", "miss"].includes(lines[0].cache), `cache ${lines[0].cache}`);
      assert.equal(typeof lines[0].durationMs, "number");
      assert.ok(lines[0].durationMs >= 0 && lines[0].durationMs < 30_000, `durationMs ${lines[0].durationMs}`);
      assert.equal(lines[0].status, r.status);
      return lines[0];
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

const bearer = (token) => (token === undefined ? {} : { authorization: `Bearer ${token}` });

before(async () => {
  // wrangler prints the worker's console.log at its "log" level and above
  svc = await startService({ logLevel: "log" });
});
after(() => svc?.cleanup());

test("one JSON line per request on tokenkit's API, a dialect and failures; never a secret, digest or query", async () => {
  const secrets = [svc.root.token];
  const acme = await newAccount(svc, "logs", { language: "names", scopes: null });
  secrets.push(acme.token);

  // tokenkit's own API: create → rotate → revoke, each line with the caller's token id
  const made = await http(svc.base, "POST", "/tk/v1/tokens", { headers: bearer(acme.token), json: { name: "ci", scope: { language: "names", scopes: ["x:read"] } } });
  assert.equal(made.status, 201, made.text);
  secrets.push(made.body.secret);
  let l = await lineFor(made);
  assert.deepEqual([l.method, l.route, l.tokenId], ["POST", "/tk/v1/tokens", acme.tokenId]);

  const rotated = await http(svc.base, "POST", `/tk/v1/tokens/${made.body.token.id}/rotate`, { headers: bearer(acme.token), json: {} });
  assert.equal(rotated.status, 200, rotated.text);
  secrets.push(rotated.body.secret);
  l = await lineFor(rotated);
  assert.deepEqual([l.method, l.route, l.tokenId], ["POST", "/tk/v1/tokens/{id}/rotate", acme.tokenId]);

  const me = await http(svc.base, "GET", "/tk/v1/self", { headers: bearer(rotated.body.secret) });
  assert.equal(me.status, 200, me.text);
  l = await lineFor(me);
  assert.deepEqual([l.method, l.route, l.tokenId], ["GET", "/tk/v1/self", made.body.token.id]);

  // a dialect (Space), authenticated by ?access_token= in the query: the query is never logged
  const space = await http(svc.base, "GET", `/v1/accounts/${acme.member}/accessTokens?access_token=${acme.token}`);
  assert.equal(space.status, 200, space.text);
  l = await lineFor(space);
  assert.deepEqual([l.method, l.route, l.tokenId], ["GET", "/v1/accounts/{id}/accessTokens", acme.tokenId]);

  // failures: a wrong secret (401, no token id), an unknown route, a method not allowed
  const wrong = await http(svc.base, "GET", "/tk/v1/self", { headers: bearer(made.body.secret.slice(0, -1) + (made.body.secret.endsWith("A") ? "B" : "A")) });
  assert.equal(wrong.status, 401);
  l = await lineFor(wrong);
  assert.deepEqual([l.route, l.tokenId], ["/tk/v1/self", null]);
  const revoke = await http(svc.base, "DELETE", `/tk/v1/tokens/${made.body.token.id}`, { headers: bearer(acme.token) });
  assert.equal(revoke.status, 204, revoke.text);
  l = await lineFor(revoke);
  assert.deepEqual([l.method, l.route, l.tokenId], ["DELETE", "/tk/v1/tokens/{id}", acme.tokenId]);
  const revoked = await http(svc.base, "GET", `/tk/v1/self?access_token=${rotated.body.secret}`, { headers: bearer(rotated.body.secret) });
  assert.equal(revoked.status, 401);
  assert.equal((await lineFor(revoked)).tokenId, null, "a revoked token is not the request's token");
  const nowhere = await http(svc.base, "GET", `/tk/v1/nowhere/${acme.token}`);
  assert.equal(nowhere.status, 404);
  assert.equal((await lineFor(nowhere)).route, "/tk/*", "an unknown path logs its namespace, not itself");
  const notAllowed = await http(svc.base, "PUT", "/tk/v1/tokens", { headers: bearer(acme.token) });
  assert.equal(notAllowed.status, 405);
  assert.deepEqual([(await lineFor(notAllowed)).route, (await lineFor(notAllowed)).tokenId], ["/tk/v1/tokens", null]);

  // request ids: distinct and fresh without cf-ray; a cf-ray-shaped header is taken as the id
  const ids = new Set(requestLines().map((x) => x.requestId));
  assert.equal(ids.size, requestLines().length, "every request has its own id");
  const ray = "8f1a2b3c4d5e6f70-AMS";
  const rayed = await http(svc.base, "GET", "/openapi.json", { headers: { "cf-ray": ray } });
  assert.equal(rayed.headers.get("x-request-id"), ray);
  assert.equal((await lineFor(rayed)).route, "/openapi.json");
  const forged = await http(svc.base, "GET", "/openapi.json", { headers: { "cf-ray": `x","tokenId":"${acme.tokenId}` } });
  assert.notEqual(forged.headers.get("x-request-id"), `x","tokenId":"${acme.tokenId}`);
  assert.equal((await lineFor(forged)).tokenId, null);

  // nothing secret anywhere in the output but wrangler dev's own local access lines
  // ("[wrangler:info] GET /path 404 Not Found (3ms)": the raw path, here holding a secret on
  // purpose; not part of a deployment): secrets, their digests, the digests' hex
  const all = svc.logs();
  const accessLine = /^\[wrangler:info\] [A-Z]+ \/\S* \d{3} /;
  assert.ok(all.split("\n").some((l) => accessLine.test(l) && l.includes(acme.token)), "the scan below skips the lines it means to");
  const logs = all.split("\n").filter((l) => !accessLine.test(l)).join("\n");
  for (const s of secrets) {
    assert.ok(!logs.includes(s), "a secret in the logs");
    const digest = digestToken(s);
    assert.ok(!logs.includes(digest.split(":").pop()), "a digest in the logs");
  }
  assert.ok(!all.includes("access_token"), "a query string in the logs");
});
