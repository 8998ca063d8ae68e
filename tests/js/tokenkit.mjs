// The full build (pkg/full/, npm `tokenkit/full`: the default build plus the service's rules and
// the seed dialects' wire code) loaded the way a Node consumer of the `--target web` glue does: read the .wasm bytes,
// instantiate synchronously once, then use the named exports. Every Node test imports from here.
// The default build (pkg/) is the same code without those exports; it is tested from its packed
// tarball (tests/package/) and by the package README's snippets.
import { readFileSync } from "node:fs";
import { initSync } from "../../pkg/full/tokenkit.js";

initSync({ module: readFileSync(new URL("../../pkg/full/tokenkit_bg.wasm", import.meta.url)) });

export * from "../../pkg/full/tokenkit.js";
