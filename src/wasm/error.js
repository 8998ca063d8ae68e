// The class of every error tokenkit's wasm core throws (see src/wasm/error.rs). A wasm-bindgen
// file snippet: the generated tokenkit.js imports it and re-exports `TokenkitError` and
// `isTokenkitError`; the types are in tokenkit.d.ts (TS_ERROR in src/wasm/error.rs).

/** Every function of this package throws a `TokenkitError` on failure. */
export class TokenkitError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "TokenkitError";
    this.code = code;
  }
}

/**
 * True for a `TokenkitError`: an instance of the class, or an `Error` named "TokenkitError" with
 * a string `code` (one thrown by another copy of the package, or built by a host in the same shape).
 */
export function isTokenkitError(e) {
  return e instanceof TokenkitError || (e instanceof Error && e.name === "TokenkitError" && typeof e.code === "string");
}
