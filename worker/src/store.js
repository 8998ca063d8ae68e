// The token service's storage, one concept a file; this module re-exports what the routes,
// auth and the dialects import from it:
//   store/store.js     Store: one request's access to tokens, members and accounts, composing —
//   store/sql.js         the D1 statements,
//   store/mint.js        new secrets, ids and digests (newId),
//   digest-lookup.js     lookups by digest through the verification cache (verify-cache.js);
//   store/shapes.js    rows as tokenkit's API (toMeta) and the dialects' model (toDialect) show them.
export { Store, USE_GRANULARITY_MS } from "./store/store.js";
export { newId } from "./store/mint.js";
export { pageOf, whereOf } from "./store/sql.js";
export { toMeta, toDialect, conditionsOf } from "./store/shapes.js";
