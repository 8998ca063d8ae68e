// Minting: new secrets (with their digest and masked hint), public ids, and the digest of a
// presented secret. The only place the service makes or digests a secret: a secret exists in
// memory just long enough to be digested and shown once, and only its digest is stored
// (`sha256:…`, or `hmac-sha256:<version>:…` with the worker's current pepper; docs/service.md,
// "Pepper rotation": a secret is looked up under every configured pepper version).
import { fail } from "../http.js";

/** A new public token, member or account id: 24 hex digits from the CSPRNG. */
export function newId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

let lastRing = { config: undefined, ring: undefined };

/**
 * The pepper keyring (the core's `pepperRing`) of the worker's secrets `TOKENKIT_PEPPERS`,
 * `TOKENKIT_PEPPER` and `TOKENKIT_PEPPER_VERSION`: `{current, peppers}`, current = undefined for
 * plain SHA-256. Parsed once per configuration (the isolate keeps the last one). A bad setting
 * throws 500 `invalid_pepper_config`: the service refuses to run on a keyring it cannot read.
 */
export function pepperRingOf(tk, env) {
  const config = [env.TOKENKIT_PEPPERS ?? "", env.TOKENKIT_PEPPER ?? "", env.TOKENKIT_PEPPER_VERSION ?? ""];
  if (lastRing.config?.every((v, i) => v === config[i])) return lastRing.ring;
  let ring;
  try {
    const r = tk.pepperRing(config[0] || undefined, config[1] || undefined, config[2] || undefined);
    ring = { current: r.current ?? undefined, peppers: r.peppers };
  } catch (e) {
    // Thrown by the first digest of a request (inside its error handling), never here: a Store
    // is made before the router runs.
    if (e?.name !== "TokenkitError") throw e;
    ring = { current: undefined, peppers: [], error: fail(e.status ?? 500, e.code, e.message, e.field) };
  }
  lastRing = { config, ring };
  return ring;
}

/** A fresh secret, its digest and its masked hint. */
export function mintSecret(tk, pepper, ring) {
  if (ring?.error) throw ring.error;
  const secret = tk.generateToken();
  return { secret, digest: tk.digestToken(secret, pepper), hint: tk.maskToken(secret) };
}

/**
 * The stored form of presented secrets, computed once per secret for one request (verify and
 * the prefetch ask for the same ones).
 */
export class Digests {
  constructor(tk, ring) {
    this.tk = tk;
    this.ring = ring;
    this.pepper = ring.current;
    this.memo = new Map();
  }

  /** The digest under the current pepper (what new rows store). */
  of(secret) {
    if (this.ring.error) throw this.ring.error;
    let d = this.memo.get(secret);
    if (d === undefined) this.memo.set(secret, (d = this.tk.digestToken(secret, this.pepper)));
    return d;
  }

  /** The digests a lookup tries: the current pepper's, then each older version's, newest first. */
  all(secret) {
    const current = this.of(secret);
    if (this.ring.peppers.length <= 1) return [current];
    return [current, ...this.ring.peppers.slice(1).map((p) => this.tk.digestToken(secret, p))];
  }
}
