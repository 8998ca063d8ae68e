// The vendors' own npm clients against tokenkit's dialects under a real `wrangler dev`:
// @s2-dev/streamstore (S2) and launchdarkly-api-typescript (LaunchDarkly), the two seed APIs
// with an installable JS client (research note). Not project dependencies: `make
// dialect-clients` (mk/dialects.mk) installs them into node_modules/.dialect-clients/ and runs
// this file from there, so the bare imports below resolve. Prints one line per check and ends
// with "N passed, N failed".
import assert from "node:assert/strict";
import { S2 } from "@s2-dev/streamstore";
import { AccessTokensApi, Configuration } from "launchdarkly-api-typescript";

const ROOT = process.env.TOKENKIT_ROOT;
const { startService } = await import(`${ROOT}/worker/test/harness.mjs`);
const { newAccount, S2_ALL } = await import(`${ROOT}/worker/test/dialect-helpers.mjs`);

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.message ?? e}`);
  }
}
const rejects = async (p) => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
};

const svc = await startService();
try {
  // First run: the root token `make run` prints works with every vendor's client as it is.
  const rootS2 = new S2({ accessToken: svc.root.token, endpoints: { account: svc.base, basin: svc.base }, retry: { maxAttempts: 1 } });
  await check("first run: S2's SDK with the root token issues, lists and revokes an S2 token", async () => {
    const t = await rootS2.accessTokens.issue({ id: "first-run", scope: { basins: { prefix: "" }, ops: ["list-basins"] } });
    assert.match(t.accessToken, /^tk_/);
    const l = await rootS2.accessTokens.list({ prefix: "first-run" });
    assert.deepEqual(l.accessTokens.map((x) => x.id), ["first-run"]);
    await rootS2.accessTokens.revoke({ id: "first-run" });
  });
  await check("first run: LaunchDarkly's client with the root token creates and lists a token", async () => {
    const root = new AccessTokensApi(new Configuration({ apiKey: svc.root.token, basePath: svc.base }));
    const r = await root.postToken({ name: "first run", role: "reader" });
    assert.equal(r.status, 201);
    assert.ok((await root.getTokens()).data.items.some((t) => t._id === r.data._id));
    assert.equal((await root.deleteToken(r.data._id)).status, 204);
  });
  const s2Owner = await newAccount(svc, "s2 (real client)", S2_ALL, "never");
  const s2 = new S2({ accessToken: s2Owner.token, endpoints: { account: svc.base, basin: svc.base }, retry: { maxAttempts: 1 } });
  const expires = new Date(Math.floor((Date.now() + 30 * 86_400_000) / 1000) * 1000);
  let issued;
  await check("S2 issue: the recorded request", async () => {
    issued = await s2.accessTokens.issue({
      id: "user-1234-rw-token",
      scope: { basins: { prefix: "" }, streams: { prefix: "users/1234/" }, accessTokens: { exact: "x" }, opGroups: { stream: { read: true, write: true } }, ops: ["read", "list-streams"] },
      autoPrefixStreams: true,
      expiresAt: expires,
    });
    assert.match(issued.accessToken, /^tk_/);
  });
  await check("S2 list: the recorded query, camelCased by the SDK, expiresAt a Date", async () => {
    const l = await s2.accessTokens.list({ prefix: "user-", startAfter: "user-0", limit: 10 });
    assert.equal(l.hasMore, false);
    assert.equal(l.accessTokens.length, 1);
    const t = l.accessTokens[0];
    assert.equal(t.id, "user-1234-rw-token");
    assert.equal(t.autoPrefixStreams, true);
    assert.equal(t.expiresAt.getTime(), expires.getTime());
    assert.deepEqual(t.scope.opGroups.stream, { read: true, write: true });
    assert.deepEqual(t.scope.ops, ["read", "list-streams"]);
  });
  await check("S2 issue: a duplicate id is S2Error 409 resource_already_exists", async () => {
    const e = await rejects(s2.accessTokens.issue({ id: "user-1234-rw-token", scope: { ops: ["read"] } }));
    assert.equal(e.status, 409);
    assert.equal(e.code, "resource_already_exists");
  });
  await check("S2 revoke: a percent-encoded id, then 404 access_token_not_found", async () => {
    await s2.accessTokens.issue({ id: "user/1234 rw", scope: { ops: ["read"] } });
    await s2.accessTokens.revoke({ id: "user/1234 rw" });
    const e = await rejects(s2.accessTokens.revoke({ id: "user/1234 rw" }));
    assert.equal(e.status, 404);
    assert.equal(e.code, "access_token_not_found");
  });
  await check("S2 listAll pages with start_after", async () => {
    for (let i = 0; i < 5; i++) await s2.accessTokens.issue({ id: `page-${i}`, scope: { ops: ["read"] } });
    const ids = [];
    for await (const t of s2.accessTokens.listAll({ prefix: "page-", limit: 2 })) ids.push(t.id);
    assert.deepEqual(ids, ["page-0", "page-1", "page-2", "page-3", "page-4"]);
  });
  await check("S2: a bad token is S2Error 401 authn", async () => {
    const bad = new S2({ accessToken: "nope", endpoints: { account: svc.base, basin: svc.base }, retry: { maxAttempts: 1 } });
    const e = await rejects(bad.accessTokens.list());
    assert.equal(e.status, 401);
    assert.equal(e.code, "authn");
  });

  const ldOwner = await newAccount(svc, "ld (real client)", { language: "policy", role: "owner" }, "never");
  const api = new AccessTokensApi(new Configuration({ apiKey: ldOwner.token, basePath: svc.base }));
  let id;
  let secret;
  await check("LD postToken: the recorded request is 201 with the whole key", async () => {
    const r = await api.postToken({ name: "n", role: "reader", serviceToken: false, defaultApiVersion: 20220603 });
    assert.equal(r.status, 201);
    assert.match(r.data.token, /^tk_/);
    ({ _id: id, token: secret } = r.data);
  });
  await check("LD getToken / getTokens(showAll, limit, offset): last four only, totalCount", async () => {
    const g = await api.getToken(id);
    assert.equal(g.data.token, secret.slice(-4));
    const l = await api.getTokens(true, 10, 0);
    assert.equal(l.data.totalCount, 2);
    assert.ok(l.data.items.some((t) => t._id === id));
  });
  await check("LD patchToken: the recorded JSON Patch", async () => {
    const r = await api.patchToken(id, [{ op: "replace", path: "/name", value: "x" }]);
    assert.equal(r.status, 200);
    assert.equal(r.data.name, "x");
  });
  await check("LD resetToken(expiry): empty form-urlencoded body; the old key works until the expiry", async () => {
    const r = await api.resetToken(id, Date.now() + 60_000);
    assert.equal(r.status, 200);
    const old = new AccessTokensApi(new Configuration({ apiKey: secret, basePath: svc.base }));
    assert.equal((await old.getToken(id)).status, 200);
    const r2 = await api.resetToken(id);
    assert.equal(r2.status, 200);
    const e = await rejects(new AccessTokensApi(new Configuration({ apiKey: r.data.token, basePath: svc.base })).getToken(id));
    assert.equal(e.response.status, 401);
  });
  await check("LD deleteToken is 204, then getToken is 404 not_found", async () => {
    assert.equal((await api.deleteToken(id)).status, 204);
    const e = await rejects(api.getToken(id));
    assert.equal(e.response.status, 404);
    assert.deepEqual(e.response.data, { code: "not_found", message: "Invalid resource identifier" });
  });
  await check("LD: a bad key is 401 unauthorized", async () => {
    const e = await rejects(new AccessTokensApi(new Configuration({ apiKey: "api-key-xyz", basePath: svc.base })).getTokens());
    assert.equal(e.response.status, 401);
    assert.equal(e.response.data.code, "unauthorized");
  });
} finally {
  await svc.cleanup();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
