// A TypeScript consumer of the installed package, compiled with `tsc --strict --noEmit` by
// tests/package/package.test.mjs (make test stage 35) against the tarball `npm pack` makes.
// It calls the main API with its declared types and names every export: the table at the end
// must list each one of "tokenkit" (a missing or a removed export is a compile error), and
// "tokenkit/full" must be exactly that plus the exports listed in FullExport (the dialects' wire
// code and the token service's rules).
import * as tk from "tokenkit";
import * as full from "tokenkit/full";
import {
  ready, generateToken, parseToken, maskToken, isWellFormedToken, digestToken, verifyDigest, parseDigest,
  expiresAt, expiresAtMs, isExpired, lifetimePresets, scopeCovers, explainCovers, compileScope, applyPatch,
  checkPresented, decideVerification, TokenkitError, isTokenkitError,
} from "tokenkit";
import { requireManage, issueExpiry, expiryState, fieldLimits } from "tokenkit/full";
import type { TokenkitErrorCode, Scope, PatchOperation, Verdict, TokenParts, Pepper, StoredState, Decision } from "tokenkit";

// Every entry has instantiated the wasm when its import resolves; `ready` is for code shared
// with hosts that load it asynchronously.
export async function start(): Promise<void> {
  const r: Promise<void> = ready;
  await r;
  await full.ready;
}

export function tokens(): string {
  const token: string = generateToken();
  const parts: TokenParts = parseToken(token);
  const pepper: Pepper = { version: "v1", key: "a pepper of thirty-two bytes or more" };
  const stored: string = digestToken(token, pepper);
  const ok: boolean = verifyDigest(token, stored, [pepper]) && isWellFormedToken(token);
  const version: string | null = parseDigest(stored).keyVersion;
  return `${parts.prefix} ${maskToken(token)} ${ok} ${version}`;
}

export function lifetimes(now: Date): (string | number | null)[] {
  const presets = lifetimePresets();
  return [expiresAt(presets[0], now), expiresAtMs(3600, now.getTime()), String(isExpired(null, now))];
}

export function scopes(): boolean {
  const parent: Scope = { language: "privileges", privileges: ["product:*"] };
  const child: Scope = { language: "privileges", privileges: ["product:read"] };
  const compiled = compileScope(parent);
  const why: Decision = compiled.explain("product:read");
  const allowed = compiled.allowsAction("product:read") && why.allowed;
  compiled.free();
  return scopeCovers(parent, child) && explainCovers(parent, child).covered && allowed;
}

export function patch(): unknown {
  const ops: PatchOperation[] = [{ op: "replace", path: "/name", value: "b" }];
  return applyPatch({ name: "a" }, ops);
}

export function rules(token: string, now: number): Verdict {
  const early: Verdict | null = checkPresented(token);
  if (early) return early;
  const digest = digestToken(token);
  const row: StoredState = { digest, revokedAt: null, expiresAt: null };
  requireManage({ language: "names", scopes: null }, "read", { id: "*", owner: "*" });
  const expiry: number | null = issueExpiry("7-days", null, now);
  const state: "expired" | "soon" | null = expiryState(expiry, now);
  return { ...decideVerification(row, digest, now), message: `${state} ${fieldLimits().length}` };
}

export function describe(e: unknown): string {
  if (e instanceof TokenkitError) {
    const code: TokenkitErrorCode = e.code;
    const field: string | undefined = e.field;
    const at: number | undefined = e.operation;
    return `${e.name} ${code} ${field ?? ""} ${at ?? ""} ${e.path ?? ""} ${e.status ?? ""} ${e.dialect ?? ""} ${e.vendorCode ?? ""}`;
  }
  if (isTokenkitError(e)) {
    switch (e.code) {
      case "invalid_checksum": return "a typo";
      case "insufficient_scope": return `refused: ${e.status}`;
      default: return e.code;
    }
  }
  return String(e);
}

/** A webhook receiver (tokenkit/full): the same verification the token service's signature is made for. */
export function receive(header: string | null, body: string, secret: string): number {
  const code: TokenkitErrorCode = "signature_timestamp_out_of_tolerance";
  try {
    return full.verifyWebhookSignature(header, body, secret, Math.floor(Date.now() / 1000), 300);
  } catch (e) {
    if (tk.isTokenkitError(e) && e.code === code) return -1;
    throw e;
  }
}

export const made: TokenkitError = new TokenkitError("by hand", "forbidden");

// Every export of the package, each with its declared type.
export const everyExport: { [K in keyof typeof tk]: (typeof tk)[K] } = {
  CompiledScope: tk.CompiledScope,
  TokenkitError: tk.TokenkitError,
  ready: tk.ready,
  applyPatch: tk.applyPatch,
  applyPatchJson: tk.applyPatchJson,
  builtinRoles: tk.builtinRoles,
  capExpiry: tk.capExpiry,
  checkOutlives: tk.checkOutlives,
  checkPresented: tk.checkPresented,
  compileScope: tk.compileScope,
  decideVerification: tk.decideVerification,
  digestToken: tk.digestToken,
  expiresAt: tk.expiresAt,
  expiresAtMs: tk.expiresAtMs,
  explainCovers: tk.explainCovers,
  formatInstant: tk.formatInstant,
  generateToken: tk.generateToken,
  isCurrentSecret: tk.isCurrentSecret,
  isExpired: tk.isExpired,
  isTokenkitError: tk.isTokenkitError,
  isWellFormedToken: tk.isWellFormedToken,
  lifetimePresets: tk.lifetimePresets,
  maskToken: tk.maskToken,
  parseDigest: tk.parseDigest,
  parseToken: tk.parseToken,
  requireCurrent: tk.requireCurrent,
  rotationGraceExpiresAt: tk.rotationGraceExpiresAt,
  s2OperationGroups: tk.s2OperationGroups,
  scopeCovers: tk.scopeCovers,
  summarizeScope: tk.summarizeScope,
  tokenPattern: tk.tokenPattern,
  validatePatch: tk.validatePatch,
  validateScope: tk.validateScope,
  verifyDigest: tk.verifyDigest,
};

// tokenkit/full: the default build's exports plus exactly these: the seed dialects' wire code
// (DialectExport) and the token service's rules (ServiceExport).
type DialectExport =
  | "akinonCheckDelete"
  | "akinonCreateResponse"
  | "akinonListResponse"
  | "akinonOrganization"
  | "akinonParseCreate"
  | "akinonParseTokenId"
  | "dialectCredential"
  | "dialectErrorResponse"
  | "dialectOf"
  | "dialectRender"
  | "dialectUseRefusal"
  | "ldApplyPatch"
  | "ldCheckAccess"
  | "ldListResponse"
  | "ldParseCreate"
  | "ldParseListQuery"
  | "ldParseReset"
  | "ldTokenResponse"
  | "s2IssueResponse"
  | "s2ListResponse"
  | "s2ParseIssue"
  | "s2ParseListQuery"
  | "s2ParseRevoke"
  | "spaceCheckDelete"
  | "spaceCreateResponse"
  | "spaceListResponse"
  | "spaceParseCreate"
  | "spaceParseDelete";
type ServiceExport =
  | "applyTokenPatch"
  | "auditActions"
  | "auditView"
  | "boundUserAgent"
  | "cacheSyncAction"
  | "cacheSyncBatch"
  | "cacheSyncBounds"
  | "checkIdempotencyKey"
  | "checkIp"
  | "checkItems"
  | "checkLength"
  | "checkNewMemberRole"
  | "checkRemoveMember"
  | "checkRoleChange"
  | "checkText"
  | "checkTokenPatch"
  | "checkWebhookCount"
  | "checkWebhookEvents"
  | "checkWebhookUrl"
  | "cidrContains"
  | "classifyLeakCandidate"
  | "coverConditions"
  | "decideConditions"
  | "decideIdempotency"
  | "deliveryOutcome"
  | "expiryState"
  | "expiryWarningDue"
  | "fieldLimits"
  | "firstTokenScope"
  | "generateWebhookSecret"
  | "grantConditions"
  | "grantScope"
  | "holds"
  | "ipAllowed"
  | "isAdminRole"
  | "issueExpiry"
  | "labelLeak"
  | "leakLimits"
  | "leakSignatureCheck"
  | "managementRequest"
  | "mayActOn"
  | "mayManage"
  | "mayReadEvent"
  | "needsRedigest"
  | "parseAuditQuery"
  | "parseBulkRevoke"
  | "parseCidr"
  | "parseConditions"
  | "parseLeakReport"
  | "parseListQuery"
  | "parsePolicy"
  | "patchConditions"
  | "patchExpiryCap"
  | "pepperRing"
  | "policyExpiry"
  | "policyViolation"
  | "redactSecrets"
  | "refilledRemaining"
  | "requireCreateAccount"
  | "requireHolds"
  | "requireLeakSignature"
  | "requireListAll"
  | "requireManage"
  | "requireManageMembers"
  | "requireManageWebhooks"
  | "requirePolicy"
  | "retiredSecretsKept"
  | "rotationGrace"
  | "ruleDefaults"
  | "s2PrefixList"
  | "s2PrefixStream"
  | "s2StripStream"
  | "signWebhook"
  | "verifyWebhookSignature"
  | "webhookRules";
type FullExport = DialectExport | ServiceExport;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const fullIsDefaultPlusItsOwn: Same<keyof typeof full, keyof typeof tk | FullExport> = true;
export const fullOnlyNotInDefault: Same<Extract<keyof typeof tk, FullExport>, never> = true;
declare const stored: full.DialectToken;
export const listedAs: full.DialectName | null = full.dialectOf(stored);
