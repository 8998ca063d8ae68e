// digestToken from JS against node:crypto and WebCrypto, for a 40-byte token: the stored-digest
// string `sha256:<hex>` (and `hmac-sha256:v1:<hex>` with a pepper). Every contender produces the
// exact same string (checked before timing), so the peers pay for the hex encoding too.
// WebCrypto calls are awaited one by one, as a request handler awaits them.
//
//   node bench/digest.bench.mjs [--rounds 15] [--ms 40] [--json]      (needs pkg/: make pkg)
import { createHash, createHmac, hash as nodeHash, webcrypto } from "node:crypto";
import assert from "node:assert/strict";
import { arg, emit, fmtNs, interleave, loadPkg, summary, table } from "./lib.mjs";

const ROUNDS = arg("rounds", 15);
const MS = arg("ms", 40);
const tk = await loadPkg();
const subtle = webcrypto.subtle;

// A real token is `tk_` + 30 + 6 characters = 39; pad the prefix to get exactly 40 bytes.
const token = tk.generateToken("tkn");
assert.equal(token.length, 40);
const key = "bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz"; // ≥ 32 bytes, as the worker's secret
const pepper = { version: "v1", key };
const hmacKey = await subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
const enc = new TextEncoder();
const hex = (ab) => Buffer.from(ab).toString("hex");

const groups = {
  "SHA-256": {
    "tokenkit digestToken": { fn: () => tk.digestToken(token) },
    "node:crypto createHash": { fn: () => "sha256:" + createHash("sha256").update(token).digest("hex") },
    "node:crypto hash()": { fn: () => "sha256:" + nodeHash("sha256", token) },
    "WebCrypto subtle.digest (awaited)": { async: true, fn: async () => "sha256:" + hex(await subtle.digest("SHA-256", enc.encode(token))) },
  },
  "HMAC-SHA-256 (pepper)": {
    "tokenkit digestToken(t, pepper)": { fn: () => tk.digestToken(token, pepper) },
    "node:crypto createHmac": { fn: () => "hmac-sha256:v1:" + createHmac("sha256", key).update(token).digest("hex") },
    "WebCrypto subtle.sign (awaited)": { async: true, fn: async () => "hmac-sha256:v1:" + hex(await subtle.sign("HMAC", hmacKey, enc.encode(token))) },
  },
};

const result = { bench: "digest", node: process.version, tokenBytes: token.length, rounds: ROUNDS, groups: {} };
const md = [];
for (const [g, contenders] of Object.entries(groups)) {
  const outs = await Promise.all(Object.values(contenders).map((c) => c.fn()));
  for (const o of outs) assert.equal(o, outs[0], `${g}: contenders disagree`);
  const times = await interleave(contenders, { rounds: ROUNDS, minMs: MS });
  const names = Object.keys(contenders);
  const ours = summary(times[names[0]]);
  const oursCpu = summary(times.cpu[names[0]]);
  const rows = names.map((n) => {
    const s = summary(times[n]);
    const c = summary(times.cpu[n]);
    return { name: n, ...s, perSecond: 1e9 / s.median, oursSpeedup: s.median / ours.median, cpu: c, oursCpuSpeedup: c.median / oursCpu.median };
  });
  result.groups[g] = rows;
  md.push(`**${g}**, 40-byte token, ns per call, median (min–max) of ${ROUNDS} interleaved rounds`);
  md.push("");
  md.push(table(["contender", "per call", "calls/s", "tokenkit is", "CPU per call", "tokenkit is (CPU)"], rows.map((r) => [r.name, `${fmtNs(r.median)} (${fmtNs(r.min)}–${fmtNs(r.max)})`, `${(r.perSecond / 1e6).toFixed(2)} M`, r === rows[0] ? "–" : `${r.oursSpeedup.toFixed(2)}×`, fmtNs(r.cpu.median), r === rows[0] ? "–" : `${r.oursCpuSpeedup.toFixed(2)}×`])));
  md.push("");
}
// The wasm calls one POST /tk/v1/verify makes (worker/src/auth.js check() for the caller and for
// the presented token; routes/tokens.js verify() for the scope check): what the core costs per
// request, for comparison with the service's milliseconds.
{
  const caller = tk.generateToken(), presented = tk.generateToken();
  const scope = { language: "names", scopes: ["read"] };
  const path = {
    "2 × (parseToken + digestToken)": { fn: () => (tk.parseToken(caller), tk.digestToken(caller), tk.parseToken(presented), tk.digestToken(presented)) },
    "… + compileScope, explain, free": {
      fn: () => {
        tk.parseToken(caller), tk.digestToken(caller), tk.parseToken(presented), tk.digestToken(presented);
        const c = tk.compileScope(scope);
        try {
          return c.explain({ action: "read" }).allowed;
        } finally {
          c.free();
        }
      },
    },
  };
  const times = await interleave(path, { rounds: ROUNDS, minMs: MS });
  result.verifyPath = Object.keys(path).map((n) => ({ name: n, ...summary(times[n]), cpu: summary(times.cpu[n]) }));
  md.push(`**The wasm calls of one verify request** (caller's and presented token; with and without the scope check), median (min–max) of ${ROUNDS} rounds`);
  md.push("");
  md.push(table(["calls", "per request (wall)", "CPU"], result.verifyPath.map((r) => [r.name, `${fmtNs(r.median)} (${fmtNs(r.min)}–${fmtNs(r.max)})`, fmtNs(r.cpu.median)])));
  md.push("");
}
const sha = result.groups["SHA-256"];
const by = (rows, n) => rows.find((r) => r.name.startsWith(n)).oursSpeedup;
result.targets = {
  vsWebCrypto: by(sha, "WebCrypto"),
  vsCreateHash: by(sha, "node:crypto createHash"),
  vsNodeHash: by(sha, "node:crypto hash"),
  hmacVsWebCrypto: by(result.groups["HMAC-SHA-256 (pepper)"], "WebCrypto"),
  hmacVsCreateHmac: by(result.groups["HMAC-SHA-256 (pepper)"], "node:crypto createHmac"),
};
const t = result.targets;
const verdict = (x, goal) => `${x.toFixed(2)}× (target ≥ ${goal}×: ${x >= goal ? "met" : "missed"})`;
md.push(`Targets: vs awaited WebCrypto ${verdict(t.vsWebCrypto, 10)}; vs node:crypto createHash ${verdict(t.vsCreateHash, 1)}, vs crypto.hash() ${verdict(t.vsNodeHash, 1)}; HMAC vs WebCrypto ${verdict(t.hmacVsWebCrypto, 10)}, vs createHmac ${verdict(t.hmacVsCreateHmac, 1)}.`);
emit(result, md.join("\n"));
