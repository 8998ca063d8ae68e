// Joins the pieces of a patched JSON text (src/wasm/patch.rs, `applyPatchJson`): a wasm-bindgen
// file snippet. `pieces` holds triples (source, start, end) in UTF-16 units: source 0 is the
// document string, 1 the patch string, 2 `generated` (the text written anew). Untouched text is
// taken with `slice` from the caller's own strings, so the engine shares their characters
// instead of copying them (the result is a string like any other; JSON.stringify's own result is
// built the same way, from joined parts).
export function joinPieces(doc, patch, generated, pieces) {
  let out = "";
  for (let i = 0; i + 2 < pieces.length; i += 3) {
    const k = pieces[i];
    out += (k === 0 ? doc : k === 1 ? patch : generated).slice(pieces[i + 1], pieces[i + 2]);
  }
  return out;
}
