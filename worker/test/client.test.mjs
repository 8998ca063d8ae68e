// A client generated from the served OpenAPI document works: openapi-typescript turns the running
// service's /openapi.json into types.d.ts (in a temp dir), `tsc --strict` compiles
// worker/test/client/flow.ts against it (openapi-fetch), and the compiled program runs
// create → rotate → revoke and a typed error against the service.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService, ROOT } from "./harness.mjs";
import { http, newAccount } from "./dialect-helpers.mjs";

const BIN = join(ROOT, "node_modules/.bin");
let svc;
let dir;

before(async () => {
  svc = await startService();
  dir = mkdtempSync(join(tmpdir(), "tokenkit-client-"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  copyFileSync(join(ROOT, "worker/test/client/flow.ts"), join(dir, "flow.ts"));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"], outDir: "out", noEmitOnError: true, noUnusedLocals: true, types: [] },
      files: ["flow.ts"],
    }),
  );
});
after(async () => {
  await svc?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tsc = (...args) => execFileSync(join(BIN, "tsc"), args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("a TypeScript client generated from /openapi.json compiles (--strict) and runs create → rotate → revoke", async () => {
  // generate from the served document
  execFileSync(join(BIN, "openapi-typescript"), [`${svc.base}/openapi.json`, "-o", join(dir, "types.d.ts")], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const types = readFileSync(join(dir, "types.d.ts"), "utf8");
  assert.match(types, /"\/tk\/v1\/tokens\/\{id\}\/rotate"/);
  assert.match(types, /ErrorCode: "missing_token" \| "malformed_token"/, "the error code enum is a union type");

  // type-check (strict) and compile in one run: noEmitOnError, so a type error emits nothing
  try {
    tsc("--strict", "-p", "tsconfig.json");
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }

  const acme = await newAccount(svc, "client", { language: "names", scopes: null });
  const out = execFileSync("node", [join(dir, "out/flow.js")], { cwd: dir, encoding: "utf8", env: { ...process.env, TOKENKIT_BASE_URL: svc.base, TOKENKIT_TOKEN: acme.token } });
  const r = JSON.parse(out.trim().split("\n").pop());
  assert.deepEqual(r.created, { status: 201, id: r.created.id, name: "generated client", secretShape: true });
  assert.deepEqual(r.self, { status: 200, id: r.created.id });
  assert.deepEqual(r.rotated, { status: 200, id: r.created.id, changed: true, previousExpiresAt: null });
  assert.deepEqual(r.oldSecret, { status: 401, code: "revoked" });
  assert.deepEqual(r.newSecret, { status: 200, id: r.created.id });
  assert.deepEqual(r.revoked, { status: 204 });
  assert.deepEqual(r.gone, { status: 404, code: "not_found" });
  assert.deepEqual(r.refused, { status: 401, code: "revoked" });

  // what the client did is what the service holds
  const listed = await http(svc.base, "GET", `/tk/v1/tokens`, { headers: { authorization: `Bearer ${acme.token}` } });
  assert.equal(listed.status, 200);
  assert.ok(!JSON.stringify(listed.body).includes(r.created.id), "the revoked token is not listed");
});

test("the generated types reject a program that misuses them", async () => {
  // the same program with one call's required path parameter left out must not compile
  const bad = readFileSync(join(dir, "flow.ts"), "utf8").replace('client.DELETE("/tk/v1/tokens/{id}", { params: { path: { id: created.id } } })', 'client.DELETE("/tk/v1/tokens/{id}", {})');
  assert.notEqual(bad, readFileSync(join(dir, "flow.ts"), "utf8"));
  writeFileSync(join(dir, "flow.ts"), bad);
  assert.throws(() => tsc("--strict", "--noEmit", "-p", "tsconfig.json"), (e) => /flow\.ts\(\d+,\d+\): error TS\d+/.test(e.stdout));
});
