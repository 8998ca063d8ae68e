// Writes the seed corpus of every fuzz target from tests/vectors into fuzz/corpus/<target>/
// (git-ignored; libFuzzer adds what it finds next to the seeds). Idempotent: a seed's file name
// is the hash of its bytes. Each seed is one raw-mode input: a mode byte, then text, in the
// layout the target documents (see docs/fuzzing.md).
//
//   node fuzz/seed-corpus.mjs [corpus-dir]     → prints "seeds: <target> <n> ..." on one line
import { createHash, createHmac } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = process.argv[2] ?? join(root, "fuzz", "corpus");
const vec = (p) => JSON.parse(readFileSync(join(root, "tests", "vectors", p), "utf8"));
const seeds = new Map();
const add = (target, mode, text) => {
  if (!seeds.has(target)) seeds.set(target, []);
  seeds.get(target).push(Buffer.concat([Buffer.from([mode]), Buffer.from(text, "utf8")]));
};
const J = (v) => JSON.stringify(v);

// secret: "<token>"
const tokens = vec("secret/tokens.json");
for (const t of [...tokens.valid, ...tokens.invalid]) add("secret", 0, t.token);

// digest: "<stored>\n<secret>"
const dg = vec("digest/vectors.json");
for (const t of dg.tokenDigests) add("digest", 0, `${t.digest}\n${t.token}`);
for (const m of dg.malformed) add("digest", 0, `${m.digest}\nx`);
for (const h of dg.sha256) add("digest", 0, `sha256:${h.digest}\n${Buffer.from(h.messageHex, "hex").toString("latin1")}`);

// lifetime: "<lifetime>\n<now>"
for (const c of vec("lifetime/expiry.json").cases) add("lifetime", 0, `${c.lifetime}\n${c.now ?? ""}`);

// scope_parse: "<scope>\n<request>…"; glob: "<spec>\n<value>…"
const checks = vec("scope/checks.json");
for (const c of checks) {
  add("scope_parse", 0, `${J(c.scope)}\n${J(c.request)}`);
  for (const st of c.scope.inlineRole ?? []) {
    for (const spec of [...(st.resources ?? []), ...(st.notResources ?? [])]) add("glob", 0, `${spec}\n${c.request.resource ?? ""}`);
    for (const spec of [...(st.actions ?? []), ...(st.notActions ?? [])]) add("glob", 0, `${spec}\n${c.request.action}`);
  }
}
for (const c of vec("scope/covers.json")) add("scope_parse", 0, `${J(c.parent)}\n${J({ action: "read" })}`), add("scope_parse", 0, J(c.child));
for (const c of vec("scope/invalid.json")) add("scope_parse", 0, J(c.scope));

// patch_apply: "<doc>\n<patch>" from the json-patch-tests suite
for (const f of ["json-patch-tests/tests.json", "json-patch-tests/spec_tests.json"]) {
  for (const c of vec(f)) if (c.doc !== undefined && c.patch !== undefined) add("patch_apply", 0, `${J(c.doc)}\n${J(c.patch)}`);
}

// token_patch: "<token>\n<patch>" (mode bit 1: LaunchDarkly)
const tk = { id: "t1", name: "ci", scope: { language: "privileges", privileges: ["orders:read"] }, expiresAt: "2030-01-01T00:00:00Z", digest: "sha256:00" };
add("token_patch", 0, `${J(tk)}\n${J([{ op: "replace", path: "/expiresAt", value: "2029-06-01T00:00:00Z" }])}`);
add("token_patch", 0, `${J(tk)}\n${J([{ op: "add", path: "/scope/privileges/-", value: "orders:write" }, { op: "test", path: "/name", value: "ci" }])}`);
add("token_patch", 0, `${J(tk)}\n${J([{ op: "copy", from: "/digest", path: "/name" }])}`);
const ldt = { _id: "x", name: "n", role: "reader", inlineRole: [], _version: 1 };
add("token_patch", 2, `${J(ldt)}\n${J({ comment: "c", patch: [{ op: "replace", path: "/role", value: "writer" }] })}`);

// dialects: mode = (operation << 1) | (fixed caller << 3), text = body / query / segment
const dialect = (name, target, ops) => {
  for (const c of vec(`dialect/${name}.json`).cases) {
    const m = ops[c.op];
    if (!m) continue;
    const [op, text] = m(c);
    for (const caller of [0, 1, 2]) add(target, (op << 1) | (caller << 3), text);
  }
};
dialect("s2", "dialect_s2", {
  issue: (c) => [0, c.body],
  list: (c) => [1, c.query],
  list_ids: (c) => [1, c.query],
  revoke: (c) => [2, c.segment],
  credential: (c) => [3, [c.credentials.authorization ?? "", c.credentials.xAccessToken ?? "", c.credentials.accessTokenQuery ?? ""].join("\n")],
});
dialect("akinon", "dialect_akinon", { create: (c) => [0, c.body], token_id: (c) => [2, c.raw], delete: (c) => [2, c.raw], list: () => [3, ""] });
dialect("launchdarkly", "dialect_launchdarkly", {
  create: (c) => [0, c.body],
  patch: (c) => [1, c.body],
  list: (c) => [2, c.query],
  list_ids: (c) => [2, c.query],
  reset: (c) => [3, c.query],
});
dialect("space", "dialect_space", { create: (c) => [0, c.body ?? ""], delete: (c) => [2, c.tokenId], list: (c) => [3, `m1\n${c.body ?? ""}`] });

// webhook: mode 0 "<header>\n<body>" (a signature of "1767225600.{}" under the target's secret),
// mode 1 "<url>"
{
  const secret = "whsec_fuzzfuzzfuzzfuzzfuzzfuzzfuzz000000";
  const mac = createHmac("sha256", secret).update("1767225600.{}").digest("hex");
  add("webhook", 0, `t=1767225600,v1=${mac}\n{}`);
  add("webhook", 0, `t=1767225600,v0=abc,v1=${"0".repeat(64)},v1=${mac}\n{}`);
  for (const u of ["https://hooks.example.com/tk?x=1", "http://127.0.0.1:9000/hook", "https://[::1]:8443/", "https://user:pw@example.com/", "http://localhost./x"]) add("webhook", 1, u);
}

const counts = [];
for (const [target, list] of seeds) {
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  const names = new Set();
  for (const s of list) {
    const name = `seed-${createHash("sha1").update(s).digest("hex").slice(0, 16)}`;
    names.add(name);
    writeFileSync(join(dir, name), s);
  }
  counts.push(`${target} ${names.size}`);
}
console.log(`seeds: ${counts.join(", ")}`);
