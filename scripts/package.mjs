// The end of `make pkg`: turns wasm-pack's output in pkg/ into the npm package. Writes
// pkg/package.json from npm/package.template.json (the version from Cargo.toml) and copies the
// package README (replacing the repository README wasm-pack copied), the CHANGELOG and both
// licence texts. Idempotent; fails if wasm-pack's output is missing.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const ROOT = new URL("../", import.meta.url);
const at = (p) => new URL(p, ROOT);

for (const f of ["pkg/tokenkit.js", "pkg/tokenkit_bg.wasm", "pkg/tokenkit.d.ts"]) {
  if (!existsSync(at(f))) throw new Error(`scripts/package.mjs: ${f} is missing (run wasm-pack build first)`);
}

// The [package] table's version (the first `version = "…"` after `[package]`).
const cargo = readFileSync(at("Cargo.toml"), "utf8");
const version = cargo.slice(cargo.indexOf("[package]")).match(/^version\s*=\s*"([^"]+)"/m)?.[1];
if (!version) throw new Error("scripts/package.mjs: no version in Cargo.toml [package]");

const template = JSON.parse(readFileSync(at("npm/package.template.json"), "utf8"));
const { name, ...rest } = template;
const pkg = { name, version, ...rest };
writeFileSync(at("pkg/package.json"), JSON.stringify(pkg, null, 2) + "\n");

for (const [from, to] of [["npm/README.md", "pkg/README.md"], ["npm/CHANGELOG.md", "pkg/CHANGELOG.md"],
  ["LICENSE-MIT", "pkg/LICENSE-MIT"], ["LICENSE-APACHE", "pkg/LICENSE-APACHE"]]) {
  copyFileSync(at(from), at(to));
}
console.log(`pkg/: package.json (tokenkit ${version}), README.md, CHANGELOG.md, LICENSE-MIT, LICENSE-APACHE`);
