// Fixed inputs through every API area of tokenkit, added by tests/package/vite-app.test.mjs to
// its copy of examples/vite-app: in the page it renders the answers into <pre id="answers">,
// and Node imports the same module in the same project to compute them; the two must be equal.
import * as tk from "tokenkit";

export const SAMPLE_TOKEN = "tk_HLRMjfJvuln0Cngl0EAq7s3PBwhKr80Y7zKG";
const PEPPER = { version: "v1", key: "a demo pepper of thirty-two bytes or more" };

export function answers() {
  const typo = SAMPLE_TOKEN.slice(0, -1) + "H";
  let typoCode = null;
  try {
    tk.parseToken(typo);
  } catch (e) {
    typoCode = tk.isTokenkitError(e) && e instanceof tk.TokenkitError ? e.code : String(e);
  }
  const stored = tk.digestToken(SAMPLE_TOKEN, PEPPER);
  const scope = { language: "privileges", privileges: ["orders:*", "users:read"] };
  const row = { digest: stored, revokedAt: null, expiresAt: Date.parse("2030-01-01T00:00:00Z") };
  return {
    parsed: tk.parseToken(SAMPLE_TOKEN),
    masked: tk.maskToken(SAMPLE_TOKEN),
    typoCode,
    presented: tk.checkPresented("not a token")?.code ?? "ok",
    digest: stored,
    plainDigest: tk.digestToken(SAMPLE_TOKEN),
    verifies: tk.verifyDigest(SAMPLE_TOKEN, stored, PEPPER),
    otherVerifies: tk.verifyDigest(typo, stored, PEPPER),
    verdict: tk.decideVerification(row, stored, Date.parse("2026-01-01T00:00:00Z")).code,
    expires: tk.expiresAt("one-month", "2025-01-31T10:00:00Z"),
    covers: tk.scopeCovers(scope, { language: "privileges", privileges: ["orders:read"] }),
    notCovers: tk.scopeCovers(scope, { language: "privileges", privileges: ["users:delete"] }),
    summary: tk.summarizeScope(scope),
    patched: tk.applyPatch({ name: "ci", tags: [] }, [
      { op: "replace", path: "/name", value: "deploy" },
      { op: "add", path: "/tags/-", value: "prod" },
    ]),
    patchedText: tk.applyPatchJson('{"b": 1.50, "a": [1]}', '[{"op": "add", "path": "/a/-", "value": 2}]'),
    fresh: tk.isWellFormedToken(tk.generateToken()),
  };
}

if (typeof document !== "undefined") {
  const pre = document.createElement("pre");
  pre.id = "answers";
  pre.textContent = JSON.stringify(answers(), null, 2);
  document.body.append(pre);
}
