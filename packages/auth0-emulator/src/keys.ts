import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTPayload,
} from "jose";
import { newId } from "./store.js";
import type { EmulatorStore } from "./store.js";
import type { StoredSigningKey } from "./model.js";

/**
 * The RS256 signing keys. The newest key signs; a rotated-out key stays in the JWKS for a grace period so
 * that tokens it signed keep verifying until they are re-fetched, as with Auth0's key rotation.
 */
export class KeyRing {
  constructor(
    private readonly store: EmulatorStore,
    private readonly graceSeconds: number,
  ) {}

  private get keys(): StoredSigningKey[] {
    return this.store.data.signingKeys;
  }

  async ensureKey(): Promise<void> {
    if (this.keys.some((key) => !key.retired_at)) return;
    this.keys.push(await createSigningKey());
    this.store.save();
  }

  /** Makes a new signing key; the old one is retired but stays published for the grace period. */
  async rotate(): Promise<{ kid: string; previousKid: string | undefined }> {
    const now = new Date().toISOString();
    const previous = this.keys.find((key) => !key.retired_at);
    if (previous) previous.retired_at = now;
    const next = await createSigningKey();
    this.keys.push(next);
    this.dropExpiredKeys();
    this.store.save();
    return { kid: next.kid, previousKid: previous?.kid };
  }

  private dropExpiredKeys(): void {
    const cutoff = Date.now() - this.graceSeconds * 1000;
    this.store.data.signingKeys = this.keys.filter(
      (key) => !key.retired_at || Date.parse(key.retired_at) > cutoff,
    );
  }

  private published(): StoredSigningKey[] {
    const cutoff = Date.now() - this.graceSeconds * 1000;
    return this.keys.filter((key) => !key.retired_at || Date.parse(key.retired_at) > cutoff);
  }

  jwks(): { keys: JWK[] } {
    // Newest first, like Auth0's JWKS after a rotation.
    return {
      keys: this.published()
        .reverse()
        .map((key) => key.publicJwk as JWK),
    };
  }

  /** A verifier over the published keys, for the Management API's own token check. */
  keySet(): ReturnType<typeof createLocalJWKSet> {
    return createLocalJWKSet(this.jwks());
  }

  async sign(payload: JWTPayload): Promise<string> {
    const key = this.keys.find((candidate) => !candidate.retired_at);
    if (!key) throw new Error("the emulator has no signing key");
    const privateKey = await importJWK(key.privateJwk as JWK, "RS256");
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
      .sign(privateKey);
  }
}

async function createSigningKey(): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", {
    extractable: true,
    modulusLength: 2048,
  });
  const kid = newId("");
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const { n, e } = await exportJWK(publicKey);
  const publicJwk = { kty: "RSA", use: "sig", alg: "RS256", kid, n, e };
  return { kid, privateJwk, publicJwk, created_at: new Date().toISOString() };
}
