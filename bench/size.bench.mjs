// Package size (release .wasm and JS glue, raw / gzip -9 / brotli) against the 120 KiB gzip
// target, and instantiation time in Node: each sample is a fresh `node` process that reads the
// .wasm, compiles it (new WebAssembly.Module), instantiates it (initSync) and makes a first call.
//
//   node bench/size.bench.mjs [--runs 15] [--json]          (needs pkg/: make pkg)
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { execFileSync } from "node:child_process";
import { ROOT, arg, emit, summary, table } from "./lib.mjs";

const RUNS = arg("runs", 15);
const TARGET_GZIP = 120 * 1024;

const files = { wasm: "pkg/tokenkit_bg.wasm", glue: "pkg/tokenkit.js" };
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
  const tk = await import(${JSON.stringify(ROOT + "pkg/tokenkit.js")});
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

const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const ms = (x) => `${x.toFixed(2)} ms`;
const sp = (s) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
const md = [
  table(["file", "raw", "gzip -9", "brotli 11"], [
    ...Object.values(sizes).map((s) => [`\`${s.file}\``, kib(s.raw), kib(s.gzip), kib(s.brotli)]),
    ["**package (wasm + glue)**", kib(total.raw), `**${kib(total.gzip)}**`, kib(total.brotli)],
  ]),
  "",
  `Target ≤ ${kib(TARGET_GZIP)} gzip: **${total.gzip <= TARGET_GZIP ? "met" : "missed"}** (${((total.gzip / TARGET_GZIP) * 100).toFixed(0)} % of the budget).`,
  "",
  table(["instantiation in Node (fresh process each, median (min–max) of " + RUNS + ")", "time"], [
    ["read .wasm", sp(inst.read)],
    ["compile (`new WebAssembly.Module`)", sp(inst.compile)],
    ["instantiate (`initSync`)", sp(inst.instantiate)],
    ["first call (`generateToken` + `parseToken`)", sp(inst.firstCall)],
    ["**total**", `**${sp(inst.total)}**`],
  ]),
].join("\n");

emit({ bench: "size", runs: RUNS, sizes, total, targetGzip: TARGET_GZIP, met: total.gzip <= TARGET_GZIP, instantiation: inst }, md);
