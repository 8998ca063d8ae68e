// Every stable `TokenkitError.code`, read from the Rust sources (not from a list kept by hand):
// the arms of each `fn code` (secret, digest, lifetime, scope, patch, dialect failures, the
// core's own `invalid_input`), the literal codes of the service rules' `RuleError::new/on` calls
// and the rules' field-limit table (`row(…, "code", status)`). Test modules are left out.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const SRC = new URL("../../src/", import.meta.url).pathname;

function rustFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? rustFiles(join(dir, d.name)) : d.name.endsWith(".rs") ? [join(dir, d.name)] : []);
}

export function codesFromRust() {
  const codes = new Set();
  for (const file of rustFiles(SRC)) {
    let text = readFileSync(file, "utf8");
    const tests = text.search(/#\[cfg\(test\)\]\s*mod \w+/);
    if (tests >= 0) text = text.slice(0, tests);
    // `pub fn code(&self) -> &'static str { match self { X => "code", … } }`, to the fn's closing brace.
    for (const m of text.matchAll(/^( *)pub fn code\((?:&)?self\) -> &'static str \{\n([\s\S]*?)\n\1\}/gm)) {
      for (const a of m[2].matchAll(/=>\s*"([a-z0-9_]+)"/g)) codes.add(a[1]);
    }
    for (const m of text.matchAll(/RuleError::(?:new|on)\(\s*\d+,\s*"([a-z0-9_]+)"/g)) codes.add(m[1]);
    for (const m of text.matchAll(/\brow\([^()]*,\s*"([a-z0-9_]+)",\s*\d+\)/g)) codes.add(m[1]);
  }
  return [...codes].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(codesFromRust().join("\n"));
