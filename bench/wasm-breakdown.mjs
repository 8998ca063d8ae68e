// Where the bytes of the .wasm are: code size per crate (from the function names) and what the
// data section holds. Needs a build that keeps names, which `make pkg` strips:
//
//   cargo build --release --target wasm32-unknown-unknown --lib
//   wasm-bindgen --target web --keep-debug --out-dir /tmp/names --out-name tokenkit \
//     target/wasm32-unknown-unknown/release/tokenkit.wasm
//   wasm-opt /tmp/names/tokenkit_bg.wasm -o /tmp/names/opt.wasm -Oz -g      (-g keeps the names)
//   node bench/wasm-breakdown.mjs /tmp/names/opt.wasm [--top 20] [--modules]
//
// --modules splits tokenkit's own code by module and the export shims by facade file.
//
// Sizes are of the optimised code with names kept; gzip figures compress each group alone, so
// they only rank the groups (the whole file compresses better than the sum).
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { arg, table } from "./lib.mjs";

const file = process.argv[2];
if (!file || file.startsWith("--")) throw new Error("usage: node bench/wasm-breakdown.mjs <file.wasm with a name section>");
const TOP = arg("top", 20);
const b = readFileSync(file);
if (b.readUInt32LE(0) !== 0x6d736100) throw new Error(`${file} is not a wasm module`);

let p = 8;
const leb = () => {
  let r = 0, s = 0, x;
  do {
    x = b[p++];
    r += (x & 0x7f) * 2 ** s;
    s += 7;
  } while (x & 0x80);
  return r;
};
const sections = [];
let code, names, importedFuncs = 0;
while (p < b.length) {
  const id = b[p++];
  const len = leb();
  const start = p;
  let custom = "";
  if (id === 0) {
    const nl = leb();
    custom = b.subarray(p, p + nl).toString();
    if (custom === "name") names = { start: p + nl, end: start + len };
  } else if (id === 2) {
    for (let i = 0, n = leb(); i < n; i++) {
      const ml = leb(); // module name
      p += ml;
      const fl = leb(); // field name
      p += fl;
      const kind = b[p++];
      if (kind === 0) { leb(); importedFuncs++; }
      else if (kind === 1) { p++; if (b[p++] & 1) { leb(); leb(); } else leb(); }
      else if (kind === 2) { if (b[p++] & 1) { leb(); leb(); } else leb(); }
      else if (kind === 3) p += 2;
      else if (kind === 4) { p++; leb(); }
    }
  } else if (id === 10) code = { start, end: start + len };
  sections.push({ id, custom, len, start });
  p = start + len;
}
if (!code) throw new Error("no code section");
const fnName = new Map();
if (names) {
  p = names.start;
  while (p < names.end) {
    const sub = b[p++];
    const end = leb() + p;
    if (sub === 1) {
      for (let i = 0, n = leb(); i < n; i++) {
        const idx = leb();
        const l = leb();
        fnName.set(idx, b.subarray(p, p + l).toString());
        p += l;
      }
    }
    p = end;
  }
}
if (fnName.size === 0) console.error("warning: no function names (build with --keep-debug and wasm-opt -g)");

p = code.start;
const funcs = [];
for (let i = 0, n = leb(); i < n; i++) {
  const size = leb();
  funcs.push({ name: fnName.get(importedFuncs + i) ?? "?", body: b.subarray(p, p + size) });
  p += size;
}
// --modules: tokenkit's own code by module (tokenkit::scope, tokenkit::rules, …) and the export
// shims by the facade file that declares the export (src/wasm/<file>.rs).
const MODULES = process.argv.includes("--modules");
const facadeOf = new Map();
if (MODULES) {
  const dir = new URL("../src/wasm/", import.meta.url);
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".rs"))) {
    const src = readFileSync(new URL(f, dir), "utf8");
    for (const m of src.matchAll(/js_name = "?(\w+)"?|pub fn (\w+)/g)) facadeOf.set(m[1] ?? m[2], f);
  }
}
/** The crate a (demangled) function name belongs to; `<A as B>::f` counts for A's crate. */
function group(name) {
  if (name.endsWith(" shim")) {
    if (!MODULES) return "wasm-bindgen export shims";
    const f = facadeOf.get(name.split(" ")[0].replace(/^\w+_/, (x) => (facadeOf.has(name.split(" ")[0]) ? x : "")));
    return `export shims of src/wasm/${f ?? "?"}`;
  }
  let n = name.startsWith("<") ? name.slice(1).replace(/^(&|mut |\[|dyn |\(|\*const |\*mut )+/, "") : name;
  const parts = n.split(/::|[<> ,(;]/);
  n = parts[0].replace(/\[[0-9a-f]+\]$/, "");
  if (MODULES && n === "tokenkit" && parts[1]) return `tokenkit::${parts[1]}${parts[1] === "wasm" && parts[2] ? `::${parts[2]}` : ""}`;
  return n || "?";
}
const groups = new Map();
for (const f of funcs) {
  const g = group(f.name);
  const e = groups.get(g) ?? { bytes: 0, fns: 0, bodies: [] };
  e.bytes += f.body.length;
  e.fns++;
  e.bodies.push(f.body);
  groups.set(g, e);
}
const codeBytes = funcs.reduce((a, f) => a + f.body.length, 0);
const kib = (x) => `${(x / 1024).toFixed(1)} KiB`;

console.log(`${file}: ${kib(b.length)}; sections: ${sections.map((s) => `${s.custom || ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"][s.id]} ${kib(s.len)}`).join(", ")}\n`);
console.log(table(["code by crate", "bytes", "share", "gzip alone", "functions"], [...groups].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, TOP).map(([g, e]) => [g, kib(e.bytes), `${((100 * e.bytes) / codeBytes).toFixed(1)} %`, kib(gzipSync(Buffer.concat(e.bodies), { level: 9 }).length), String(e.fns)])));
console.log("\n" + table(["largest functions", "bytes"], funcs.sort((x, y) => y.body.length - x.body.length).slice(0, TOP).map((f) => [`\`${f.name.replace(/::h[0-9a-f]{16}$/, "").replaceAll("|", "\\|").slice(0, 120)}\``, kib(f.body.length)])));
const data = sections.find((s) => s.id === 11);
if (data) {
  const d = b.subarray(data.start, data.start + data.len);
  const runs = d.toString("latin1").match(/[\x20-\x7e\n]{24,}/g) ?? [];
  const text = runs.reduce((a, r) => a + r.length, 0);
  console.log(`\ndata section: ${kib(data.len)} (${kib(gzipSync(d, { level: 9 }).length)} gzip alone); ${kib(text)} of it is printable text in runs of ≥ 24 characters (messages, names). Samples of the longest runs:`);
  for (const r of runs.sort((x, y) => y.length - x.length).slice(0, 6)) console.log(`  ${kib(r.length)}: ${JSON.stringify(r.slice(0, 110))}…`);
}
