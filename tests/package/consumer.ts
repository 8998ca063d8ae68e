// A TypeScript consumer of the installed package, compiled with `tsc --strict --noEmit` by
// tests/package/package.test.mjs (make test stage 35) against the tarball `npm pack` makes.
// It calls the main API with its declared types and names every export: the table at the end
// must list each one of "tokenkit" (a missing or a removed export is a compile error), and
// "tokenkit/full" must be exactly that plus the dialects' exports listed in DialectExport.
import * as tk from "tokenkit";
import * as full from "tokenkit/full";
import {
  ready, generateToken, parseToken, maskToken, isWellFormedToken, digestToken, verifyDigest, parseDigest,
  expiresAt, expiresAtMs, isExpired, lifetimePresets, scopeCovers, explainCovers, compileScope, applyPatch,
  checkPresented, decideVerification, requireManage, issueExpiry, expiryState, fieldLimits,
  TokenkitError, isTokenkitError,
} from "tokenkit";
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

/** A webhook receiver: the same verification the token service's signature is made for. */
export function receive(header: string | null, body: string, secret: string): number {
  const code: TokenkitErrorCode = "signature_timestamp_out_of_tolerance";
  try {
    return tk.verifyWebhookSignature(header, body, secret, Math.floor(Date.now() / 1000), 300);
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
  applyTokenPatch: tk.applyTokenPatch,
  auditActions: tk.auditActions,
  auditView: tk.auditView,
  boundUserAgent: tk.boundUserAgent,
  builtinRoles: tk.builtinRoles,
  cacheSyncAction: tk.cacheSyncAction,
  cacheSyncBatch: tk.cacheSyncBatch,
  cacheSyncBounds: tk.cacheSyncBounds,
  capExpiry: tk.capExpiry,
  checkIdempotencyKey: tk.checkIdempotencyKey,
  checkIp: tk.checkIp,
  checkItems: tk.checkItems,
  checkLength: tk.checkLength,
  checkNewMemberRole: tk.checkNewMemberRole,
  checkOutlives: tk.checkOutlives,
  checkPresented: tk.checkPresented,
  checkRemoveMember: tk.checkRemoveMember,
  checkRoleChange: tk.checkRoleChange,
  checkText: tk.checkText,
  checkTokenPatch: tk.checkTokenPatch,
  cidrContains: tk.cidrContains,
  classifyLeakCandidate: tk.classifyLeakCandidate,
  compileScope: tk.compileScope,
  coverConditions: tk.coverConditions,
  decideConditions: tk.decideConditions,
  decideIdempotency: tk.decideIdempotency,
  decideVerification: tk.decideVerification,
  digestToken: tk.digestToken,
  expiresAt: tk.expiresAt,
  expiresAtMs: tk.expiresAtMs,
  expiryState: tk.expiryState,
  explainCovers: tk.explainCovers,
  fieldLimits: tk.fieldLimits,
  firstTokenScope: tk.firstTokenScope,
  formatInstant: tk.formatInstant,
  generateToken: tk.generateToken,
  grantConditions: tk.grantConditions,
  grantScope: tk.grantScope,
  holds: tk.holds,
  ipAllowed: tk.ipAllowed,
  isAdminRole: tk.isAdminRole,
  isCurrentSecret: tk.isCurrentSecret,
  isExpired: tk.isExpired,
  isTokenkitError: tk.isTokenkitError,
  isWellFormedToken: tk.isWellFormedToken,
  issueExpiry: tk.issueExpiry,
  labelLeak: tk.labelLeak,
  leakLimits: tk.leakLimits,
  leakSignatureCheck: tk.leakSignatureCheck,
  lifetimePresets: tk.lifetimePresets,
  managementRequest: tk.managementRequest,
  maskToken: tk.maskToken,
  mayActOn: tk.mayActOn,
  mayManage: tk.mayManage,
  mayReadEvent: tk.mayReadEvent,
  parseAuditQuery: tk.parseAuditQuery,
  parseBulkRevoke: tk.parseBulkRevoke,
  needsRedigest: tk.needsRedigest,
  parseCidr: tk.parseCidr,
  parseConditions: tk.parseConditions,
  parseDigest: tk.parseDigest,
  parseLeakReport: tk.parseLeakReport,
  parseListQuery: tk.parseListQuery,
  parsePolicy: tk.parsePolicy,
  parseToken: tk.parseToken,
  patchConditions: tk.patchConditions,
  patchExpiryCap: tk.patchExpiryCap,
  policyExpiry: tk.policyExpiry,
  policyViolation: tk.policyViolation,
  redactSecrets: tk.redactSecrets,
  pepperRing: tk.pepperRing,
  refilledRemaining: tk.refilledRemaining,
  requireCreateAccount: tk.requireCreateAccount,
  requireCurrent: tk.requireCurrent,
  requireHolds: tk.requireHolds,
  requireLeakSignature: tk.requireLeakSignature,
  requireListAll: tk.requireListAll,
  requireManage: tk.requireManage,
  requireManageMembers: tk.requireManageMembers,
  requirePolicy: tk.requirePolicy,
  retiredSecretsKept: tk.retiredSecretsKept,
  rotationGrace: tk.rotationGrace,
  rotationGraceExpiresAt: tk.rotationGraceExpiresAt,
  ruleDefaults: tk.ruleDefaults,
  s2OperationGroups: tk.s2OperationGroups,
  s2PrefixList: tk.s2PrefixList,
  s2PrefixStream: tk.s2PrefixStream,
  s2StripStream: tk.s2StripStream,
  scopeCovers: tk.scopeCovers,
  summarizeScope: tk.summarizeScope,
  tokenPattern: tk.tokenPattern,
  validatePatch: tk.validatePatch,
  validateScope: tk.validateScope,
  verifyDigest: tk.verifyDigest,
  checkWebhookCount: tk.checkWebhookCount,
  checkWebhookEvents: tk.checkWebhookEvents,
  checkWebhookUrl: tk.checkWebhookUrl,
  deliveryOutcome: tk.deliveryOutcome,
  expiryWarningDue: tk.expiryWarningDue,
  generateWebhookSecret: tk.generateWebhookSecret,
  requireManageWebhooks: tk.requireManageWebhooks,
  signWebhook: tk.signWebhook,
  verifyWebhookSignature: tk.verifyWebhookSignature,
  webhookRules: tk.webhookRules,
};

// tokenkit/full: the default build's exports plus exactly these (the seed dialects' wire code).
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
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const fullIsDefaultPlusDialects: Same<keyof typeof full, keyof typeof tk | DialectExport> = true;
export const dialectsNotInDefault: Same<Extract<keyof typeof tk, DialectExport>, never> = true;
declare const stored: full.DialectToken;
export const listedAs: full.DialectName | null = full.dialectOf(stored);
