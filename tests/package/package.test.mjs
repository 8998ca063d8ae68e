// The npm package as `npm install` gives it (make test stage 35, scripts/stages/35-package.sh):
// TOKENKIT_CONSUMER is a fresh project with the `npm pack` tarball installed. Runs a Node ESM
// consumer and every `js node` snippet of the package README there, and compiles a TypeScript
// consumer that names every export with `tsc --strict --noEmit` against the installed types.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { codesFromRust } from "../js/codes.mjs";

const PROJECT = process.env.TOKENKIT_CONSUMER;
const ROOT = new URL("../../", import.meta.url).pathname;
const TSC = join(ROOT, "node_modules/.bin/tsc");
const installed = PROJECT && join(PROJECT, "node_modules/tokenkit");
const skip = !PROJECT && "TOKENKIT_CONSUMER is not set (run scripts/stages/35-package.sh)";

const node = (file) => spawnSync(process.execPath, [file], { cwd: PROJECT, encoding: "utf8", timeout: 20_000 });

test("the installed package.json: from the template, the version of Cargo.toml", { skip }, () => {
  const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  const template = JSON.parse(readFileSync(join(ROOT, "npm/package.template.json"), "utf8"));
  const cargoVersion = readFileSync(join(ROOT, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
  assert.equal(pkg.version, cargoVersion);
  for (const [k, v] of Object.entries(template)) assert.deepEqual(pkg[k], v, k);
  const builds = ["node.js", "workerd.js", "browser.js", "index.d.ts", "tokenkit.js", "tokenkit_bg.wasm", "tokenkit.d.ts"];
  for (const f of [...builds, ...builds.map((b) => `full/${b}`), "README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"]) {
    assert.ok(existsSync(join(installed, f)), f);
  }
  assert.ok(!existsSync(join(installed, "full/package.json")), "full/ is part of the one package");
  assert.ok(statSync(join(installed, "tokenkit_bg.wasm")).size < statSync(join(installed, "full/tokenkit_bg.wasm")).size, "the default build is the smaller one");
  assert.equal(readFileSync(join(installed, "README.md"), "utf8"), readFileSync(join(ROOT, "npm/README.md"), "utf8"), "the package README, not the repository's");
  assert.match(readFileSync(join(installed, "LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0/);
  assert.match(readFileSync(join(installed, "LICENSE-MIT"), "utf8"), /^MIT License/);
});

test("each host gets its entry: node, workerd (wrangler's conditions), browser (esbuild)", { skip }, async () => {
  const resolve = (conditions) => spawnSync(process.execPath, [...conditions.map((c) => `--conditions=${c}`), "--input-type=module", "-e",
    'console.log(import.meta.resolve("tokenkit")); console.log(import.meta.resolve("tokenkit/full"))'], { cwd: PROJECT, encoding: "utf8" }).stdout.trim().split("\n");
  assert.deepEqual(resolve([]).map((u) => u.slice(u.indexOf("/tokenkit/"))), ["/tokenkit/node.js", "/tokenkit/full/node.js"]);
  assert.deepEqual(resolve(["workerd"]).map((u) => u.slice(u.indexOf("/tokenkit/"))), ["/tokenkit/workerd.js", "/tokenkit/full/workerd.js"]);
  const esbuild = createRequire(import.meta.url)(join(ROOT, "node_modules/esbuild"));
  const bundled = async (opts) => {
    writeFileSync(join(PROJECT, "entry.mjs"), 'import { generateToken } from "tokenkit"; console.log(generateToken());');
    const r = await esbuild.build({ entryPoints: ["entry.mjs"], absWorkingDir: PROJECT, bundle: true, write: false, format: "esm", metafile: true, logLevel: "silent", loader: { ".wasm": "binary" }, ...opts });
    return Object.keys(r.metafile.inputs).filter((f) => /^node_modules\/tokenkit\/[^/]+$/.test(f)).sort();
  };
  assert.deepEqual(await bundled({ platform: "browser" }), ["node_modules/tokenkit/browser.js", "node_modules/tokenkit/tokenkit.js"]);
  assert.deepEqual(await bundled({ platform: "neutral", conditions: ["workerd", "worker", "browser"] }), ["node_modules/tokenkit/tokenkit.js", "node_modules/tokenkit/tokenkit_bg.wasm", "node_modules/tokenkit/workerd.js"]);
});

test("a Node ESM consumer: one import, token → digest → verify, a scope, a patch, instanceof TokenkitError", { skip }, () => {
  copyFileSync(join(ROOT, "tests/package/consumer.mjs"), join(PROJECT, "consumer.mjs"));
  const r = node("consumer.mjs");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^consumer: .*: ok$/m);
});

// `js node` blocks of npm/README.md, each run as a file in the project: every
// `console.log(...) // → X` line must print X (`/…/` is a regular expression).
const readme = readFileSync(join(ROOT, "npm/README.md"), "utf8");
const blocks = [...readme.matchAll(/^```js node\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

test("the package README has a Node snippet per API area", () => {
  assert.ok(blocks.length >= 7, `${blocks.length} blocks`);
  for (const f of ["generateToken", "digestToken", "expiresAt", "scopeCovers", "applyPatch", "decideVerification", "isTokenkitError"]) {
    assert.ok(blocks.some((b) => b.includes(f)), f);
  }
});

test("the package README shows the example projects' files as they are (examples/)", () => {
  const shown = [...readme.matchAll(/^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm)];
  assert.deepEqual(shown.map((m) => m[1]).sort(), ["examples/resource-worker/src/index.js", "examples/resource-worker/wrangler.jsonc", "examples/vite-app/index.html", "examples/vite-app/src/main.js", "examples/vite-app/vite.config.js"]);
  for (const [, file, code] of shown) assert.equal(code, readFileSync(join(ROOT, file), "utf8"), file);
});

test("every TokenkitErrorCode is listed in the package README", () => {
  for (const c of codesFromRust()) assert.ok(readme.includes(`\`${c}\``), c);
});

for (const [i, code] of blocks.entries()) {
  test(`package README Node snippet ${i + 1} runs as written`, { skip }, () => {
    const file = `readme-${i + 1}.mjs`;
    writeFileSync(join(PROJECT, file), code);
    const r = node(file);
    assert.equal(r.status, 0, r.stderr);
    const printed = r.stdout.trimEnd().split("\n");
    const wanted = [...code.matchAll(/console\.log\(.*\);\s*\/\/ → (.*)$/gm)].map((m) => m[1].trim());
    assert.equal(printed.length, wanted.length, `printed ${JSON.stringify(printed)}`);
    wanted.forEach((w, j) => {
      if (/^\/.*\/$/.test(w)) assert.match(printed[j], new RegExp(w.slice(1, -1)), `line ${j + 1}`);
      else assert.equal(printed[j], w, `line ${j + 1}`);
    });
  });
}

// No DOM types: the entries' types leave out wasm-bindgen's init functions (whose InitInput names
// Request and Response), so a Worker or Node project compiles them with the ES library alone.
function tsc(files, resolution = { module: "NodeNext", moduleResolution: "NodeNext" }) {
  const config = { compilerOptions: { strict: true, noEmit: true, target: "ES2022", ...resolution, lib: ["ES2022", "ESNext.Disposable"], types: [], skipLibCheck: false }, files };
  writeFileSync(join(PROJECT, "tsconfig.json"), JSON.stringify(config, null, 2));
  return spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: PROJECT, encoding: "utf8", timeout: 60_000 });
}

test("tsc --strict: a consumer that names every export compiles against the installed types", { skip }, () => {
  copyFileSync(join(ROOT, "tests/package/consumer.ts"), join(PROJECT, "consumer.ts"));
  const r = tsc(["consumer.ts"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // as a bundler or wrangler resolves it (the workerd condition)
  const b = tsc(["consumer.ts"], { module: "preserve", moduleResolution: "bundler", customConditions: ["workerd"] });
  assert.equal(b.status, 0, b.stdout + b.stderr);
});

test("tsc --strict rejects a code outside TokenkitErrorCode and a missing export", { skip }, () => {
  writeFileSync(join(PROJECT, "wrong.ts"), [
    'import * as tk from "tokenkit";',
    'import type { TokenkitErrorCode } from "tokenkit";',
    'export const c: TokenkitErrorCode = "no_such_code";',
    'export const all: { [K in keyof typeof tk]: (typeof tk)[K] } = { generateToken: tk.generateToken };',
  ].join("\n"));
  const r = tsc(["wrong.ts"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /"no_such_code".*not assignable to type 'TokenkitErrorCode'/);
  assert.match(r.stdout, /missing the following properties/);
});
