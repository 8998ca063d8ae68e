// Minting: new secrets (with their digest and masked hint), public ids, and the digest of a
// presented secret. The only place the service makes or digests a secret: a secret exists in
// memory just long enough to be digested and shown once, and only its digest is stored
// (`sha256:…`, or `hmac-sha256:<version>:…` with the worker's pepper; docs/service.md).

/** A new public token, member or account id: 24 hex digits from the CSPRNG. */
export function newId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** The HMAC key of the digests, from the worker's secret `TOKENKIT_PEPPER`; undefined = plain SHA-256. */
export function pepperOf(env) {
  const key = env.TOKENKIT_PEPPER;
  return key ? { version: env.TOKENKIT_PEPPER_VERSION || "v1", key } : undefined;
}

/** A fresh secret, its digest and its masked hint. */
export function mintSecret(tk, pepper) {
  const secret = tk.generateToken();
  return { secret, digest: tk.digestToken(secret, pepper), hint: tk.maskToken(secret) };
}

/**
 * The stored form of presented secrets, computed once per secret for one request (verify and
 * the prefetch ask for the same ones).
 */
export class Digests {
  constructor(tk, pepper) {
    this.tk = tk;
    this.pepper = pepper;
    this.memo = new Map();
  }

  of(secret) {
    let d = this.memo.get(secret);
    if (d === undefined) this.memo.set(secret, (d = this.tk.digestToken(secret, this.pepper)));
    return d;
  }
}
