// Leak reports, reuse and the pepper keyring at the package boundary: the decisions the token
// service asks for (src/rules/leaks.rs, verify.rs, peppers.rs), checked as a consumer calls them.
// The signature path runs end to end with WebCrypto: a key pair made here, GitHub's DER
// signature converted by the core, verified by crypto.subtle.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign, webcrypto } from "node:crypto";
import * as tk from "./tokenkit.mjs";

const pair = () => generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const pem = (k) => k.publicKey.export({ type: "spki", format: "pem" });
const errorOf = (fn) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
};

async function verifyWith(check, body) {
  const key = await webcrypto.subtle.importKey("spki", check.spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  return webcrypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, check.signature, body);
}

test("leakSignatureCheck: the named key and the DER signature as r‖s, which WebCrypto verifies", async () => {
  const a = pair();
  const b = pair();
  const doc = JSON.stringify({ public_keys: [{ key_identifier: "a", key: pem(a), is_current: true }, { key_identifier: "b", key: pem(b), is_current: false }] });
  const body = Buffer.from('[{"token":"x","type":"t"}]');
  // Many signatures: DER integers of 31, 32 and 33 bytes all occur.
  for (let i = 0; i < 40; i++) {
    const der = sign("sha256", body, a.privateKey);
    const check = tk.leakSignatureCheck(doc, "a", der.toString("base64"));
    assert.ok(check.spki instanceof Uint8Array && check.spki.length === 91);
    assert.equal(check.signature.length, 64);
    assert.equal(await verifyWith(check, body), true, `signature ${i}`);
    assert.equal(await verifyWith(check, Buffer.from('[{"token":"y","type":"t"}]')), false, "another body");
    assert.equal(await verifyWith(tk.leakSignatureCheck(doc, "b", der.toString("base64")), body), false, "another key");
  }
  tk.requireLeakSignature(true);
  const e = errorOf(() => tk.requireLeakSignature(false));
  assert.deepEqual([e.code, e.status, e.field], ["invalid_signature", 401, "GITHUB-PUBLIC-KEY-SIGNATURE"]);
  const sig = sign("sha256", body, a.privateKey).toString("base64");
  for (const [args, code, status] of [
    [[undefined, "a", sig], "scanning_not_configured", 503],
    [["{}", "a", sig], "invalid_scanning_keys", 503],
    [[doc, undefined, sig], "missing_signature", 401],
    [[doc, "a", undefined], "missing_signature", 401],
    [[doc, "zz", sig], "unknown_key_identifier", 401],
    [[doc, "a", "%%%"], "malformed_signature", 401],
  ]) {
    const err = errorOf(() => tk.leakSignatureCheck(...args));
    assert.ok(tk.isTokenkitError(err));
    assert.deepEqual([err.code, err.status], [code, status], JSON.stringify(args.map((x) => String(x).slice(0, 20))));
  }
});

test("parseLeakReport, classifyLeakCandidate, labelLeak", () => {
  const live = tk.generateToken();
  const [c] = tk.parseLeakReport(JSON.stringify([{ token: live, type: "tokenkit_token", url: "https://e.test", source: "commit" }]));
  assert.deepEqual(c, { token: live, type: "tokenkit_token", url: "https://e.test", source: "commit" });
  assert.deepEqual(tk.classifyLeakCandidate(live), { tokenHash: createHash("sha256").update(live).digest("hex"), lookup: true });
  assert.equal(tk.classifyLeakCandidate(live.slice(0, -1) + (live.at(-1) === "A" ? "B" : "A")).lookup, false);
  assert.equal(tk.classifyLeakCandidate("ghp_" + "x".repeat(36)).lookup, false);
  const now = Date.now();
  assert.deepEqual(tk.labelLeak({ digest: "d" }, "d", now), { label: "true_positive", action: "revoke", code: "ok" });
  assert.deepEqual(tk.labelLeak({ digest: "d", revokedAt: 1 }, "d", now), { label: "false_positive", action: "none", code: "revoked" });
  assert.equal(tk.labelLeak(null, "d", now).label, "false_positive");
  // the account's policy: disable instead of revoke (a live token only)
  assert.deepEqual(tk.labelLeak({ digest: "d" }, "d", now, { onLeak: "disable" }), { label: "true_positive", action: "disable", code: "ok" });
  assert.deepEqual(tk.labelLeak({ digest: "d", disabledAt: 1 }, "d", now, { onLeak: "disable" }), { label: "false_positive", action: "none", code: "disabled" });
  const e = errorOf(() => tk.parseLeakReport('[{"token": 1, "type": "t"}]'));
  assert.deepEqual([e.code, e.status, e.field], ["invalid_field", 422, "[0].token"]);
  assert.deepEqual(tk.leakLimits(), { maxBytes: 1048576, maxCandidates: 1000 });
});

test("reuse: a retired secret is reused_secret with revoke; the kept count", () => {
  const now = Date.now();
  const v = tk.decideVerification({ digest: "cur", previousDigest: "old", previousExpiresAt: now - 1 }, "old", now);
  assert.deepEqual([v.valid, v.code, v.rule, v.revoke], [false, "reused_secret", "reuse", true]);
  const w = tk.decideVerification({ digest: "cur", retiredDigest: "older" }, "older", now);
  assert.deepEqual([w.code, w.revoke], ["reused_secret", true]);
  assert.equal(tk.decideVerification({ digest: "cur" }, "cur", now).revoke, false);
  assert.equal(tk.retiredSecretsKept(), 10);
});

test("pepperRing and needsRedigest", () => {
  const k1 = "k".repeat(32);
  const k2 = "m".repeat(32);
  assert.deepEqual(tk.pepperRing(undefined, undefined, undefined), { current: null, peppers: [] });
  assert.deepEqual(tk.pepperRing(undefined, k1, undefined), { current: { version: "v1", key: k1 }, peppers: [{ version: "v1", key: k1 }] });
  const ring = tk.pepperRing(JSON.stringify({ current: 2, peppers: { 2: k2 } }), k1, "v1");
  assert.deepEqual(ring.peppers.map((p) => p.version), ["2", "v1"]);
  const e = errorOf(() => tk.pepperRing(JSON.stringify({ current: "9", peppers: { 2: k2 } })));
  assert.deepEqual([e.code, e.field], ["invalid_pepper_config", "TOKENKIT_PEPPERS.current"]);
  const old = tk.digestToken(tk.generateToken(), { version: "v1", key: k1 });
  assert.equal(tk.needsRedigest(old, "2"), true);
  assert.equal(tk.needsRedigest(old, "v1"), false);
  assert.equal(tk.needsRedigest(old, null), false);
});
