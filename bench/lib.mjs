// Shared helpers for the benchmarks: statistics, interleaved timing, argument parsing, the wasm
// package. Every bench script prints a human table by default and, with --json, one JSON line
// that bench/run.mjs collects.
import { readFileSync } from "node:fs";

export const ROOT = new URL("..", import.meta.url).pathname;

/** Loads pkg/ (synchronously, as the worker does at module scope). */
export async function loadPkg() {
  const tk = await import("../pkg/tokenkit.js");
  tk.initSync({ module: readFileSync(new URL("../pkg/tokenkit_bg.wasm", import.meta.url)) });
  return tk;
}

/** `--name value` from argv, else `dflt` (numbers when dflt is a number). */
export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = process.argv[i + 1];
  if (typeof dflt === "number") {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got ${v}`);
    return n;
  }
  return v;
}
export const flag = (name) => process.argv.includes(`--${name}`);

export function quantile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * p;
  const lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}
export const median = (xs) => quantile(xs, 0.5);

/** {median, min, max, n} of a sample (one value per round). */
export function summary(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/**
 * Runs `fn` (synchronous) in batches until `minMs` have passed; returns ns per call (wall clock;
 * `lastCpuNs` then holds the process CPU time per call, which a busy neighbour inflates less).
 * `fn` must return something so the work is not dead code; the results feed a sink.
 */
let sink = 0;
export let lastCpuNs = NaN;
const cpuNs = (c) => (c.user + c.system) * 1000;
export function timeSync(fn, minMs) {
  let n = 0, batch = 64;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let ns = 0;
  do {
    for (let i = 0; i < batch; i++) {
      const r = fn();
      sink ^= typeof r === "string" ? r.length : r ? 1 : 0;
    }
    n += batch;
    ns = Number(process.hrtime.bigint() - t0);
    if (batch < 4096) batch *= 2;
  } while (ns < minMs * 1e6);
  lastCpuNs = cpuNs(process.cpuUsage(c0)) / n;
  return ns / n;
}

/** As timeSync for an async `fn`, each call awaited before the next (a request's view). */
export async function timeAsync(fn, minMs) {
  let n = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let ns = 0;
  do {
    for (let i = 0; i < 64; i++) {
      const r = await fn();
      sink ^= typeof r === "string" ? r.length : r ? 1 : 0;
    }
    n += 64;
    ns = Number(process.hrtime.bigint() - t0);
  } while (ns < minMs * 1e6);
  lastCpuNs = cpuNs(process.cpuUsage(c0)) / n;
  return ns / n;
}

/**
 * Interleaved rounds: in each round every contender is timed once, in an order rotated every
 * round, so drift, GC and neighbours' load hit all sides alike. Returns {name: [ns per call, …]}
 * (wall clock) and, under the key `cpu`, the same for process CPU time (all threads).
 */
export async function interleave(contenders, { rounds, minMs }) {
  const names = Object.keys(contenders);
  const out = Object.fromEntries(names.map((k) => [k, []]));
  const cpu = Object.fromEntries(names.map((k) => [k, []]));
  for (const name of names) await measure(contenders[name], Math.max(5, minMs / 4)); // warm-up (JIT tiers)
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      out[name].push(await measure(contenders[name], minMs));
      cpu[name].push(lastCpuNs);
    }
  }
  Object.defineProperty(out, "cpu", { value: cpu, enumerable: false });
  return out;
}
async function measure(c, minMs) {
  return c.async ? timeAsync(c.fn, minMs) : timeSync(c.fn, minMs);
}

/** Formats ns per call for a table: "1.23 µs" / "456 ns" / "7.8 ms". */
export function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
export const fmtSpread = (s, f = fmtNs) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;

/** A markdown table from a header array and row arrays. */
export function table(header, rows) {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Prints the result: one JSON line with --json, else the markdown. */
export function emit(result, markdown) {
  if (flag("json")) console.log(JSON.stringify(result));
  else console.log(markdown);
}
