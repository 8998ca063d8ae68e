// Package size of both builds (release .wasm and JS glue, raw / gzip -9 / brotli) against the
// 120 KiB gzip target of the default one, and instantiation time in Node: each sample is a fresh `node` process that reads the
// .wasm, compiles it (new WebAssembly.Module), instantiates it (initSync) and makes a first call.
//
//   node bench/size.bench.mjs [--runs 15] [--json]          (needs pkg/: make pkg)
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { execFileSync } from "node:child_process";
import { ROOT, arg, emit, summary, table } from "./lib.mjs";

const RUNS = arg("runs", 15);
const TARGET_GZIP = 120 * 1024;

// Both builds (make pkg): the default one, npm `tokenkit` (the target is its), and the full one,
// npm `tokenkit/full` (the seed dialects' wire code too: the token service's).
const BUILDS = { default: "pkg/", full: "pkg/full/" };

function measure(dir) {
  const files = { wasm: `${dir}tokenkit_bg.wasm`, glue: `${dir}tokenkit.js` };
  const sizes = {};
  for (const [k, f] of Object.entries(files)) {
    const buf = readFileSync(ROOT + f);
    sizes[k] = {
      file: f,
      raw: buf.length,
      gzip: gzipSync(buf, { level: 9 }).length,
      brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  }
  const total = { raw: sizes.wasm.raw + sizes.glue.raw, gzip: sizes.wasm.gzip + sizes.glue.gzip, brotli: sizes.wasm.brotli + sizes.glue.brotli };
  // One fresh process per sample: nothing is cached in-process between samples.
  const probe = `
const { readFileSync } = require("node:fs");
const h = () => Number(process.hrtime.bigint()) / 1e6;
(async () => {
  const tk = await import(${JSON.stringify(ROOT + files.glue)});
  const t0 = h();
  const bytes = readFileSync(${JSON.stringify(ROOT + files.wasm)});
  const t1 = h();
  const mod = new WebAssembly.Module(bytes);
  const t2 = h();
  tk.initSync({ module: mod });
  const t3 = h();
  tk.parseToken(tk.generateToken());
  const t4 = h();
  console.log(JSON.stringify({ read: t1 - t0, compile: t2 - t1, instantiate: t3 - t2, firstCall: t4 - t3, total: t4 - t0 }));
})();`;
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(JSON.parse(execFileSync(process.execPath, ["-e", probe], { encoding: "utf8" })));
  const inst = Object.fromEntries(["read", "compile", "instantiate", "firstCall", "total"].map((k) => [k, summary(samples.map((s) => s[k]))]));
  return { sizes, total, instantiation: inst };
}
const results = Object.fromEntries(Object.entries(BUILDS).map(([name, dir]) => [name, measure(dir)]));
const { total } = results.default;

const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const ms = (x) => `${x.toFixed(2)} ms`;
const sp = (s) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
const md = [
  table(["file", "raw", "gzip -9", "brotli 11"], Object.entries(results).flatMap(([name, r]) => [
    ...Object.values(r.sizes).map((s) => [`\`${s.file}\``, kib(s.raw), kib(s.gzip), kib(s.brotli)]),
    [`**${name === "default" ? "default build, `tokenkit`" : "full build, `tokenkit/full`"} (wasm + glue)**`, kib(r.total.raw), `**${kib(r.total.gzip)}**`, kib(r.total.brotli)],
  ])),
  "",
  `Target for the default build ≤ ${kib(TARGET_GZIP)} gzip: **${total.gzip <= TARGET_GZIP ? "met" : "missed"}** (${((total.gzip / TARGET_GZIP) * 100).toFixed(0)} % of the budget; the full build ${((results.full.total.gzip / TARGET_GZIP) * 100).toFixed(0)} %).`,
  "",
  table(["instantiation in Node (fresh process each, median (min–max) of " + RUNS + ")", "default", "full"], [
    ["read .wasm", "read"],
    ["compile (`new WebAssembly.Module`)", "compile"],
    ["instantiate (`initSync`)", "instantiate"],
    ["first call (`generateToken` + `parseToken`)", "firstCall"],
    ["**total**", "total"],
  ].map(([label, k]) => [label, sp(results.default.instantiation[k]), sp(results.full.instantiation[k])])),
].join("\n");

emit({ bench: "size", runs: RUNS, builds: results, sizes: results.default.sizes, total, targetGzip: TARGET_GZIP, met: total.gzip <= TARGET_GZIP, instantiation: results.default.instantiation }, md);
