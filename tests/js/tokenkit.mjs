// Loads pkg/ the way a Node consumer of the `--target web` package does: read the .wasm bytes,
// instantiate synchronously once, then use the named exports. Every Node test imports from here.
import { readFileSync } from "node:fs";
import { initSync } from "../../pkg/tokenkit.js";

initSync({ module: readFileSync(new URL("../../pkg/tokenkit_bg.wasm", import.meta.url)) });

export * from "../../pkg/tokenkit.js";
