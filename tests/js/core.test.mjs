// The token, digest and lifetime API as a Node consumer of pkg/ sees it, driven by the shared
// vectors in tests/vectors/{secret,digest,lifetime}/ (the Rust tests read the same files).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tk from "./tokenkit.mjs";

const vectors = (p) => JSON.parse(readFileSync(new URL(`../vectors/${p}`, import.meta.url), "utf8"));
const tokens = vectors("secret/tokens.json");
const digests = vectors("digest/vectors.json");
const lifetimes = vectors("lifetime/expiry.json");

/** Asserts that `fn` throws a TokenkitError with `code` (and `field`, when given). */
function throwsCode(fn, code, field) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, "a real Error");
    assert.equal(e.name, "TokenkitError");
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field);
    assert.match(e.message, /^[a-z]/);
    return true;
  });
}

const CORE_EXPORTS = [
  "generateToken", "parseToken", "maskToken", "isWellFormedToken", "tokenPattern",
  "digestToken", "verifyDigest", "parseDigest",
  "expiresAt", "expiresAtMs", "capExpiry", "checkOutlives", "rotationGraceExpiresAt", "isExpired",
  "formatInstant", "lifetimePresets",
];

test("every core export is a function", () => {
  for (const name of CORE_EXPORTS) assert.equal(typeof tk[name], "function", name);
});

test("every core export is typed in the .d.ts, without any", () => {
  const dts = readFileSync(new URL("../../pkg/full/tokenkit.d.ts", import.meta.url), "utf8");
  for (const name of CORE_EXPORTS) {
    const decl = dts.match(new RegExp(`^export function ${name}\\((.*)\\): (.*);$`, "m"));
    assert.ok(decl, `declaration of ${name}`);
    assert.doesNotMatch(decl[0], /\bany\b/, decl[0]);
    assert.doesNotMatch(decl[1], /[a-z]_[a-z]/, `camelCase parameter names: ${decl[0]}`);
  }
  for (const t of ["TokenParts", "Pepper", "DigestParts", "LifetimeInput", "InstantInput", "CapMode", "LifetimePreset", "CoreErrorCode"]) {
    assert.match(dts, new RegExp(`export (interface|type) ${t}\\b`), t);
  }
});

test("the whole public surface of the .d.ts is typed without any, with camelCase parameters", () => {
  const dts = readFileSync(new URL("../../pkg/full/tokenkit.d.ts", import.meta.url), "utf8");
  // Everything before wasm-bindgen's own init types is tokenkit's API.
  const api = dts.slice(0, dts.indexOf("export type InitInput"));
  const decls = api.split("\n").filter((l) => /^\s*(export function |[a-zA-Z]+\(.*\):)/.test(l));
  assert.ok(decls.length >= 60, `found ${decls.length} declarations`);
  for (const d of decls) {
    assert.doesNotMatch(d, /\bany\b/, d);
    assert.doesNotMatch(d.slice(d.indexOf("(")), /\b[a-z]+_[a-z]\w*:/, `camelCase parameter names: ${d}`);
  }
  for (const name of Object.keys(tk)) {
    if (typeof tk[name] === "function" && /^[a-z]/.test(name) && name !== "initSync") assert.match(api, new RegExp(`export function ${name}\\(`), `${name} is declared`);
  }
});

test("generateToken: format, default prefix, uniqueness", () => {
  const re = new RegExp(`^${tk.tokenPattern().replaceAll("\\b", "")}$`);
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    const t = tk.generateToken();
    assert.match(t, /^tk_[0-9A-Za-z]{36}$/);
    assert.match(t, re);
    assert.ok(tk.isWellFormedToken(t));
    seen.add(t);
  }
  assert.equal(seen.size, 200);
  assert.match(tk.generateToken("s2"), /^s2_[0-9A-Za-z]{36}$/);
  assert.match(tk.generateToken(undefined), /^tk_/);
  throwsCode(() => tk.generateToken("TK"), "malformed_prefix");
  throwsCode(() => tk.generateToken(""), "malformed_prefix");
  throwsCode(() => tk.generateToken("a".repeat(17)), "malformed_prefix");
  throwsCode(() => tk.generateToken(42), "invalid_input", "prefix");
});

test("generated bodies use every base62 digit about equally", () => {
  const counts = new Map();
  const n = 4000;
  for (let i = 0; i < n; i++) for (const c of tk.parseToken(tk.generateToken()).body) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 62);
  // 120,000 draws: expected ≈ 1935 per digit, binomial sd ≈ 43.6. Allow 6 sd (a false alarm about
  // once in 10^7 runs). A plain `byte % 62` without rejection would give digits 0-7 a 5/256
  // chance (≈ 2344, +9 sd) and fail here.
  const expected = (n * 30) / 62;
  const sd = Math.sqrt(n * 30 * (1 / 62) * (61 / 62));
  for (const [c, k] of counts) assert.ok(Math.abs(k - expected) < 6 * sd, `${c}: ${k}`);
});

test("token vectors: valid tokens parse and mask", () => {
  for (const v of tokens.valid) {
    assert.deepEqual({ ...tk.parseToken(v.token) }, { prefix: v.prefix, body: v.body, checksum: v.checksum });
    assert.equal(tk.maskToken(v.token), v.mask);
    assert.equal(tk.isWellFormedToken(v.token), true);
  }
});

test("token vectors: invalid tokens throw their code", () => {
  for (const v of tokens.invalid) {
    throwsCode(() => tk.parseToken(v.token), v.code);
    throwsCode(() => tk.maskToken(v.token), v.code);
    assert.equal(tk.isWellFormedToken(v.token), false, JSON.stringify(v.token));
  }
});

test("error messages never echo the token", () => {
  const t = tokens.valid[0].token;
  const typo = t.slice(0, 10) + (t[10] === "a" ? "b" : "a") + t.slice(11);
  for (const bad of [typo, t + "x", t.replace("_", "-")]) {
    try { tk.parseToken(bad); assert.fail("should throw"); } catch (e) { assert.ok(!e.message.includes(bad.slice(3, 20)), e.message); }
  }
});

test("tokenPattern finds tokens in text", () => {
  const [a, b] = [tokens.valid[0].token, tokens.valid[4].token];
  const found = `key=${a}, other: "${b}".`.match(new RegExp(tk.tokenPattern(), "g"));
  assert.deepEqual(found, [a, b]);
});

test("digest known answers via peppers and plain SHA-256", () => {
  for (const v of digests.tokenDigests) {
    assert.equal(tk.digestToken(v.token, v.pepper), v.digest);
    assert.equal(tk.verifyDigest(v.token, v.digest, v.pepper), true);
    assert.equal(tk.verifyDigest(v.token, v.digest, digests.peppers), true, "keyring");
    assert.equal(tk.verifyDigest(v.token + "x", v.digest, digests.peppers), false);
    assert.equal(tk.verifyDigest("", v.digest, digests.peppers), false);
  }
});

test("a pepper key may be a string or its UTF-8 bytes", () => {
  const p = digests.peppers[0];
  const bytes = { version: p.version, key: new TextEncoder().encode(p.key) };
  const t = tokens.valid[0].token;
  assert.equal(tk.digestToken(t, bytes), tk.digestToken(t, p));
  throwsCode(() => tk.digestToken(t, { version: "v1", key: "short" }), "weak_pepper");
  throwsCode(() => tk.digestToken(t, { version: "v 1", key: p.key }), "invalid_key_version");
  throwsCode(() => tk.digestToken(t, { version: "v1" }), "invalid_input", "pepper");
  throwsCode(() => tk.digestToken(t, "v1"), "invalid_input", "pepper");
  throwsCode(() => tk.digestToken(""), "empty_secret");
});

test("verifyDigest throws for malformed digests and missing pepper versions", () => {
  const t = tokens.valid[0].token;
  for (const v of digests.malformed) {
    throwsCode(() => tk.verifyDigest(t, v.digest), v.code);
    throwsCode(() => tk.parseDigest(v.digest), v.code);
  }
  const d = tk.digestToken(t, digests.peppers[0]);
  throwsCode(() => tk.verifyDigest(t, d), "unknown_key_version");
  throwsCode(() => tk.verifyDigest(t, d, digests.peppers[1]), "unknown_key_version");
  throwsCode(() => tk.verifyDigest(t, d, []), "unknown_key_version");
  // The same version label with a different key is simply a non-match.
  assert.equal(tk.verifyDigest(t, d, { version: "v1", key: digests.peppers[1].key }), false);
});

test("parseDigest", () => {
  const h = digests.sha256[0].digest;
  assert.deepEqual({ ...tk.parseDigest(`sha256:${h}`) }, { algorithm: "sha256", keyVersion: null, hex: h });
  assert.deepEqual({ ...tk.parseDigest(`hmac-sha256:v1:${h}`) }, { algorithm: "hmac-sha256", keyVersion: "v1", hex: h });
});

test("lifetime vectors: expiresAt and expiresAtMs", () => {
  for (const v of lifetimes.cases) {
    const label = `${JSON.stringify(v.lifetime)} from ${v.now}`;
    if (v.error) {
      throwsCode(() => tk.expiresAt(v.lifetime, v.now), v.error);
      throwsCode(() => tk.expiresAtMs(v.lifetime, v.now), v.error);
      continue;
    }
    assert.equal(tk.expiresAt(v.lifetime, v.now), v.expiresAt, label);
    const ms = tk.expiresAtMs(v.lifetime, Date.parse(v.now));
    assert.equal(ms, v.expiresAt === null ? null : Date.parse(v.expiresAt), label);
    assert.equal(tk.expiresAt(v.lifetime, new Date(v.now)), v.expiresAt, label);
    if (ms !== null) assert.equal(new Date(ms).toISOString(), v.expiresAt);
  }
});

test("now and instants: Date, epoch ms or RFC 3339; anything else is invalid_input", () => {
  const now = Date.UTC(2025, 0, 31, 10);
  const want = "2025-02-28T10:00:00.000Z";
  for (const n of [now, new Date(now), "2025-01-31T10:00:00Z", "2025-01-31T12:00:00+02:00", now + 0.4]) {
    assert.equal(tk.expiresAt("one-month", n), want, String(n));
  }
  for (const bad of [undefined, null, NaN, Infinity, new Date("nope"), "2025-01-31", "yesterday", {}, [], true, 10n, Symbol("x"), 1e20]) {
    throwsCode(() => tk.expiresAt("one-month", bad), "invalid_input", "now");
  }
  throwsCode(() => tk.expiresAt(1.5, now), "invalid_ttl");
  throwsCode(() => tk.expiresAt(NaN, now), "invalid_ttl");
  throwsCode(() => tk.expiresAt(Number.MIN_SAFE_INTEGER, now), "invalid_ttl");
  throwsCode(() => tk.expiresAt(Number.MAX_VALUE, now), "lifetime_overflow");
  throwsCode(() => tk.expiresAt({ seconds: 5 }, now), "invalid_input", "lifetime");
  assert.equal(tk.formatInstant("2025-01-01T02:00:00.123456+02:00"), "2025-01-01T00:00:00.123Z");
});

test("capExpiry: error (default) and clamp", () => {
  const now = "2025-01-01T00:00:00Z";
  const inTwoYears = tk.expiresAt("P2Y", now);
  throwsCode(() => tk.capExpiry(inTwoYears, "one-year", now), "lifetime_exceeds_maximum");
  throwsCode(() => tk.capExpiry(inTwoYears, "one-year", now, "error"), "lifetime_exceeds_maximum");
  throwsCode(() => tk.capExpiry(null, "one-year", now), "lifetime_exceeds_maximum");
  assert.equal(tk.capExpiry(inTwoYears, "one-year", now, "clamp"), "2026-01-01T00:00:00.000Z");
  assert.equal(tk.capExpiry(null, "one-year", now, "clamp"), "2026-01-01T00:00:00.000Z");
  assert.equal(tk.capExpiry("2025-06-01T00:00:00Z", "one-year", now), "2025-06-01T00:00:00.000Z");
  assert.equal(tk.capExpiry(null, "never", now), null);
  throwsCode(() => tk.capExpiry(null, "one-year", now, "Clamp"), "invalid_input", "mode");
});

test("checkOutlives: a child never outlives its issuer", () => {
  const a = "2025-01-01T00:00:00Z", b = "2026-01-01T00:00:00Z";
  assert.equal(tk.checkOutlives(a, b), undefined);
  assert.equal(tk.checkOutlives(a, a), undefined);
  assert.equal(tk.checkOutlives(null, null), undefined);
  assert.equal(tk.checkOutlives(b, null), undefined);
  throwsCode(() => tk.checkOutlives(b, a), "outlives_issuer");
  throwsCode(() => tk.checkOutlives(null, a), "outlives_issuer");
  throwsCode(() => tk.checkOutlives(undefined, new Date(a)), "outlives_issuer");
  throwsCode(() => tk.checkOutlives("soon", a), "invalid_input", "childExpiry");
});

test("rotationGraceExpiresAt = min(now + grace, token expiry)", () => {
  const now = "2025-01-01T00:00:00Z";
  assert.equal(tk.rotationGraceExpiresAt("P1D", "2026-01-01T00:00:00Z", now), "2025-01-02T00:00:00.000Z");
  assert.equal(tk.rotationGraceExpiresAt("P1D", "2025-01-01T12:00:00Z", now), "2025-01-01T12:00:00.000Z");
  assert.equal(tk.rotationGraceExpiresAt(3600, null, now), "2025-01-01T01:00:00.000Z");
  assert.equal(tk.rotationGraceExpiresAt("never", null, now), null);
  throwsCode(() => tk.rotationGraceExpiresAt(0, null, now), "invalid_ttl");
});

test("isExpired: now >= expiry", () => {
  const e = "2025-01-01T00:00:00Z";
  assert.equal(tk.isExpired(e, Date.parse(e) - 1), false);
  assert.equal(tk.isExpired(e, e), true);
  assert.equal(tk.isExpired(null, Date.UTC(9999, 0, 1)), false);
  // JS dates reach year 275760; tokenkit's instants stop at 9999-12-31 and say so.
  throwsCode(() => tk.isExpired(null, 8.64e15), "invalid_input", "now");
});

test("lifetimePresets lists every preset, each accepted", () => {
  const presets = tk.lifetimePresets();
  assert.deepEqual([...presets].sort(), ["30-days", "60-days", "7-days", "90-days", "one-month", "one-week", "one-year", "six-months", "three-months"]);
  for (const p of presets) assert.match(tk.expiresAt(p, 0), /^19(70|71)-/);
});

test("garbage of every JS type: a TokenkitError or a boolean, never anything else", () => {
  const garbage = [undefined, null, true, 0, -1, NaN, 1e308, 10n, "", "\u0000", "x".repeat(100000), "\uD800", Symbol("s"),
    {}, [], [1, 2], new Date(NaN), () => 1, new Uint8Array(3), new Map(), Object.create(null)];
  const fns = CORE_EXPORTS.filter((n) => !["tokenPattern", "lifetimePresets"].includes(n));
  let calls = 0;
  for (const name of fns) {
    for (const a of garbage) {
      for (const b of [a, garbage[0], "2025-01-01T00:00:00Z"]) {
        calls++;
        try {
          const r = tk[name](a, b, a);
          assert.ok(["boolean", "string", "number", "object", "undefined"].includes(typeof r), name);
        } catch (e) {
          assert.equal(e?.name, "TokenkitError", `${name}(${typeof a}): ${e}`);
          assert.equal(typeof e.code, "string");
        }
      }
    }
  }
  // The instance is still healthy afterwards (a panic would have trapped it).
  assert.ok(tk.isWellFormedToken(tk.generateToken()));
  assert.ok(calls > 500);
});

test("digestToken with peppers: the reused keyed pepper never mixes keys or versions (node:crypto HMAC as oracle)", async () => {
  const { createHmac } = await import("node:crypto");
  const t = tk.generateToken();
  const a = { version: "v1", key: "a".repeat(32) };
  const b = { version: "v1", key: "b".repeat(32) };
  const c = { version: "v2", key: "a".repeat(32) };
  const d = { version: "v1", key: new TextEncoder().encode("a".repeat(31) + "c") };
  const want = (p) => `hmac-sha256:${p.version}:${createHmac("sha256", Buffer.from(typeof p.key === "string" ? Buffer.from(p.key) : p.key)).update(t).digest("hex")}`;
  for (const p of [a, a, b, a, c, c, a, d, a, b, b]) assert.equal(tk.digestToken(t, p), want(p));
  throwsCode(() => tk.digestToken(t, { version: "v1", key: "a".repeat(31) }), "weak_pepper");
  assert.equal(tk.digestToken(t, a), want(a), "a refused pepper leaves the next call right");
  const { createHash } = await import("node:crypto");
  assert.equal(tk.digestToken(t), `sha256:${createHash("sha256").update(t).digest("hex")}`);
});

test("digestToken's scratch-buffer path: every length, non-ASCII, lone surrogates, changed peppers, re-entrant getters, grown memory (node:crypto as oracle)", async () => {
  const { createHash, createHmac } = await import("node:crypto");
  const sha = (t) => `sha256:${createHash("sha256").update(Buffer.from(t, "utf8")).digest("hex")}`;
  const hmac = (t, p) => `hmac-sha256:${p.version}:${createHmac("sha256", typeof p.key === "string" ? Buffer.from(p.key, "utf8") : Buffer.from(p.key)).update(Buffer.from(t, "utf8")).digest("hex")}`;
  const pepper = { version: "v1", key: "k".repeat(40) };
  // Lengths across the one-/two-block boundaries and the 256-byte token region (longer strings
  // take the general path); multi-byte characters at the region's end; lone surrogates become
  // U+FFFD in both paths, as in Buffer.from.
  const tokens = [];
  for (let n = 1; n <= 300; n++) tokens.push("t".repeat(n));
  for (let n = 240; n <= 260; n++) tokens.push("x".repeat(n) + "é🔑");
  tokens.push("ключ🔑", "\uD800", "a\uDC00b", "x".repeat(251) + "\uD83D", "x".repeat(4096));
  for (const t of tokens) {
    assert.equal(tk.digestToken(t), sha(t), `sha256, ${t.length} UTF-16 units`);
    assert.equal(tk.digestToken(t, pepper), hmac(t, pepper), `hmac, ${t.length} UTF-16 units`);
  }
  const t = tk.generateToken();
  // Keys and versions of every size around the regions' ends, string and bytes.
  for (const n of [32, 33, 64, 65, 200, 250, 251, 252, 253, 256, 300, 1000]) {
    const p = { version: "v" + n, key: "ä".repeat(n / 2) + "k".repeat(n - Math.floor(n / 2)) };
    assert.equal(tk.digestToken(t, p), hmac(t, p), `key of ${n} characters`);
    const q = { version: "b" + n, key: new TextEncoder().encode("q".repeat(n)) };
    assert.equal(tk.digestToken(t, q), hmac(t, q), `key of ${n} bytes`);
  }
  const v32 = { version: "v".repeat(32), key: pepper.key };
  assert.equal(tk.digestToken(t, v32), hmac(t, v32));
  throwsCode(() => tk.digestToken(t, { version: "v".repeat(33), key: pepper.key }), "invalid_key_version");
  throwsCode(() => tk.digestToken(t, { version: "v".repeat(100), key: pepper.key }), "invalid_key_version");
  // The same object, changed in place: never reused by identity.
  const same = { version: "v1", key: "a".repeat(32) };
  const bytes = { version: "v1", key: new TextEncoder().encode("a".repeat(32)) };
  assert.equal(tk.digestToken(t, same), hmac(t, same));
  same.key = "b".repeat(32);
  assert.equal(tk.digestToken(t, same), hmac(t, same));
  same.version = "v2";
  assert.equal(tk.digestToken(t, same), hmac(t, same));
  assert.equal(tk.digestToken(t, bytes), hmac(t, bytes));
  bytes.key[31] = 0x62;
  assert.equal(tk.digestToken(t, bytes), hmac(t, bytes));
  // A getter that calls digestToken itself (and grows memory) while the outer call reads the pepper.
  const other = tk.generateToken();
  const tricky = {
    version: "v1",
    get key() {
      assert.equal(tk.digestToken(other), sha(other));
      assert.equal(tk.digestToken(other, pepper), hmac(other, pepper));
      tk.applyPatchJson(JSON.stringify({ big: "z".repeat(1 << 20) }), JSON.stringify([{ op: "add", path: "/x", value: 1 }]));
      return "g".repeat(32);
    },
  };
  assert.equal(tk.digestToken(t, tricky), hmac(t, { version: "v1", key: "g".repeat(32) }));
  // Memory grown between calls (a large patch document): the cached views are renewed.
  tk.applyPatchJson(JSON.stringify({ big: "y".repeat(8 << 20) }), "[]");
  assert.equal(tk.digestToken(t), sha(t));
  assert.equal(tk.digestToken(t, pepper), hmac(t, pepper));
  // Bad input still gets the same errors, and leaves the next call right.
  throwsCode(() => tk.digestToken(42), "invalid_input", "token");
  throwsCode(() => tk.digestToken({ toString: () => t }), "invalid_input", "token");
  throwsCode(() => tk.digestToken(t, { version: 1, key: pepper.key }), "invalid_input", "pepper");
  throwsCode(() => tk.digestToken(t, { version: "v1", key: 7 }), "invalid_input", "pepper");
  throwsCode(() => tk.digestToken(t, [pepper]), "invalid_input", "pepper");
  throwsCode(() => tk.digestToken("", pepper), "empty_secret");
  assert.equal(tk.digestToken(t, pepper), hmac(t, pepper));
});
