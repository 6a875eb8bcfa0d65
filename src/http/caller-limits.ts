import type { Caller } from "../caller/caller.js";
import { RateLimit, type RateLimitDecision, type WindowCounter } from "./rate-limit.js";

/** Requests a minute each kind of caller may make; counted across instances when they share a cache. */
export interface CallerLimitSettings {
  perUserPerMinute: number;
  perApiKeyPerMinute: number;
  perTenantPerMinute: number;
  /** Callers without credentials, per source address. */
  anonymousPerSourcePerMinute: number;
}

/**
 * The per-caller request limits: a user (their own or through a partner), an API key, and the tenant as a
 * whole, each in its own window; anonymous callers by source address. A request counts against every limit
 * that applies to it and is refused when any is exhausted; the headers describe the closest one.
 */
export class CallerRateLimits {
  private readonly user: RateLimit;
  private readonly apiKey: RateLimit;
  private readonly tenant: RateLimit;
  private readonly anonymous: RateLimit;

  constructor(counter: WindowCounter, settings: CallerLimitSettings) {
    const window = (name: string, limit: number) =>
      new RateLimit(counter, { name, limit, windowSeconds: 60 });
    this.user = window("user", settings.perUserPerMinute);
    this.apiKey = window("api-key", settings.perApiKeyPerMinute);
    this.tenant = window("tenant", settings.perTenantPerMinute);
    this.anonymous = window("anonymous", settings.anonymousPerSourcePerMinute);
  }

  /** Counts the request against its caller's limits: the refusal if any, else the closest to running out. */
  async take(caller: Caller, sourceIp: string): Promise<RateLimitDecision> {
    const taken: Promise<RateLimitDecision>[] = [];
    if (caller.kind === "ANONYMOUS") taken.push(this.anonymous.take(sourceIp));
    else if (caller.userId) taken.push(this.user.take(caller.userId));
    else taken.push(this.apiKey.take(caller.clientId ?? caller.subject ?? sourceIp));
    if (caller.tenantId) taken.push(this.tenant.take(caller.tenantId));
    const decisions = await Promise.all(taken);
    const refused = decisions.find((decision) => !decision.allowed);
    if (refused) return refused;
    return decisions.reduce((closest, decision) =>
      decision.remaining / decision.policy.limit < closest.remaining / closest.policy.limit
        ? decision
        : closest,
    );
  }
}
