// First run (issue #20): the root token that `make run` prints works, as it is, with every
// dialect — the README quickstart's requests, sent as curl sends them. The root token is an
// owner (universal), so each dialect sees it as that dialect's universal scope and it issues
// tokens in the dialect's own language.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startService } from "./harness.mjs";

let svc;
let R;
let me;
const send = async (method, path, headers, body) => {
  const r = await fetch(svc.base + path, { method, headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};

before(async () => {
  svc = await startService();
  R = svc.root.token;
  me = (await send("GET", "/tk/v1/self", { authorization: `Bearer ${R}` })).body;
});
after(() => svc?.cleanup());

test("S2: issue, list, revoke with the root token", async () => {
  const auth = { authorization: `Bearer ${R}` };
  const issued = await send("POST", "/v1/access-tokens", auth, { id: "ci-reader", scope: { basins: { prefix: "" }, ops: ["list-basins"] } });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  assert.match(issued.body.access_token, /^tk_/);
  const listed = await send("GET", "/v1/access-tokens?prefix=ci-", auth);
  assert.deepEqual(listed.body.access_tokens.map((t) => t.id), ["ci-reader"]);
  assert.equal((await send("DELETE", "/v1/access-tokens/ci-reader", auth)).status, 204);
  // the token it issued is an S2 token
  const v = await send("POST", "/tk/v1/verify", { authorization: `Bearer ${R}` }, { token: issued.body.access_token });
  assert.equal(v.body.code, "revoked");
  assert.equal(v.body.rule, "revocation");
});

test("Akinon: create, list, delete with the root token", async () => {
  const auth = { authorization: `Bearer ${R}` };
  const made = await send("POST", "/api/v1/me/tokens", auth, { name: "reports", lifetime: "one-week", privileges: ["orders:read"] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.token, /^tk_/);
  const list = await send("GET", "/api/v1/me/tokens", auth);
  assert.equal(list.status, 200);
  const mine = list.body.find((t) => t.name === "reports");
  assert.deepEqual(mine.privileges, ["orders:read"]);
  assert.equal((await send("DELETE", `/api/v1/me/tokens/${mine._id ?? mine.id}`, auth)).status, 204);
  const v = await send("POST", "/tk/v1/verify", auth, { token: made.body.token });
  assert.deepEqual([v.body.valid, v.body.code], [false, "revoked"]);
});

test("LaunchDarkly: create and list with the root token (raw Authorization)", async () => {
  const auth = { authorization: R };
  const made = await send("POST", "/api/v2/tokens", auth, { name: "ci", role: "reader" });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const list = await send("GET", "/api/v2/tokens", auth);
  assert.ok(list.body.items.some((t) => t._id === made.body._id));
});

test("Space: create, list, delete with the root token (the path names the member)", async () => {
  const auth = { authorization: R };
  const path = `/v1/accounts/${me.ownerId}/accessTokens`;
  const made = await send("POST", path, auth, { ttl: 3600, scopes: ["invoices:read"] });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  assert.match(made.body.id, /^tk_/);
  const list = await send("GET", path, auth);
  assert.equal(list.status, 200);
  assert.ok(list.body.length >= 1);
  assert.equal((await send("DELETE", `${path}/${encodeURIComponent(made.body.id)}`, auth)).status, 204);
});

test("a token that is not universal is still refused outside its language", async () => {
  const reader = await send("POST", "/tk/v1/tokens", { authorization: `Bearer ${R}` }, { name: "reader", scope: { language: "policy", role: "reader" } });
  assert.equal(reader.status, 201);
  const r = await send("GET", "/v1/access-tokens", { authorization: `Bearer ${reader.body.secret}` });
  assert.equal(r.status, 403);
  assert.equal(r.body.code, "permission_denied");
});
