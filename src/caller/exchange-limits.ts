import type { DirectoryReader } from "../store/directory.js";
import { RateLimit, rateLimitHeaders, ThrottledError, type WindowCounter } from "../http/rate-limit.js";
import { AuthenticationError, CallerUnavailableError } from "./authentication-error.js";

export interface ExchangeLimitSettings {
  /** Exchanges with Auth0 one source IP may cause per minute. */
  perSourcePerMinute: number;
  /** Exchanges with Auth0 all sources together may cause per minute, on every instance sharing the cache. */
  globalPerMinute: number;
}

/**
 * What stands between Basic credentials and Auth0's token endpoint. Auth0 counts every client-credentials
 * exchange against the tenant's monthly machine-token quota, and a flood of made-up credentials would each
 * cost one: so a client id the directory does not hold is refused without asking Auth0 (the directory holds
 * every client once its first import is complete, and learns new ones by write-through, events and
 * reconciliation), and the exchanges that do go to Auth0 are rate limited per source and overall.
 */
export class ApiKeyExchangeLimits {
  private readonly perSource: RateLimit;
  private readonly overall: RateLimit;

  constructor(
    counter: WindowCounter,
    settings: ExchangeLimitSettings,
    /** The source address of the request being served. */
    private readonly sourceOf: () => string | undefined,
    /** Told of each exchange let through to Auth0 (the metrics). */
    private readonly onExchange: () => void = () => undefined,
  ) {
    this.perSource = new RateLimit(counter, {
      name: "api-key-exchange-per-source",
      limit: settings.perSourcePerMinute,
      windowSeconds: 60,
    });
    this.overall = new RateLimit(counter, {
      name: "api-key-exchange",
      limit: settings.globalPerMinute,
      windowSeconds: 60,
    });
  }

  /** Refuses a client id the directory does not know; only once its first import is complete. */
  async assertKnownClient(directory: DirectoryReader, clientId: string, complete: boolean): Promise<void> {
    if (!complete) return;
    const client = await directory.findClient(clientId).catch((error: unknown) => {
      throw new CallerUnavailableError("the API key could not be checked right now; try again shortly", {
        cause: error,
      });
    });
    if (!client) throw new AuthenticationError("the API key is not valid", "invalid_token", "unknown_client");
  }

  /** Lets one exchange go to Auth0, or throws a ThrottledError (HTTP 429) saying when to try again. */
  async admitExchange(): Promise<void> {
    const source = this.sourceOf() ?? "unknown";
    let decisions;
    try {
      decisions = await Promise.all([this.perSource.take(source), this.overall.take("all")]);
    } catch (error) {
      throw new CallerUnavailableError("the API key could not be checked right now; try again shortly", {
        cause: error,
      });
    }
    const refused = decisions.find((decision) => !decision.allowed);
    if (refused) {
      throw new ThrottledError(refused.policy.name, refused.resetSeconds, rateLimitHeaders(refused));
    }
    this.onExchange();
  }
}
