// How many stored digests are on each pepper version: what must move to the current pepper
// before an older version can be removed from the keyring (docs/service.md, "Pepper rotation").
//
//   node scripts/pepper-report.mjs [--persist-to DIR | --remote] [--env NAME] [--config FILE]
//                                  [--secrets-file FILE | --secrets-file -] [--json]
//   make pepper-report                          (the local database of `make run`)
//
// A digest names its version in its text (`hmac-sha256:<version>:…`; `sha256:…` is no pepper),
// so the counts need no pepper; the settings (read as the root bootstrap reads them: a
// .dev.vars-style file or stdin, then the environment — never argv) say which version is current
// and which are configured. Counted per version:
//   tokens   — live tokens (not revoked, not expired) whose current secret is on it;
//   inGrace  — live tokens whose rotated-out secret, still in its grace, is on it;
//   retired  — retired secrets of live tokens kept for reuse detection.
// A version is safe to remove when its tokens and inGrace are 0: a token still on a removed
// version stops verifying (401 unknown_token); a retired secret on it is no longer recognised as
// reuse. `stillOnOldVersions` is the sum of tokens + inGrace over every version but the current.
// Exit status 0; 3 with --fail-if-old when stillOnOldVersions > 0 (for scripts).
import { readFileSync } from "node:fs";
import { args, d1, readSecrets } from "./d1-cli.mjs";
import { initSync, pepperRing } from "../pkg/full/tokenkit.js";

initSync({ module: readFileSync(new URL("../pkg/full/tokenkit_bg.wasm", import.meta.url)) });

const s = readSecrets(["TOKENKIT_PEPPERS", "TOKENKIT_PEPPER", "TOKENKIT_PEPPER_VERSION"]);
const ring = pepperRing(s.TOKENKIT_PEPPERS, s.TOKENKIT_PEPPER, s.TOKENKIT_PEPPER_VERSION);
const current = ring.current?.version ?? "";
const now = Date.now();
// The version in a digest's text: `hmac-sha256:` is 12 characters, `:` + 64 hex the last 65.
const version = (col) => `CASE WHEN ${col} LIKE 'hmac-sha256:%' THEN substr(${col}, 13, length(${col}) - 77) ELSE '' END`;
const live = `t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now})`;
const rows = d1(
  `SELECT 'tokens' AS kind, ${version("t.digest")} AS version, COUNT(*) AS n FROM tokens t WHERE ${live} GROUP BY 2 ` +
    `UNION ALL SELECT 'inGrace', ${version("t.prev_digest")}, COUNT(*) FROM tokens t WHERE ${live} AND t.prev_digest IS NOT NULL AND t.prev_expires_at > ${now} GROUP BY 2 ` +
    `UNION ALL SELECT 'retired', ${version("r.digest")}, COUNT(*) FROM retired_secrets r JOIN tokens t ON t.seq = r.token_seq WHERE ${live} GROUP BY 2 ` +
    `UNION ALL SELECT 'retired', ${version("t.prev_digest")}, COUNT(*) FROM tokens t WHERE ${live} AND t.prev_digest IS NOT NULL AND (t.prev_expires_at IS NULL OR t.prev_expires_at <= ${now}) GROUP BY 2`,
)[0].results;

const configured = ring.peppers.map((p) => p.version);
const byVersion = new Map();
for (const v of [current, ...configured]) byVersion.set(v, { version: v, current: v === current, configured: v === "" ? current === "" : configured.includes(v), tokens: 0, inGrace: 0, retired: 0 });
for (const r of rows) {
  if (!byVersion.has(r.version)) byVersion.set(r.version, { version: r.version, current: r.version === current, configured: false, tokens: 0, inGrace: 0, retired: 0 });
  byVersion.get(r.version)[r.kind] += r.n;
}
const versions = [...byVersion.values()].filter((v) => v.version !== "" || v.current || v.tokens + v.inGrace + v.retired > 0);
const stillOnOldVersions = versions.filter((v) => !v.current).reduce((n, v) => n + v.tokens + v.inGrace, 0);
const report = { current: current || null, versions, stillOnOldVersions };

if (args.includes("--json")) console.log(JSON.stringify(report));
else {
  const name = (v) => (v === "" ? "(no pepper: sha256)" : v);
  console.log(`current pepper version: ${name(current)}`);
  for (const v of versions) {
    const tags = [v.current ? "current" : null, v.configured ? "configured" : "NOT configured"].filter(Boolean).join(", ");
    console.log(`  ${name(v.version)} (${tags}): ${v.tokens} tokens, ${v.inGrace} rotated-out secrets in their grace, ${v.retired} retired secrets`);
  }
  console.log(
    stillOnOldVersions === 0
      ? "nothing verifies under an older version: every version but the current may be removed"
      : `${stillOnOldVersions} secrets still verify only under an older version: they move when next used; removing their version makes them unknown`,
  );
}
if (args.includes("--fail-if-old") && stillOnOldVersions > 0) process.exit(3);
