import { createHash } from "node:crypto";
import type Keyv from "keyv";
import {
  CredentialsRejectedError,
  exchangeClientCredentials,
  refreshTimeOf,
  type ExchangedToken,
} from "../auth0/client-credentials.js";
import { AuthenticationError, CallerUnavailableError } from "./authentication-error.js";
import type { ApiKeyExchangeLimits } from "./exchange-limits.js";

/** How long wrong credentials are remembered, so a flood of bad attempts costs one token request. */
export const REJECTED_CREDENTIALS_TTL_MS = 30_000;

interface CachedExchange extends ExchangedToken {
  clientId: string;
  /** Epoch milliseconds of the exchange; an API key rotated or revoked after it invalidates it. */
  obtainedAt: number;
  refreshAt: number;
}

/**
 * Turns a tenant's API key (`Basic base64(client_id:client_secret)`) into an access token with the
 * client-credentials grant. Auth0 counts every exchange against the monthly machine-token quota (1,000 on
 * the free plan), so results are cached in keyv under a hash of the credentials (never the secret itself)
 * until shortly before the token expires; concurrent first requests share one exchange; and refused
 * credentials are remembered briefly.
 */
export class ApiKeyExchange {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly options: { issuer: string; audience: string },
    private readonly cache: Keyv,
    /** Rate limits on exchanges that reach Auth0 (see exchange-limits.ts); none when unset. */
    private readonly limits?: Pick<ApiKeyExchangeLimits, "admitExchange">,
  ) {}

  static credentialsKey(clientId: string, clientSecret: string): string {
    return createHash("sha256").update(`${clientId}\u0000${clientSecret}`).digest("base64url");
  }

  async exchange(clientId: string, clientSecret: string): Promise<string> {
    const key = ApiKeyExchange.credentialsKey(clientId, clientSecret);
    const running = this.inFlight.get(key);
    if (running) return running;
    const exchange = this.cachedOrExchange(key, clientId, clientSecret).finally(() =>
      this.inFlight.delete(key),
    );
    this.inFlight.set(key, exchange);
    return exchange;
  }

  private async cachedOrExchange(key: string, clientId: string, clientSecret: string): Promise<string> {
    // Without the shared cache, a revocation could be missed and every request would cost an exchange.
    const [cached, rejected, revokedAt] = await Promise.all([
      this.cache.get<CachedExchange>(`api-key:${key}`),
      this.cache.get<boolean>(`api-key-rejected:${key}`),
      this.cache.get<number>(`api-key-revoked:${clientId}`),
    ]).catch((error: unknown) => {
      throw new CallerUnavailableError("the API key could not be checked right now; try again shortly", {
        cause: error,
      });
    });
    if (rejected) throw new AuthenticationError("the API key is not valid");
    if (cached && cached.refreshAt > Date.now() && !(revokedAt && cached.obtainedAt <= revokedAt)) {
      return cached.accessToken;
    }
    await this.limits?.admitExchange();
    try {
      const obtainedAt = Date.now();
      const token = await exchangeClientCredentials(this.options.issuer, {
        clientId,
        clientSecret,
        audience: this.options.audience,
      });
      const entry: CachedExchange = {
        ...token,
        clientId,
        obtainedAt,
        refreshAt: refreshTimeOf(token),
      };
      await this.cache.set(`api-key:${key}`, entry, Math.max(1, entry.refreshAt - Date.now()));
      return token.accessToken;
    } catch (error) {
      if (error instanceof CredentialsRejectedError) {
        await this.cache.set(`api-key-rejected:${key}`, true, REJECTED_CREDENTIALS_TTL_MS);
        throw new AuthenticationError("the API key is not valid");
      }
      throw new CallerUnavailableError(
        "the API key could not be checked because Auth0 is not answering; try again shortly",
        { cause: error },
      );
    }
  }

  /**
   * Makes every cached exchange of this client's credentials unusable, on every instance sharing the cache:
   * after a rotation or revocation the old secret must stop working at once, not when its token expires.
   */
  async revokeCachedCredentials(clientId: string, ttlMs: number): Promise<void> {
    await this.cache.set(`api-key-revoked:${clientId}`, Date.now(), ttlMs);
  }
}
