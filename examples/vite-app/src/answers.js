// Fixed inputs through every API area of tokenkit: the page shows the result, and the package's
// test (tests/package/) computes the same in Node and compares the two.
export const SAMPLE_TOKEN = "tk_HLRMjfJvuln0Cngl0EAq7s3PBwhKr80Y7zKG";
export const PEPPER = { version: "v1", key: "a demo pepper of thirty-two bytes or more" };

export function answers(tk) {
  const typo = SAMPLE_TOKEN.slice(0, -1) + "H";
  let typoCode = null;
  try {
    tk.parseToken(typo);
  } catch (e) {
    typoCode = tk.isTokenkitError(e) ? e.code : String(e);
  }
  const stored = tk.digestToken(SAMPLE_TOKEN, PEPPER);
  const scope = { language: "privileges", privileges: ["orders:*", "users:read"] };
  return {
    parsed: tk.parseToken(SAMPLE_TOKEN),
    masked: tk.maskToken(SAMPLE_TOKEN),
    typoCode,
    presented: tk.checkPresented("not a token")?.code ?? "ok",
    digest: stored,
    verifies: tk.verifyDigest(SAMPLE_TOKEN, stored, PEPPER),
    otherVerifies: tk.verifyDigest(typo, stored, PEPPER),
    expires: tk.expiresAt("30-days", "2026-01-01T00:00:00Z"),
    covers: tk.scopeCovers(scope, { language: "privileges", privileges: ["orders:read"] }),
    notCovers: tk.scopeCovers(scope, { language: "privileges", privileges: ["users:delete"] }),
    summary: tk.summarizeScope(scope),
    patched: tk.applyPatch({ name: "ci", tags: [] }, [
      { op: "replace", path: "/name", value: "deploy" },
      { op: "add", path: "/tags/-", value: "prod" },
    ]),
    fresh: tk.isWellFormedToken(tk.generateToken()),
  };
}
