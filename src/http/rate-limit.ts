import KeyvRedis from "@keyv/redis";
import type Keyv from "keyv";
import { LRUCache } from "lru-cache";

/** A window's count after one more hit, and how long the window still runs. */
export interface WindowHit {
  count: number;
  resetMs: number;
}

/** Counts hits per key in fixed windows: in this process, or in Redis for every instance at once. */
export interface WindowCounter {
  hit(key: string, windowMs: number): Promise<WindowHit>;
}

/** How many keys the in-process counter holds at most: a flood of distinct keys evicts the oldest windows. */
const MAX_IN_PROCESS_KEYS = 100_000;

class InProcessWindowCounter implements WindowCounter {
  private readonly windows = new LRUCache<string, { count: number; endsAt: number }>({
    max: MAX_IN_PROCESS_KEYS,
  });

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window, { ttl: windowMs });
    }
    window.count += 1;
    return { count: window.count, resetMs: window.endsAt - now };
  }
}

// One round trip, atomic: the first hit of a window starts its expiry; every hit reads what is left of it.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

class RedisWindowCounter implements WindowCounter {
  constructor(
    private readonly redis: KeyvRedis<unknown>,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    const client = (await this.redis.getClient()) as unknown as {
      eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
    };
    const [count, ttl] = (await client.eval(HIT_SCRIPT, {
      keys: [`${this.prefix}${key}`],
      arguments: [String(windowMs)],
    })) as [number, number];
    return { count: Number(count), resetMs: Number(ttl) };
  }
}

/** The window counter for an instance: shared through the cache's Redis when there is one. */
export function windowCounterFor(cache: Keyv, namespace: string): WindowCounter {
  const store: unknown = cache.store;
  if (store instanceof KeyvRedis) return new RedisWindowCounter(store, `${namespace}:rate-limit:`);
  return new InProcessWindowCounter();
}

export interface RateLimitPolicy {
  /** The policy's name in `RateLimit-Policy` and the metrics. */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  policy: RateLimitPolicy;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
}

/** A request limit over fixed windows, per key. */
export class RateLimit {
  constructor(
    private readonly counter: WindowCounter,
    readonly policy: RateLimitPolicy,
  ) {}

  async take(key: string): Promise<RateLimitDecision> {
    const { count, resetMs } = await this.counter.hit(
      `${this.policy.name}:${key}`,
      this.policy.windowSeconds * 1000,
    );
    return {
      allowed: count <= this.policy.limit,
      policy: this.policy,
      remaining: Math.max(0, this.policy.limit - count),
      resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
    };
  }
}

/**
 * The IETF draft's headers (draft-ietf-httpapi-ratelimit-headers): the policy the caller is under, and where
 * it stands in the current window; with a refusal, `Retry-After` says when to come back.
 */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const { policy } = decision;
  return {
    "ratelimit-policy": `"${policy.name}";q=${policy.limit};w=${policy.windowSeconds}`,
    ratelimit: `"${policy.name}";r=${decision.remaining};t=${decision.resetSeconds}`,
    ...(decision.allowed ? {} : { "retry-after": String(decision.resetSeconds) }),
  };
}

/** Too many requests: HTTP 429 with `Retry-After`, never a 401 that would tell a client its key is bad. */
export class ThrottledError extends Error {
  constructor(
    readonly limit: string,
    readonly retryAfterSeconds: number,
    readonly headers: Record<string, string> = { "retry-after": String(retryAfterSeconds) },
  ) {
    super(`too many requests (${limit}); try again in ${retryAfterSeconds} s`);
  }
}
