import { defineConfig } from "vite";

export default defineConfig({
  // tokenkit's browser entry loads its .wasm from next to itself (new URL(…, import.meta.url)).
  // Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/, away from the
  // .wasm, so it serves tokenkit as it is instead. `vite build` emits the .wasm as an asset.
  optimizeDeps: { exclude: ["tokenkit"] },
});
