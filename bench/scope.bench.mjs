// Compiled-scope checks from JS vs a straightforward JavaScript matcher over the same rules.
// Side by side in one run, interleaved rounds, median and spread; strings cross the wasm
// boundary (compiled.allowsAction(action, resource)), never scope objects. Not a test: it
// prints a markdown table and, with --json, one JSON line for bench/run.mjs.
//
//   node bench/scope.bench.mjs [--rules 50] [--rounds 15] [--json]
import { readFileSync } from "node:fs";
import { initSync, compileScope } from "../pkg/tokenkit.js";

initSync({ module: readFileSync(new URL("../pkg/tokenkit_bg.wasm", import.meta.url)) });

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RULES = arg("rules", 50);
const ROUNDS = arg("rounds", 15);
const JSON_OUT = process.argv.includes("--json");

// ---- the straightforward JS matchers (what a user would write by hand) ------------------------
// Globs become anchored RegExps once, `*` staying within a `:` segment as in tokenkit.
const globRe = (g) => (g === "*" ? /^[\s\S]*$/ : new RegExp("^" + g.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join("[^:]*") + "$"));
function jsPolicy(statements) {
  const st = statements.map((s) => ({ deny: s.effect === "deny", actions: s.actions.map(globRe), resources: s.resources.map(globRe) }));
  return (action, resource) => {
    let allowed = false;
    for (const s of st) {
      if (s.actions.some((r) => r.test(action)) && s.resources.some((r) => r.test(resource))) {
        if (s.deny) return false;
        allowed = true;
      }
    }
    return allowed;
  };
}
function jsPrivileges(list) {
  return (wanted) => {
    const [wd] = wanted.split(":");
    return list.some((p) => p === wanted || p === "*:*" || (p.endsWith(":*") && p.split(":")[0] === wd));
  };
}

// ---- workloads -------------------------------------------------------------------------------
function policyWorkload(n) {
  const statements = [];
  for (let i = 0; i < n; i++) {
    statements.push(i % 10 === 9
      ? { effect: "deny", actions: ["delete*"], resources: [`proj/p${i}:env/production:flag/*`] }
      : { effect: "allow", actions: ["update*", "view*"], resources: [`proj/p${i}:env/*:flag/*`] });
  }
  const requests = [];
  for (let i = 0; i < 1000; i++) {
    const p = i % (n * 2); // half the projects exist: mixed hits and misses
    const action = ["updateOn", "viewFlag", "deleteFlag", "createFlag"][i % 4];
    requests.push([action, `proj/p${p}:env/${i % 3 ? "production" : "staging"}:flag/f${i}`]);
  }
  return { name: `policy, ${n} statements`, scope: { language: "policy", inlineRole: statements }, js: jsPolicy(statements), requests };
}
function privilegesWorkload(n) {
  const list = [];
  for (let i = 0; i < n; i++) list.push(i % 5 === 4 ? `domain${i}:*` : `domain${i}:read`);
  const requests = [];
  for (let i = 0; i < 1000; i++) requests.push([`domain${i % (n * 2)}:${i % 2 ? "read" : "write"}`, undefined]);
  return { name: `privileges, ${n} rules`, scope: { language: "privileges", privileges: list }, js: (a) => jsPrivileges(list)(a), requests, jsFast: jsPrivileges(list) };
}

function timeLoop(fn, requests, minMs = 40) {
  let n = 0, sink = 0;
  const t0 = process.hrtime.bigint();
  let t;
  do {
    for (const [a, r] of requests) sink += fn(a, r) ? 1 : 0;
    n += requests.length;
    t = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (t < minMs);
  if (sink < 0) console.log(sink);
  return (n / t) * 1000; // checks per second
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const spread = (xs) => { const s = [...xs].sort((a, b) => a - b); return [s[0], s[s.length - 1]]; };

const rows = [];
for (const w of [policyWorkload(RULES), privilegesWorkload(RULES)]) {
  const compiled = compileScope(w.scope);
  const js = w.jsFast ?? w.js;
  const wasm = (a, r) => compiled.allowsAction(a, r);
  // Same answers first: a benchmark of two different functions would mean nothing.
  for (const [a, r] of w.requests) {
    if (wasm(a, r) !== js(a, r)) throw new Error(`${w.name}: wasm and JS disagree on ${a} ${r}`);
  }
  const hits = w.requests.filter(([a, r]) => wasm(a, r)).length;
  const ws = [], jss = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2) { ws.push(timeLoop(wasm, w.requests)); jss.push(timeLoop(js, w.requests)); }
    else { jss.push(timeLoop(js, w.requests)); ws.push(timeLoop(wasm, w.requests)); }
  }
  compiled.free();
  rows.push({ workload: w.name, hitRate: hits / w.requests.length, wasm: median(ws), wasmSpread: spread(ws), js: median(jss), jsSpread: spread(jss), ratio: median(ws) / median(jss) });
}

if (JSON_OUT) {
  console.log(JSON.stringify({ bench: "scope", rules: RULES, rounds: ROUNDS, rows }));
} else {
  const f = (x) => `${(x / 1e6).toFixed(2)} M/s`;
  console.log(`| workload | hits | tokenkit compiled (median, min–max) | JS matcher (median, min–max) | ratio |`);
  console.log(`|---|---|---|---|---|`);
  for (const r of rows) {
    console.log(`| ${r.workload} | ${(r.hitRate * 100).toFixed(0)}% | ${f(r.wasm)} (${f(r.wasmSpread[0])}–${f(r.wasmSpread[1])}) | ${f(r.js)} (${f(r.jsSpread[0])}–${f(r.jsSpread[1])}) | ${r.ratio.toFixed(2)}× |`);
  }
}
