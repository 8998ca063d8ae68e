// Computes the RFC 6902 JSON Patch that turns a token's editable fields into the form's values.
// Objects are diffed member by member (so a policy edit becomes e.g. `replace /scope/role`),
// arrays and scalars are replaced whole, a change of scope language replaces the whole scope.

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const escape = (key) => key.replaceAll("~", "~0").replaceAll("/", "~1");

function same(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

function diffInto(ops, path, before, after) {
  if (same(before, after)) return;
  if (isObject(before) && isObject(after)) {
    for (const k of Object.keys(before)) if (!(k in after)) ops.push({ op: "remove", path: `${path}/${escape(k)}` });
    for (const k of Object.keys(after)) {
      const p = `${path}/${escape(k)}`;
      if (!(k in before)) ops.push({ op: "add", path: p, value: after[k] });
      else diffInto(ops, p, before[k], after[k]);
    }
    return;
  }
  ops.push({ op: "replace", path, value: after });
}

/**
 * The patch from `token` (the API's token object) to `edits` ({name, description, scope,
 * conditions?}). Only /name, /description, /scope and the conditions of use (/notBefore,
 * /allowedIps, /remaining, /refill, /rateLimit) are touched (the patch policy's editable fields).
 */
export function tokenPatch(token, edits) {
  const ops = [];
  if (edits.name !== token.name) ops.push({ op: "replace", path: "/name", value: edits.name });
  const before = token.description ?? null;
  const after = edits.description ?? null;
  if (before !== after) ops.push({ op: "replace", path: "/description", value: after });
  if (!same(token.scope, edits.scope)) {
    if (token.scope?.language !== edits.scope?.language) ops.push({ op: "replace", path: "/scope", value: edits.scope });
    else diffInto(ops, "/scope", token.scope, edits.scope);
  }
  // The conditions of use, each replaced whole (null = none) when it changed.
  for (const [k, v] of Object.entries(edits.conditions ?? {})) {
    if (!same(token[k] ?? null, v ?? null)) ops.push({ op: "replace", path: `/${k}`, value: v ?? null });
  }
  return ops;
}

export { same as sameJson };
