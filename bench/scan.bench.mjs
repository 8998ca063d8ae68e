// `tokenkit scan` against `grep -rEn` of the same pattern (the core's TOKEN_PATTERN) on a generated
// tree: text files of code-like lines full of snake_case identifiers, many look-alikes (the token's
// shape with a wrong checksum) and a few planted real tokens. Not part of `make test`.
//
//   node bench/scan.bench.mjs [--mb 200] [--files 2000] [--rounds 3] [--keep]
//   make bench-scan [BENCH_ARGS="--mb 50"]      (builds target/release/tokenkit first)
//
// Before timing, every tool is checked: tokenkit must report exactly the planted tokens; grep must
// match every planted token and every look-alike (it cannot tell them apart). Rounds interleave
// the contenders (bench/README.md's method); the page cache is warmed by a first untimed run of
// each. Prints a markdown table and appends it to bench/out/scan.md.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { initSync, generateToken, tokenPattern, isWellFormedToken } from "../pkg/tokenkit.js";

const ROOT = new URL("..", import.meta.url).pathname;
initSync({ module: readFileSync(join(ROOT, "pkg/tokenkit_bg.wasm")) });
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : dflt);
const MB = opt("mb", 200);
const FILES = opt("files", 2000);
const ROUNDS = opt("rounds", 3);
const PLANTED = 25;
const BIN = join(ROOT, "target/release/tokenkit");

// A small deterministic PRNG (the tree's layout is reproducible; the tokens are fresh).
let seed = 0x9e3779b9;
const rnd = (n) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const WORDS = "user id token name value count index buffer result error config request response cache store read write list item key secret access account member scope policy".split(" ");
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ident = () => Array.from({ length: 1 + rnd(3) }, () => WORDS[rnd(WORDS.length)]).join("_");
/** The token's shape with a wrong checksum. */
function lookalike() {
  const prefixes = ["tk", "sk", "ghp", "acme", "pk", "x1"];
  for (;;) {
    let s = `${prefixes[rnd(prefixes.length)]}_`;
    for (let i = 0; i < 36; i++) s += B62[rnd(62)];
    if (!isWellFormedToken(s)) return s;
  }
}
function line() {
  const r = rnd(100);
  if (r < 6) return `  const ${ident()} = "${lookalike()}"; // ${ident()}\n`;
  if (r < 40) return `  let ${ident()} = ${ident()}(${ident()}, ${rnd(100000)});\n`;
  if (r < 70) return `  if (${ident()}.${ident()} > ${rnd(1000)}) { return ${ident()}_${ident()}; }\n`;
  if (r < 85) return `// ${WORDS[rnd(WORDS.length)]} ${WORDS[rnd(WORDS.length)]} ${WORDS[rnd(WORDS.length)]} and the ${ident()} of the ${ident()}\n`;
  return `${ident()}: ${ident()}_${rnd(1 << 30).toString(36)}\n`;
}

const dir = mkdtempSync(join(tmpdir(), "tokenkit-scan-bench-"));
const perFile = Math.floor((MB * 1024 * 1024) / FILES);
const planted = new Map(); // file index -> token
while (planted.size < PLANTED) planted.set(rnd(FILES), generateToken(["tk", "acme", "s2"][planted.size % 3]));
// A pool of blocks, combined per file: generating 200 MB line by line in JS takes a while.
const pool = Array.from({ length: 64 }, () => {
  let s = "";
  while (s.length < 16 * 1024) s += line();
  return s;
});
let bytes = 0;
let lookalikes = 0;
const t0 = Date.now();
for (let f = 0; f < FILES; f++) {
  const sub = join(dir, `d${f % 40}`, `e${f % 7}`);
  mkdirSync(sub, { recursive: true });
  let s = "";
  while (s.length < perFile) s += pool[rnd(pool.length)];
  if (planted.has(f)) {
    const at = s.indexOf("\n", rnd(s.length)) + 1;
    s = `${s.slice(0, at)}  const leaked = "${planted.get(f)}";\n${s.slice(at)}`;
  }
  writeFileSync(join(sub, `f${f}.js`), s);
  bytes += s.length;
}
for (const b of pool) lookalikes += (b.match(/"(?:tk|sk|ghp|acme|pk|x1)_[0-9A-Za-z]{36}"/g) ?? []).length;
const genMs = Date.now() - t0;

const PATTERN = tokenPattern();
const contenders = [
  { name: "tokenkit scan", cmd: BIN, args: ["scan", dir], env: {} },
  { name: "grep -rEn (LC_ALL=C)", cmd: "grep", args: ["-rEn", PATTERN, dir], env: { LC_ALL: "C" } },
  { name: "grep -rEn (C.UTF-8)", cmd: "grep", args: ["-rEn", PATTERN, dir], env: { LC_ALL: "C.UTF-8" } },
];
function run(c) {
  const t = process.hrtime.bigint();
  const r = spawnSync(c.cmd, c.args, { env: { ...process.env, ...c.env }, maxBuffer: 1 << 30, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${c.name}: exit ${r.status}: ${r.stderr}`);
  return { ms, lines: r.stdout.split("\n").filter(Boolean) };
}
// Check what each one finds (and warm the page cache).
for (const c of contenders) {
  const { lines } = run(c);
  if (c.cmd === BIN) {
    if (lines.length !== PLANTED) throw new Error(`tokenkit found ${lines.length}, planted ${PLANTED}`);
    c.found = `${lines.length} (the planted tokens)`;
  } else {
    for (const t of planted.values()) if (!lines.some((l) => l.includes(t))) throw new Error(`${c.name} missed a planted token`);
    c.found = `${lines.length} lines (planted + look-alikes)`;
  }
  c.times = [];
}
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < contenders.length; i++) {
    const c = contenders[(i + r) % contenders.length];
    c.times.push(run(c).ms);
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(contenders[0].times);
const mbs = bytes / 1024 / 1024;
let out = `\n### tokenkit scan vs grep — ${new Date().toISOString()}\n\n`;
out += `${mbs.toFixed(0)} MiB in ${FILES} files (generated in ${(genMs / 1000).toFixed(1)} s), ${PLANTED} planted tokens, ~${Math.round((lookalikes / pool.length) * (bytes / (16 * 1024)))} look-alikes; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}; median of ${ROUNDS} rounds (min–max).\n\n`;
out += "| tool | reports | time | MiB/s | vs tokenkit |\n|---|---|---|---|---|\n";
for (const c of contenders) {
  const m = median(c.times);
  out += `| ${c.name} | ${c.found} | ${(m / 1000).toFixed(2)} s (${(Math.min(...c.times) / 1000).toFixed(2)}–${(Math.max(...c.times) / 1000).toFixed(2)}) | ${(mbs / (m / 1000)).toFixed(0)} | ${(m / base).toFixed(2)}× |\n`;
}
console.log(out);
mkdirSync(join(ROOT, "bench/out"), { recursive: true });
appendFileSync(join(ROOT, "bench/out/scan.md"), out);
