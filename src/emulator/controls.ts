import { setTimeout as sleep } from "node:timers/promises";

/** A fault to inject on requests matching a method and a path pattern (`*` matches within a segment, `**` across). */
export interface FaultSpec {
  method?: string;
  path: string;
  /** Answer with this status instead of serving the request; omitted with `delayMs`, the request is served late. */
  status?: number;
  body?: unknown;
  delayMs?: number;
  /** How many matching requests it applies to (default 1). */
  times?: number;
}

interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
  pattern: RegExp;
}

export interface RateLimitSpec {
  /** Bucket size: requests allowed in a burst. */
  limit: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

export interface Stats {
  /** `/oauth/token` requests by `grant_type`, failures included. */
  tokenRequests: Record<string, number>;
  /** Successful `/oauth/token` exchanges by client id, then grant type. */
  tokensIssued: Record<string, Record<string, number>>;
  /** Failed `/oauth/token` requests by client id (`unknown` when none was given). */
  tokenFailures: Record<string, number>;
  /** Management requests by `METHOD /api/v2/route/:param`. */
  management: Record<string, number>;
  /** Management requests answered 429. */
  rateLimited: number;
  /** Requests answered by an injected fault. */
  faulted: number;
}

function emptyStats(): Stats {
  return {
    tokenRequests: {},
    tokensIssued: {},
    tokenFailures: {},
    management: {},
    rateLimited: 0,
    faulted: 0,
  };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const pattern = escaped
    .split("**")
    .map((part) => part.replace(/\*/g, "[^/]*"))
    .join(".*");
  return new RegExp(`^${pattern}$`);
}

/**
 * Test controls: counters, injected faults and a token-bucket rate limit on the Management API (off unless
 * set, as a development emulator should be).
 */
export class Controls {
  stats: Stats = emptyStats();
  private faults: ActiveFault[] = [];
  private nextFaultId = 1;
  private rateLimit: (RateLimitSpec & { tokens: number; updatedAt: number }) | undefined;

  resetStats(): void {
    this.stats = emptyStats();
  }

  countTokenRequest(grantType: string): void {
    increment(this.stats.tokenRequests, grantType || "none");
  }

  countTokenIssued(clientId: string, grantType: string): void {
    const byGrant = (this.stats.tokensIssued[clientId] ??= {});
    increment(byGrant, grantType);
  }

  countTokenFailure(clientId: string | undefined): void {
    increment(this.stats.tokenFailures, clientId || "unknown");
  }

  countManagement(method: string, route: string): void {
    increment(this.stats.management, `${method} ${route}`);
  }

  addFault(spec: FaultSpec): number {
    if (typeof spec.path !== "string" || !spec.path.startsWith("/")) {
      throw new Error("a fault needs a path pattern starting with /");
    }
    const id = this.nextFaultId++;
    this.faults.push({
      ...spec,
      method: spec.method?.toUpperCase(),
      id,
      remaining: spec.times ?? 1,
      pattern: globToRegExp(spec.path),
    });
    return id;
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** The fault that applies to this request, consuming one of its uses; delays are served here. */
  async takeFault(method: string, path: string): Promise<FaultSpec | undefined> {
    const fault = this.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (!candidate.method || candidate.method === method) &&
        candidate.pattern.test(path),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((candidate) => candidate !== fault);
    if (fault.delayMs) await sleep(fault.delayMs);
    if (fault.status) this.stats.faulted += 1;
    return fault;
  }

  setRateLimit(spec: RateLimitSpec | undefined): void {
    this.rateLimit = spec ? { ...spec, tokens: spec.limit, updatedAt: Date.now() } : undefined;
  }

  /**
   * Takes one token from the bucket. Returns the `x-ratelimit-*` header values and whether the request may
   * go ahead. With no limit set, the headers still come, describing a bucket that never empties.
   */
  takeRateLimitToken(): { allowed: boolean; limit: number; remaining: number; reset: number } {
    const nowMs = Date.now();
    const nowSeconds = Math.ceil(nowMs / 1000);
    const bucket = this.rateLimit;
    if (!bucket) return { allowed: true, limit: 1000, remaining: 999, reset: nowSeconds };
    const elapsed = (nowMs - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(bucket.limit, bucket.tokens + elapsed * bucket.refillPerSecond);
    bucket.updatedAt = nowMs;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    else this.stats.rateLimited += 1;
    const secondsToNextToken = allowed ? 0 : (1 - bucket.tokens) / bucket.refillPerSecond;
    return {
      allowed,
      limit: bucket.limit,
      remaining: Math.floor(bucket.tokens),
      // Epoch seconds at which a request will succeed again, as Auth0's header.
      reset: Math.ceil(nowMs / 1000 + secondsToNextToken),
    };
  }
}
