// POST /tk/v1/leaks: leak reports from secret scanners, in GitHub's secret-scanning partner
// format (docs/leaks.md). Every decision is the core's (src/rules/leaks.rs through the package):
// the key listing and the signature headers (leakSignatureCheck), the body (parseLeakReport),
// each candidate before any read (classifyLeakCandidate) and after its lookup (labelLeak). This
// file verifies the ECDSA signature with WebCrypto, reads the rows of the well-formed candidates
// in as few D1 queries as it can, revokes the live ones (incidents.js) and answers.
import { fail, json, readBytes, ruled } from "../http.js";
import { storedState } from "../auth.js";
import { compromised } from "../incidents.js";
import { Store } from "../store.js";

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" };
const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" };

/**
 * The request's D1 binding, counting the statements it prepares: the report's log line says how
 * many a report cost (a report of malformed or wrong-checksum candidates costs none).
 */
function countingDb(db) {
  const counter = { statements: 0 };
  return {
    counter,
    db: {
      prepare(query) {
        counter.statements++;
        return db.prepare(query);
      },
      batch: (statements) => db.batch(statements),
    },
  };
}

export async function report(request, ctx) {
  const { tk, env, now } = ctx;
  // The headers and the key first: a request without a valid key is refused before its body
  // is read or parsed.
  const keyId = request.headers.get("github-public-key-identifier");
  const check = ruled(() => tk.leakSignatureCheck(env.TOKENKIT_SECRET_SCANNING_KEYS || undefined, keyId ?? undefined, request.headers.get("github-public-key-signature") ?? undefined));
  const limits = tk.leakLimits();
  const body = await readBytes(request, limits.maxBytes);
  let key;
  try {
    key = await crypto.subtle.importKey("spki", check.spki, ECDSA_P256, false, ["verify"]);
  } catch {
    throw fail(503, "invalid_scanning_keys", "the configured scanner key with this identifier is not a valid P-256 public key");
  }
  const verified = await crypto.subtle.verify(ECDSA_SHA256, key, check.signature, body);
  ruled(() => tk.requireLeakSignature(verified));
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") throw fail(415, "unsupported_media_type", "content-type must be application/json");
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw fail(400, "invalid_encoding", "request body is not UTF-8");
  }
  const candidates = ruled(() => tk.parseLeakReport(text));

  // Before any read: each candidate's hash, and whether it is a tokenkit token with a valid
  // checksum. Only those are looked up, all in one query (per 100 digests).
  const counted = countingDb(env.DB);
  const store = new Store({ ...env, DB: counted.db }, tk);
  const classified = candidates.map((c) => ({ ...c, ...tk.classifyLeakCandidate(c.token) }));
  const wanted = classified.filter((c) => c.lookup);
  if (wanted.length > 0) await store.prefetch(wanted.map((c) => c.token));

  const answer = [];
  const labels = new Map(); // a token reported twice gets the label of its first lookup
  let revoked = 0;
  let disabled = 0;
  const policies = new Map(); // account -> its policy (onLeak), read once per report
  const policyOf = async (account) => {
    if (!policies.has(account)) policies.set(account, await store.policy(account));
    return policies.get(account);
  };
  for (const c of classified) {
    let label = "false_positive";
    if (c.lookup && labels.has(c.token)) label = labels.get(c.token);
    else if (c.lookup) {
      const { digest, row } = await store.find(c.token);
      // The account's policy decides between revoking and disabling a live token (onLeak).
      const l = tk.labelLeak(row ? storedState(row) : null, digest, now, row ? await policyOf(row.account_id) : null);
      label = l.label;
      labels.set(c.token, label);
      if (l.action !== "none" && (await compromised({ ...ctx, store, env: { ...env, DB: counted.db } }, row, "leaked", { url: c.url, source: c.source }, l.action))) {
        if (l.action === "disable") disabled++;
        else revoked++;
      }
    }
    answer.push({ token_hash: c.tokenHash, token_type: c.type, label });
  }
  // One line per report: counts only (never a candidate, a hash of one, or where it was found).
  console.log(
    JSON.stringify({ msg: "leak_report", requestId: ctx.requestId, keyIdentifier: String(keyId).slice(0, 256), candidates: candidates.length, lookedUp: wanted.length, truePositives: answer.filter((a) => a.label === "true_positive").length, revoked, disabled, d1Statements: counted.counter.statements }),
  );
  return json(answer);
}
