import { createHash } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { LRUCache } from "lru-cache";
import { AuthenticationError, CallerUnavailableError, type RefusalReason } from "./authentication-error.js";

/** The claims Gatehouse uses from a verified Auth0 access token. */
export interface VerifiedToken {
  sub: string;
  azp: string | undefined;
  gty: string | undefined;
  orgId: string | undefined;
  scope: string[];
  permissions: string[];
  /** Epoch seconds. */
  exp: number;
  /** Epoch seconds: when the issuer issued it (a rotated API key's older tokens are refused). */
  iat: number;
}

const CLOCK_TOLERANCE_SECONDS = 5;

function refusal(error: unknown): AuthenticationError {
  const refused = (description: string, reason: RefusalReason) =>
    new AuthenticationError(description, "invalid_token", reason);
  if (error instanceof errors.JWTExpired) return refused("the access token expired", "expired");
  if (error instanceof errors.JWTClaimValidationFailed)
    return refused(`the access token's ${error.claim} claim is not accepted`, "claim_rejected");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refused("the access token must be signed with RS256", "bad_signature");
  if (error instanceof errors.JWKSNoMatchingKey)
    return refused("the access token was signed by an unknown key", "unknown_key");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refused("the access token's signature is invalid", "bad_signature");
  return refused("the access token is malformed", "malformed");
}

/** The JWKS could not be had (network, time-out, an error page): nothing is known about the token yet. */
function isKeySetUnavailable(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === "ERR_JOSE_GENERIC"
  );
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * Verifies Auth0 access tokens with jose against the issuer's JWKS: RS256 only, exact issuer, our audience,
 * `exp` required, a few seconds of clock leeway. jose refetches the JWKS once when it meets an unknown `kid`
 * (a key rotation). A verified token is remembered until it expires, keyed by its hash, so a client that
 * repeats a token does not pay for a signature check each time.
 */
export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: 10_000 });
  private lastForcedReload = 0;

  constructor(
    private readonly options: { issuer: string; audience: string },
    /** Told whether each verification found the token already verified (the cache's hit ratio). */
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {
    this.jwks = createRemoteJWKSet(new URL(`${options.issuer}.well-known/jwks.json`), {
      cooldownDuration: 30_000,
      timeoutDuration: 5_000,
    });
  }

  /**
   * One JWKS refresh for a key the cached set does not have: the issuer rotated its keys. jose refetches on
   * its own only after a 30 s cooldown; a forced reload is allowed once a second, so tokens with made-up
   * `kid`s cannot turn into a flood of JWKS requests.
   */
  private async verifySignatureAndClaims(token: string) {
    const options = {
      issuer: this.options.issuer,
      audience: this.options.audience,
      algorithms: ["RS256"],
      requiredClaims: ["exp", "sub", "iat"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    try {
      return (await jwtVerify(token, this.jwks, options)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - this.lastForcedReload < 1_000)
        throw error;
      this.lastForcedReload = Date.now();
      await this.jwks.reload();
      return (await jwtVerify(token, this.jwks, options)).payload;
    }
  }

  /**
   * Whether the issuer's signing keys can be had: the cached set while it is fresh (jose keeps it ten
   * minutes), else one fetch now. Readiness asks this, so polling it costs Auth0 at most a fetch in ten minutes.
   */
  async keysReachable(): Promise<boolean> {
    if (this.jwks.fresh) return true;
    try {
      await this.jwks.reload();
      return true;
    } catch {
      return false;
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    const key = createHash("sha256").update(token).digest("base64url");
    const remembered = this.verified.get(key);
    const hit = remembered !== undefined && remembered.exp + CLOCK_TOLERANCE_SECONDS > Date.now() / 1000;
    this.onLookup(hit);
    if (hit) return remembered;

    let payload;
    try {
      payload = await this.verifySignatureAndClaims(token);
    } catch (error) {
      if (isKeySetUnavailable(error)) {
        throw new CallerUnavailableError("the token issuer's keys could not be fetched; try again shortly", {
          cause: error,
        });
      }
      throw refusal(error);
    }
    // jose checks `iat` only against a maximum age; a token "issued" in the future is forged or from a
    // misconfigured clock, and would outlive what its `exp` seems to promise.
    if (typeof payload.iat !== "number" || payload.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
      throw new AuthenticationError("the access token's iat claim is in the future");
    }
    const verified: VerifiedToken = {
      sub: String(payload.sub),
      azp: typeof payload.azp === "string" ? payload.azp : undefined,
      gty: typeof payload.gty === "string" ? payload.gty : undefined,
      orgId: typeof payload.org_id === "string" ? payload.org_id : undefined,
      scope: typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [],
      permissions: stringList(payload.permissions),
      exp: payload.exp as number,
      iat: payload.iat,
    };
    const ttl = verified.exp * 1000 - Date.now();
    if (ttl > 0) this.verified.set(key, verified, { ttl });
    return verified;
  }
}
