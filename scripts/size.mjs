// Prints the size of both builds of the package: the release .wasm and the JS glue, raw and
// gzip -9 — the default build (pkg/, npm `tokenkit`) and the full one (pkg/full/, `tokenkit/full`).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

for (const [label, dir] of [["default build (tokenkit)", "pkg/"], ["full build (tokenkit/full)", "pkg/full/"]]) {
  let rawTotal = 0, gzTotal = 0;
  for (const f of [`${dir}tokenkit_bg.wasm`, `${dir}tokenkit.js`]) {
    const buf = readFileSync(f);
    const gz = gzipSync(buf, { level: 9 }).length;
    rawTotal += buf.length; gzTotal += gz;
    console.log(`${f.padEnd(27)} ${String(buf.length).padStart(9)} B raw ${String(gz).padStart(8)} B gzip`);
  }
  console.log(`${label.padEnd(27)} ${String(rawTotal).padStart(9)} B raw ${String(gzTotal).padStart(8)} B gzip (${(gzTotal / 1024).toFixed(1)} KiB)`);
}
