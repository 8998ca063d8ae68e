// API fuzzing (issue 9, part 2): starts a real `wrangler dev` through the test harness, runs
// schemathesis against the OpenAPI document the worker serves at /openapi.json, authenticated
// with the root token, then stops the service. Checks: no 5xx, every status, content type,
// header and body as documented. Bounded: FUZZ_MAX_EXAMPLES cases per operation and phase
// (default 25; the stage uses 40), a hard FUZZ_TIMEOUT_S (default 300 s). FUZZ_SEED repeats a run;
// FUZZ_CHECKS=all adds schemathesis's acceptance checks (see docs/hardening.md), FUZZ_SCHEMA a local copy.
//
//   node scripts/api-fuzz.mjs           (scripts/stages/60-api-fuzz.sh installs schemathesis first)
//
// Ends with "N passed, N failed": the API operations schemathesis tested (an operation fails when
// any check failed on any of its cases), plus three checks of this script: the worker logged no
// error, the service is up and the root token still works, and schemathesis itself ran to completion.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { startService, ROOT } from "../worker/test/harness.mjs";

const ST = process.env.SCHEMATHESIS ?? join(ROOT, ".venv/schemathesis/bin/st");
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? "25";
const TIMEOUT_S = Number(process.env.FUZZ_TIMEOUT_S ?? "300");
const SEED = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const CHECKS = process.env.FUZZ_CHECKS ? process.env.FUZZ_CHECKS.split(",") : ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance", "response_schema_conformance"];

const out = mkdtempSync(join(tmpdir(), "tokenkit-fuzz-"));
let passed = 0;
let failed = 0;
const verdict = (ok, what) => {
  console.log(`${ok ? "ok" : "FAILED"}: ${what}`);
  ok ? passed++ : failed++;
};

// A webhook key, so that POST …/webhooks is fuzzed past its 503 webhooks_unavailable (a deployment
// without one), and a scanner key listing, so POST /tk/v1/leaks answers as deployed (its signature
// checks: 401s) rather than 503 scanning_not_configured. Its private key is dropped: no fuzzed report verifies.
const scanner = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "pem" });
const svc = await startService({
  env: {
    TOKENKIT_WEBHOOK_KEY: "api-fuzz-webhook-key-0123456789abcdef",
    TOKENKIT_SECRET_SCANNING_KEYS: JSON.stringify({ public_keys: [{ key_identifier: "fuzz", key: scanner, is_current: true }] }),
  },
});
let stdout = "";
try {
  const junit = join(out, "junit.xml");
  const stats = join(out, "stats.json");
  const args = [
    "run", process.env.FUZZ_SCHEMA ?? `${svc.base}/openapi.json`,
    "--url", svc.base,
    "--checks", CHECKS.join(","),
    "--max-examples", MAX_EXAMPLES,
    "--seed", SEED,
    "--workers", "1",
    "--request-timeout", "30",
    "--suppress-health-check", "all",
    "--continue-on-failure",
    "--output-sanitize", "true",
    "--report", "junit", "--report-junit-path", junit,
  ];
  console.log(`schemathesis against ${svc.base}/openapi.json: checks ${CHECKS.join(", ")}; ${MAX_EXAMPLES} examples per operation; seed ${SEED}`);
  const code = await new Promise((resolve) => {
    const p = spawn(ST, args, {
      cwd: ROOT,
      env: { ...process.env, SCHEMATHESIS_HOOKS: process.env.FUZZ_HOOKS ?? join(ROOT, "worker/test/schemathesis/hooks.py"), TOKENKIT_BASE: svc.base, TOKENKIT_ROOT_TOKEN: svc.root.token, TOKENKIT_ROOT_ID: svc.root.id, TOKENKIT_FUZZ_STATS: stats, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const t = setTimeout(() => {
      console.log(`schemathesis ran past ${TIMEOUT_S} s: stopping it`);
      p.kill("SIGTERM");
    }, TIMEOUT_S * 1000);
    const take = (d) => {
      const s = d.toString();
      stdout += s;
      process.stdout.write(s.replaceAll(svc.root.token, "tk_…(root)"));
    };
    p.stdout.on("data", take);
    p.stderr.on("data", take);
    p.on("exit", (c, sig) => {
      clearTimeout(t);
      resolve(c ?? (sig ? 128 : 1));
    });
  });

  // One verdict per API operation, from the JUnit report.
  if (existsSync(junit)) {
    const xml = readFileSync(junit, "utf8");
    for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const name = /name="([^"]*)"/.exec(m[1])?.[1] ?? "?";
      const bad = /<(failure|error)\b/.test(m[3] ?? "");
      const skipped = /<skipped\b/.test(m[3] ?? "");
      if (skipped) continue;
      verdict(!bad, `operation ${name.replaceAll("&amp;", "&")}`);
    }
  }
  verdict(code === 0 && existsSync(junit), `schemathesis finished (exit ${code})`);
  const logs = svc.logs();
  const clean = !/internal error|Uncaught|exception|error/i.test(logs);
  verdict(clean, "the worker logged no error");
  if (!clean) console.log(`worker log (last 3000 bytes):\n${logs.slice(-3000).replaceAll(svc.root.token, "tk_…(root)")}`);
  const self = await fetch(`${svc.base}/tk/v1/self`, { headers: { authorization: `Bearer ${svc.root.token}` } }).catch((e) => ({ status: `unreachable: ${e.cause?.code ?? e.message}` }));
  verdict(self.status === 200, `the service is up and the root token still works (${self.status})`);
  const cases = /Test cases:\s*\n\s*(\d+) generated/.exec(stdout)?.[1];
  if (existsSync(stats)) {
    const s = JSON.parse(readFileSync(stats, "utf8"));
    console.log(`api fuzz figures: ${cases ?? "?"} cases generated, ${s.requests} requests, statuses ${JSON.stringify(s.statuses)}, ${s.minted} throwaway tokens, seed ${SEED}`);
  }
} finally {
  await svc.cleanup();
  rmSync(out, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
