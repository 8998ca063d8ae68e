// Creates the root account, its owner and the root admin token on first start, if none exists —
// and a new root token when the root account has no live one left (revoked or expired).
// The secret is printed once (or taken from TOKENKIT_ROOT_TOKEN); only its digest is stored.
//
//   node scripts/bootstrap-root.mjs [--persist-to DIR | --remote] [--env NAME] [--config FILE]
//                                   [--secrets-file FILE | --secrets-file -] [--json]
//
// Secrets (TOKENKIT_PEPPERS, TOKENKIT_PEPPER, TOKENKIT_PEPPER_VERSION, TOKENKIT_ROOT_TOKEN) never come from argv,
// which any user sees in `ps`: they are read from a .dev.vars-style file (KEY=value lines;
// `--secrets-file -` reads it from stdin), then from the environment for the keys the file does
// not set. Locally, without --secrets-file, the file is worker/.dev.vars (worker/.dev.vars.NAME
// first with --env NAME), the one `wrangler dev` gives the worker, so both digest alike.
// --remote writes to the deployed D1 database (wrangler must be logged in, and --config names a
// config with the database's id: `make deploy` writes one, docs/deploy.md); give it the pepper
// given to `wrangler secret put` so the digest matches.
import { readFileSync } from "node:fs";
import { args, d1, readSecrets } from "./d1-cli.mjs";
import { initSync, generateToken, parseToken, digestToken, maskToken, pepperRing } from "../pkg/full/tokenkit.js";

initSync({ module: readFileSync(new URL("../pkg/full/tokenkit_bg.wasm", import.meta.url)) });

const asJson = args.includes("--json");
const secrets = readSecrets(["TOKENKIT_PEPPERS", "TOKENKIT_PEPPER", "TOKENKIT_PEPPER_VERSION", "TOKENKIT_ROOT_TOKEN"]);

const rootAccount = d1("SELECT id FROM accounts WHERE is_root = 1 ORDER BY created_at LIMIT 1")[0].results[0];
const now = Date.now();
// A live root admin token: an owner of the root account holding the plain owner policy, neither
// revoked nor expired. Without one (the last was revoked, or expired) the root is locked out, so
// a new root token is issued to the root account's first owner — the recovery is to run this again.
const live = rootAccount
  ? d1(
      `SELECT COUNT(*) AS n FROM tokens t JOIN members m ON m.id = t.owner_id WHERE t.account_id = '${rootAccount.id}' AND m.role = 'owner' ` +
        `AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ${now}) AND json_extract(t.scope, '$.language') = 'policy' ` +
        `AND json_extract(t.scope, '$.role') = 'owner' AND COALESCE(json_array_length(json_extract(t.scope, '$.inlineRole')), 0) = 0`,
    )[0].results[0].n
  : 0;
if (live > 0) {
  if (asJson) console.log(JSON.stringify({ created: false }));
  else console.log("tokenkit: the root token already exists (it was shown once, at first start).");
  process.exit(0);
}

const token = secrets.TOKENKIT_ROOT_TOKEN || generateToken();
parseToken(token); // a malformed TOKENKIT_ROOT_TOKEN stops here with its error code
// The worker's keyring (the core's pepperRing): the digest under the current pepper, as the
// worker stores new ones; a reissued token must not be stored under any configured version.
const ring = pepperRing(secrets.TOKENKIT_PEPPERS, secrets.TOKENKIT_PEPPER, secrets.TOKENKIT_PEPPER_VERSION);
const digest = digestToken(token, ring.current ?? undefined);
const known = [digest, ...ring.peppers.slice(1).map((p) => digestToken(token, p))].map((d) => `'${d}'`).join(", ");
// (a fresh database holds no token, so the check costs a query only on a reissue)
if (rootAccount && d1(`SELECT COUNT(*) AS n FROM tokens WHERE digest IN (${known}) OR prev_digest IN (${known})`)[0].results[0].n > 0) {
  console.error("tokenkit: TOKENKIT_ROOT_TOKEN is already stored (revoked or rotated out); choose another token");
  process.exit(1);
}
const hex = (n) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
const owner = rootAccount ? d1(`SELECT id FROM members WHERE account_id = '${rootAccount.id}' AND role = 'owner' ORDER BY created_at LIMIT 1`)[0].results[0] : undefined;
const account = rootAccount?.id ?? hex(12);
const member = owner?.id ?? hex(12);
const id = hex(12);
const scope = JSON.stringify({ language: "policy", role: "owner", customRoleIds: [], inlineRole: [] }).replaceAll("'", "''");
d1(
  (rootAccount ? "" : `INSERT INTO accounts (id, name, is_root, created_at) VALUES ('${account}', 'root', 1, ${now});`) +
    (owner ? "" : `INSERT INTO members (id, account_id, name, role, created_at) VALUES ('${member}', '${account}', 'root', 'owner', ${now});`) +
    `INSERT INTO tokens (id, account_id, owner_id, dialect, name, description, scope, scope_language, digest, hint, meta, created_at, updated_at, expires_at, version) ` +
    `VALUES ('${id}', '${account}', '${member}', 'tokenkit', 'root', '${rootAccount ? "reissued by make run (no live root token)" : "created by make run"}', '${scope}', 'policy', '${digest}', '${maskToken(token)}', '{}', ${now}, ${now}, NULL, 1);`,
);
if (asJson) {
  console.log(JSON.stringify({ created: true, token, account, member, id }));
} else {
  console.log("");
  console.log("tokenkit: created the root admin token. It is shown ONCE; store it in your password manager:");
  console.log("");
  console.log(`    ${token}`);
  console.log("");
}
