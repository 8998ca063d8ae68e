// JSON Patch speed: tokenkit (wasm) against fast-json-patch 3.1.1, side by side in one Node run.
//
//   node bench/patch.bench.mjs            (needs pkg/: make pkg)
//   node bench/patch.bench.mjs --json     one JSON line for bench/run.mjs (no peer-behaviour lines)
//   node bench/patch.bench.mjs --scale    also documents of 1 KB, 10 KB, 100 KB, 1 MB with 10 ops
//   node bench/patch.bench.mjs --flatten  every result is also read once (charCodeAt), which
//                                         makes V8 flatten it (see "Output form" below)
//
// Two workloads, both text in -> text out, which is what the worker does (request body and D1 row
// are text):
//   (a) a ~10-field token document and a 3-op patch;
//   (b) a ~1 MB document and a 100-op patch.
// fast-json-patch's time therefore includes JSON.parse of both inputs and JSON.stringify of the
// result (applyPatch with validation off and in-place mutation of the freshly parsed copy: its
// fastest mode). tokenkit: applyPatchJson(docText, patchText) and, for reference, applyPatch on
// objects (which stringifies/parses at the boundary). Before timing, every implementation's
// output is checked equal to the others'.
//
// Output form: both results are JS strings as their producer leaves them. JSON.stringify returns
// a rope (a V8 cons string of the parts it wrote); applyPatchJson, for inputs of 4 KiB or more,
// returns a rope of slices of its two argument strings and of the text it wrote (src/wasm/
// splice.js). V8 flattens a rope when it is first read character by character (one copy, paid by
// whoever reads it: a Response body, D1, JSON.parse); --flatten adds that read to every
// contender, so the copy is counted on both sides.
//
// Method: ROUNDS rounds; in each round every contender runs a batch of `batch` iterations, in an
// order rotated each round (interleaved, so drift and GC hit all alike). Reported: the median
// time per iteration over rounds, and the spread (min..max of the round medians' p10..p90).
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { initSync, applyPatchJson, applyPatch } from "../pkg/tokenkit.js";
import fjp from "fast-json-patch";

initSync({ module: readFileSync(new URL("../pkg/tokenkit_bg.wasm", import.meta.url)) });

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const JSON_OUT = process.argv.includes("--json");
const SCALE = process.argv.includes("--scale");
const FLATTEN = process.argv.includes("--flatten");
const use = FLATTEN ? (s) => (s.charCodeAt(s.length >> 1), s) : (s) => s;
const log = JSON_OUT ? () => {} : console.log;

// ---- workloads ---------------------------------------------------------------------------------
function token(i) {
  return {
    id: `tok_${String(i).padStart(8, "0")}`,
    name: `deploy key ${i}`,
    description: i % 3 ? `used by pipeline ${i} for release builds` : "",
    ownerId: `acct_${i % 97}`,
    digest: `sha256:${(i * 2654435761 >>> 0).toString(16).padStart(8, "0").repeat(8)}`,
    createdAt: "2026-01-02T03:04:05Z",
    expiresAt: "2026-12-31T00:00:00Z",
    lastUsed: 1767312000000 + i,
    version: 3,
    scope: { basins: { prefix: `b${i}-` }, ops: ["read", "append"], ratio: 0.5 },
    tags: ["ci", "prod", `t${i % 10}`],
  };
}
const small = {
  doc: JSON.stringify(token(7)),
  patch: JSON.stringify([
    { op: "test", path: "/version", value: 3 },
    { op: "replace", path: "/name", value: "renamed key" },
    { op: "add", path: "/scope/ops/-", value: "trim" },
  ]),
};

function tokensOfSize(bytes) {
  const tokens = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const t = token(i);
    tokens.push(t);
    size += JSON.stringify(t).length + 1;
  }
  return tokens;
}
const tokens = tokensOfSize(1_000_000);
const bigDoc = { kind: "tokens", generatedAt: "2026-11-22T00:00:00Z", tokens, meta: { count: tokens.length } };
const n = tokens.length;
const ops = spreadOps(tokens, 100);
const big = { doc: JSON.stringify(bigDoc), patch: JSON.stringify(ops) };

/** `count` ops of all six kinds spread over the document's tokens. */
function spreadOps(tokens, count) {
  const n = tokens.length;
  const ops = [];
  for (let k = 0; k < count; k++) {
  const i = Math.floor((k * 7919) % n);
  const j = Math.floor((k * 104729 + 13) % n);
  switch (k % 6) {
    case 0: ops.push({ op: "replace", path: `/tokens/${i}/name`, value: `renamed ${k}` }); break;
    case 1: ops.push({ op: "add", path: `/tokens/${i}/scope/ops/-`, value: "trim" }); break;
    case 2: ops.push({ op: "test", path: `/tokens/${i}/id`, value: tokens[i].id }); break;
    case 3: ops.push({ op: "remove", path: `/tokens/${i}/description` }); break;
    case 4: ops.push({ op: "copy", from: `/tokens/${i}/scope`, path: `/tokens/${j}/scopeCopy${k}` }); break;
    case 5: ops.push({ op: "move", from: `/tokens/${i}/tags/0`, path: `/tokens/${i}/tags/-` }); break;
  }
}
  ops.push({ op: "replace", path: "/meta/count", value: n });
  ops.length = count;
  return ops;
}

// ---- contenders --------------------------------------------------------------------------------
const contenders = {
  "tokenkit applyPatchJson (text)": (w) => use(applyPatchJson(w.doc, w.patch)),
  "fast-json-patch parse+apply+stringify": (w) =>
    use(JSON.stringify(fjp.applyPatch(JSON.parse(w.doc), JSON.parse(w.patch), false, true).newDocument)),
  "tokenkit applyPatch (objects)*": (w) => applyPatch(w.docObj, w.patchObj),
};

function check(w) {
  w.docObj = JSON.parse(w.doc);
  w.patchObj = JSON.parse(w.patch);
  const ref = JSON.parse(contenders["fast-json-patch parse+apply+stringify"](w));
  assert.deepEqual(JSON.parse(contenders["tokenkit applyPatchJson (text)"](w)), ref);
  assert.deepEqual(contenders["tokenkit applyPatch (objects)*"](w), ref);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const results = [];
function run(label, w, batch) {
  check(w);
  const names = Object.keys(contenders);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  for (const name of names) for (let i = 0; i < batch; i++) contenders[name](w); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) {
      const f = contenders[name];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) f(w);
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e3 / batch); // µs per iteration
    }
  }
  const base = median(times["fast-json-patch parse+apply+stringify"]);
  results.push({
    workload: label, docBytes: w.doc.length, ops: JSON.parse(w.patch).length, rounds: ROUNDS, batch,
    rows: names.map((name) => ({ name, median: median(times[name]), p10: pct(times[name], 0.1), p90: pct(times[name], 0.9), min: Math.min(...times[name]), max: Math.max(...times[name]), speedupVsFjp: base / median(times[name]) })),
  });
  log(`\n${label}  (${ROUNDS} rounds × ${batch} iterations, µs per call)`);
  log("contender".padEnd(40), "median".padStart(10), "p10..p90".padStart(22), "speed-up vs fjp".padStart(16));
  for (const name of names) {
    const m = median(times[name]);
    const spread = `${pct(times[name], 0.1).toFixed(1)}..${pct(times[name], 0.9).toFixed(1)}`;
    log(name.padEnd(40), m.toFixed(1).padStart(10), spread.padStart(22), `${(base / m).toFixed(2)}×`.padStart(16));
  }
}

const fjpVersion = JSON.parse(readFileSync(new URL("../node_modules/fast-json-patch/package.json", import.meta.url))).version;
log(`node ${process.version}; fast-json-patch ${JSON.parse(readFileSync(new URL("../node_modules/fast-json-patch/package.json", import.meta.url))).version}`);
log(`(a) doc ${small.doc.length} B, patch ${JSON.parse(small.patch).length} ops; (b) doc ${big.doc.length} B (${n} tokens), patch ${JSON.parse(big.patch).length} ops`);
run("(a) token document, 3 ops", small, 2000);
run("(b) 1 MB document, 100 ops", big, 10);
/** `count` ops that never conflict, whatever the document size (replace, add, test, copy). */
function scaleOps(tokens, count) {
  const n = tokens.length;
  const ops = [];
  for (let k = 0; k < count; k++) {
    const i = (k * 7919) % n;
    switch (k % 4) {
      case 0: ops.push({ op: "replace", path: `/tokens/${i}/name`, value: `renamed ${k}` }); break;
      case 1: ops.push({ op: "add", path: `/tokens/${i}/scope/ops/-`, value: "trim" }); break;
      case 2: ops.push({ op: "test", path: `/tokens/${i}/id`, value: tokens[i].id }); break;
      case 3: ops.push({ op: "copy", from: `/tokens/${i}/scope/basins`, path: `/tokens/${i}/copy${k}` }); break;
    }
  }
  return ops;
}
if (SCALE) {
  for (const kb of [1, 10, 100, 1000]) {
    const ts = tokensOfSize(kb * 1000);
    const d = { kind: "tokens", generatedAt: "2026-11-22T00:00:00Z", tokens: ts, meta: { count: ts.length } };
    const w = { doc: JSON.stringify(d), patch: JSON.stringify(scaleOps(ts, 10)) };
    // ~constant work per round: fewer iterations for bigger documents.
    run(`scale ${kb >= 1000 ? kb / 1000 + " MB" : kb + " KB"} document, 10 ops`, w, Math.max(5, Math.round(2000 / kb)));
  }
}
if (JSON_OUT) {
  console.log(JSON.stringify({ bench: "patch", node: process.version, fastJsonPatch: fjpVersion, flatten: FLATTEN, results }));
  process.exit(0);
}
console.log("\n* applyPatch takes and returns objects; it crosses the boundary as JSON text (stringify/parse inside).");

// ---- peer behaviour (not timed): what the docs/patch.md comparison cites ----------------------
function behaviour(label, f) {
  let out;
  try {
    out = f();
  } catch (e) {
    out = `throws ${e.name}${e.code ? ` ${e.code}` : ""}: ${String(e.message).split("\n")[0]}`;
  }
  console.log(`  ${label.padEnd(52)} ${out}`);
}
console.log("\npeer behaviour (fast-json-patch 3.1.1 | tokenkit):");
for (const [label, doc, ops] of [
  ["test /01 on [1,2] (leading zero)", [1, 2], [{ op: "test", path: "/01", value: 2 }]],
  ["replace /a~2 (invalid escape)", { "a~2": 1 }, [{ op: "replace", path: "/a~2", value: 2 }]],
  ["test 1 == 1.0", { a: 1 }, [{ op: "test", path: "/a", value: 1.0 }]],
]) {
  behaviour(`fjp      ${label}`, () => JSON.stringify(fjp.applyPatch(structuredClone(doc), ops, true).newDocument));
  behaviour(`tokenkit ${label}`, () => JSON.stringify(applyPatch(doc, ops)));
}
for (const [label, ops] of [
  ["replace /a then failing test: input after", [{ op: "replace", path: "/a", value: 2 }, { op: "test", path: "/a", value: 3 }]],
  ["move /a into /a/b/c: input after", [{ op: "move", from: "/a", path: "/a/b/c" }]],
]) {
  const d1 = { a: { b: {} } };
  behaviour(`fjp      ${label}`, () => { try { fjp.applyPatch(d1, ops); } catch {} return JSON.stringify(d1); });
  const d2 = { a: { b: {} } };
  behaviour(`tokenkit ${label}`, () => { try { applyPatch(d2, ops); } catch {} return JSON.stringify(d2); });
}
