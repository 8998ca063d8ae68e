// Prints the size of the built package: the release .wasm and the JS glue, raw and gzip -9.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const files = ["pkg/tokenkit_bg.wasm", "pkg/tokenkit.js"];
let rawTotal = 0, gzTotal = 0;
for (const f of files) {
  const buf = readFileSync(f);
  const gz = gzipSync(buf, { level: 9 }).length;
  rawTotal += buf.length; gzTotal += gz;
  console.log(`${f.padEnd(24)} ${String(buf.length).padStart(9)} B raw ${String(gz).padStart(8)} B gzip`);
}
console.log(`${"package total".padEnd(24)} ${String(rawTotal).padStart(9)} B raw ${String(gzTotal).padStart(8)} B gzip (${(gzTotal / 1024).toFixed(1)} KiB)`);
