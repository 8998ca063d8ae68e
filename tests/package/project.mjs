// Fresh consumer projects for the package tests: an example of examples/ copied into a temporary
// directory, its devDependencies (from this repository's lock, see lock.mjs) installed from npm's
// cache with `npm ci --offline`, then the `npm pack` tarball (TOKENKIT_TARBALL, made by
// scripts/stages/35-package.sh) with `npm install --offline`: the package as a user gets it.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectFor } from "./lock.mjs";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const TARBALL = process.env.TOKENKIT_TARBALL;
export const skipWithoutTarball = !TARBALL && "TOKENKIT_TARBALL is not set (run scripts/stages/35-package.sh)";

const npm = (args, cwd) => execFileSync("npm", [...args, "--offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });

/** Copies examples/<example> to a fresh directory and installs `devDependencies` (names) and the tarball. */
export function installExample(example, devDependencies = []) {
  const dir = mkdtempSync(join(tmpdir(), `tokenkit-${example}-`));
  cpSync(join(ROOT, "examples", example), dir, { recursive: true, filter: (f) => !/node_modules|\/dist$|\.wrangler/.test(f) });
  const own = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const { packageJson, lock } = projectFor(own.name, devDependencies);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ ...own, dependencies: {}, devDependencies: packageJson.devDependencies }, null, 2));
  if (devDependencies.length) {
    writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
    npm(["ci"], dir);
  }
  npm(["install", TARBALL], dir);
  return dir;
}
