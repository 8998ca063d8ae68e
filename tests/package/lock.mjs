// A package-lock.json for a fresh consumer project whose devDependencies are packages of this
// repository's own devDependencies (vite for the Vite app), at the versions and with the
// integrity hashes of the root package-lock.json: `npm ci --offline` then installs them from
// npm's cache, which `make setup` (npm ci at the root) filled — no registry request in the test.
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

/** `{ packageJson, lock }` for a project named `name` with `devDependencies` = `names` at the root's versions. */
export function projectFor(name, names) {
  const P = JSON.parse(readFileSync(new URL("package-lock.json", ROOT), "utf8")).packages;
  // Node's lookup: the nearest node_modules/<dep> walking up from the dependent's own folder.
  const find = (dep, from) => {
    for (let base = from; ; ) {
      const key = `${base ? `${base}/` : ""}node_modules/${dep}`;
      if (P[key]) return key;
      if (!base) return null;
      const i = base.lastIndexOf("/node_modules/");
      base = i < 0 ? "" : base.slice(0, i);
    }
  };
  const keys = new Set();
  const stack = names.map((n) => [n, ""]);
  while (stack.length) {
    const [dep, from] = stack.pop();
    const key = find(dep, from);
    if (!key) {
      if (from === "") throw new Error(`${dep} is not in the root package-lock.json`);
      continue; // an optional dependency npm did not lock for any platform
    }
    if (keys.has(key)) continue;
    keys.add(key);
    const e = P[key];
    for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) stack.push([d, key]);
    for (const d of Object.keys(e.peerDependencies ?? {})) if (find(d, key)) stack.push([d, key]);
  }
  const devDependencies = Object.fromEntries(names.map((n) => [n, P[`node_modules/${n}`].version]));
  const packages = { "": { name, devDependencies } };
  for (const k of [...keys].sort()) {
    const { dev, devOptional, peer, ...e } = P[k];
    // The root lock omits `resolved`; npm's registry URL of the tarball (its cache key) is this.
    const pkgName = k.slice(k.lastIndexOf("node_modules/") + "node_modules/".length);
    const resolved = e.resolved ?? `https://registry.npmjs.org/${pkgName}/-/${pkgName.split("/").pop()}-${e.version}.tgz`;
    packages[k] = { ...e, resolved, dev: true };
  }
  return { packageJson: { name, private: true, type: "module", devDependencies }, lock: { name, lockfileVersion: 3, requires: true, packages } };
}
