// Replays tests/vectors/dialect/*.json through the wasm package, as the worker's route files
// call it: the same cases the native runner (tests/dialect_vectors.rs) replays, so the JS
// boundary (argument conversion, TokenkitError.status/.body) is checked case by case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const load = (name) => JSON.parse(readFileSync(new URL(`../vectors/dialect/${name}.json`, import.meta.url), "utf8"));

function run(file, c) {
  const d = file.dialect;
  const caller = () => file.callers[c.caller ?? "root"];
  const tok = (id) => file.tokens.find((t) => t.id === id) ?? null;
  const now = file.now;
  switch (`${d}:${c.op}`) {
    case `${d}:credential`: return tk.dialectCredential(d, c.credentials);
    case `${d}:error`: return tk.dialectErrorResponse(d, c.failure, c.message);
    case "s2:issue": return tk.s2ParseIssue(c.body, caller(), now);
    case "s2:issue_response": return tk.s2IssueResponse(c.secret);
    case "s2:list": return tk.s2ListResponse(file.tokens, tk.s2ParseListQuery(c.query), caller());
    case "s2:list_ids": {
      const r = tk.s2ListResponse(file.tokens, tk.s2ParseListQuery(c.query), caller());
      return { ids: r.body.access_tokens.map((t) => t.id), has_more: r.body.has_more };
    }
    case "s2:revoke": return tk.s2ParseRevoke(c.segment, caller());
    case "akinon:create": return tk.akinonParseCreate(c.body, caller(), now);
    case "akinon:create_response": return tk.akinonCreateResponse(tok(c.id), c.secret);
    case "akinon:list": return tk.akinonListResponse(file.tokens, c.organization, caller());
    case "akinon:token_id": return tk.akinonParseTokenId(c.raw);
    case "akinon:delete": {
      const id = tk.akinonParseTokenId(c.raw);
      tk.akinonCheckDelete(tok(id), caller());
      return id;
    }
    case "akinon:organization": return tk.akinonOrganization(c.account, c.orgName, c.owner, c.privileges, c.createdAt);
    case "launchdarkly:create": return tk.ldParseCreate(c.body, caller(), now);
    case "launchdarkly:token_response": return tk.ldTokenResponse(tok(c.id), c.secret, c.status);
    case "launchdarkly:list": return tk.ldListResponse(file.tokens, tk.ldParseListQuery(c.query), caller());
    case "launchdarkly:list_ids": {
      const r = tk.ldListResponse(file.tokens, tk.ldParseListQuery(c.query), caller());
      return { ids: r.body.items.map((t) => t._id), totalCount: r.body.totalCount, links: r.body._links };
    }
    case "launchdarkly:access": tk.ldCheckAccess(tok(c.id), caller()); return null;
    case "launchdarkly:patch": return tk.ldTokenResponse(tk.ldApplyPatch(tok(c.id), c.body, caller(), now), null, 200);
    case "launchdarkly:reset": return tk.ldParseReset(c.query, tok(c.id), caller(), now);
    case "space:create": return tk.spaceParseCreate(c.body, c.path, caller(), now);
    case "space:create_response": return tk.spaceCreateResponse(tok(c.id), c.secret);
    case "space:list": return tk.spaceListResponse(file.tokens, c.path, caller());
    case "space:delete": {
      const id = tk.spaceParseDelete(c.path, c.tokenId, caller());
      tk.spaceCheckDelete(tok(id), caller());
      return id;
    }
    default: throw new Error(`no op ${c.op} for ${d}`);
  }
}

for (const name of ["s2", "akinon", "launchdarkly", "space"]) {
  const file = load(name);
  test(`${name}: ${file.cases.length} vector cases through the wasm package`, () => {
    for (const c of file.cases) {
      const exp = c.expect;
      if ("ok" in exp) {
        let got;
        try {
          got = run(file, c);
        } catch (e) {
          assert.fail(`${c.name}: unexpected ${e.code} ${JSON.stringify(e.body)} ${e.message}`);
        }
        assert.deepEqual(got, exp.ok, c.name);
      } else {
        assert.throws(() => run(file, c), (e) => {
          assert.ok(e instanceof Error, c.name);
          assert.equal(e.name, "TokenkitError", c.name);
          assert.equal(e.dialect, name, c.name);
          assert.equal(e.status, exp.status, c.name);
          if (exp.code) assert.equal(e.code, exp.code, c.name);
          if (exp.body) assert.deepEqual(e.body, exp.body, c.name);
          if (exp.bodyCode) assert.equal(e.body.code, exp.bodyCode, c.name);
          return true;
        }, c.name);
      }
    }
  });
}

test("a dialect error carries the field at fault and the vendor code", () => {
  const file = load("launchdarkly");
  assert.throws(
    () => tk.ldParseCreate('{"inlineRole":[{"resources":["proj/*"],"actions":["*"]}]}', file.callers.admin, file.now),
    (e) => e.field === "inlineRole[0].effect" && e.vendorCode === "invalid_request" && e.status === 400,
  );
  assert.throws(() => tk.spaceParseCreate("{}", "x", load("space").callers.user, 0), (e) => e.vendorCode === "AUTHORIZATION_REQUIRED" && e.status === 401);
  assert.throws(() => tk.akinonParseTokenId("nope"), (e) => e.vendorCode === undefined && e.field === "tokenId");
});

test("bad arguments are TokenkitErrors, not traps", () => {
  const caller = load("s2").callers.root;
  for (const f of [
    () => tk.s2ParseIssue("{}", { nope: 1 }, 0),
    () => tk.s2ParseIssue("{}", caller, Number.NaN),
    () => tk.s2ParseIssue("{}", caller, 1.5),
    () => tk.dialectCredential("github", {}),
    () => tk.dialectErrorResponse("s2", "teapot", null),
    () => tk.ldTokenResponse({ id: 1 }, null, 200),
    () => tk.s2ListResponse([{}], { prefix: "", startAfter: "", limit: 1 }, caller),
  ]) {
    assert.throws(f, (e) => e.name === "TokenkitError" && e.code === "invalid_input");
  }
  // The instance still works afterwards.
  assert.equal(tk.s2IssueResponse("x").status, 201);
});

test("dialectErrorResponse uses each vendor's stock messages when none is given", () => {
  assert.deepEqual(tk.dialectErrorResponse("launchdarkly", "not_found"), { status: 404, body: { code: "not_found", message: "Invalid resource identifier" } });
  assert.deepEqual(tk.dialectErrorResponse("space", "unauthenticated"), {
    status: 401, body: { error: { statusCode: 401, name: "Error", message: "Authorization Required", code: "AUTHORIZATION_REQUIRED" } },
  });
  assert.deepEqual(tk.dialectErrorResponse("s2", "already_exists", "access token already exists"), {
    status: 409, body: { code: "resource_already_exists", message: "access token already exists" },
  });
  assert.deepEqual(tk.dialectErrorResponse("akinon", "forbidden", "Forbidden"), { status: 403, body: { apiError: ["Forbidden"] } });
});

test("a token shows in its own dialect's shape and in no other", () => {
  const s2 = load("s2").tokens[0];
  const ak = load("akinon").tokens[0];
  const ld = load("launchdarkly").tokens[0];
  const sp = load("space").tokens[0];
  const dialects = ["s2", "akinon", "launchdarkly", "space"];
  for (const [own, t] of [["s2", s2], ["akinon", ak], ["launchdarkly", ld], ["space", sp]]) {
    for (const d of dialects) {
      const r = tk.dialectRender(d, t);
      if (d === own) assert.notEqual(r, null, `${own} token in ${d}`);
      else assert.equal(r, null, `${own} token in ${d}`);
    }
  }
  assert.deepEqual([s2, ak, ld, sp].map((t) => tk.dialectOf(t)), dialects);
  assert.equal(tk.dialectOf({ ...s2, scope: { language: "tokenkit" } }), null);
  assert.equal(tk.dialectRender("akinon", ak).token, "********9f3a");
  assert.equal(tk.dialectRender("launchdarkly", ld).token, "3243");
  assert.equal(tk.dialectRender("space", sp).id, "si_tok_1");
});
