import { setTimeout as sleep } from "node:timers/promises";
import {
  endpointBucketFor,
  RATE_LIMIT_PROFILES,
  type BucketLimit,
  type EntityLimits,
  type LimitingProfileName,
  type RateLimitProfileName,
} from "./rate-limits.js";

/** A fault to inject on requests matching a method and a path pattern (`*` matches within a segment, `**` across). */
export interface FaultSpec {
  method?: string;
  path: string;
  /** Answer with this status instead of serving the request; omitted with `delayMs`, the request is served late. */
  status?: number;
  body?: unknown;
  delayMs?: number;
  /**
   * Serve the request, then hold its answer back this long: a call that happened but whose answer a client
   * with a shorter time-out never sees (a lost answer).
   */
  answerDelayMs?: number;
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

/** What the `x-ratelimit-*` headers say about the bucket a request fell into, and whether it may go ahead. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The bucket's name (`read users`, `management api`, …); absent when no limit is set. */
  bucket?: string;
  limit: number;
  remaining: number;
  reset: number;
}

/** Which rate limit is in force: a named profile, one custom bucket, or none. */
export type RateLimitSetting =
  { kind: "profile"; profile: LimitingProfileName } | { kind: "custom"; spec: RateLimitSpec };

interface TokenBucket {
  limit: BucketLimit;
  tokens: number;
  updatedAt: number;
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
  /** Management requests answered 429, by the bucket that refused them (`read users`, `management api`, …). */
  rateLimitedByBucket: Record<string, number>;
  /** Requests answered by an injected fault. */
  faulted: number;
  /** Calls to the post-login hook, and those that gave no claims (refused, unreachable, too slow). */
  postLoginHook: { calls: number; failures: number };
}

/** What the headers say when no rate limit is set: a bucket far larger than a test or a developer uses. */
const UNLIMITED = 1000;

function emptyStats(): Stats {
  return {
    tokenRequests: {},
    tokensIssued: {},
    tokenFailures: {},
    management: {},
    rateLimited: 0,
    rateLimitedByBucket: {},
    faulted: 0,
    postLoginHook: { calls: 0, failures: 0 },
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

function isPositiveInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/**
 * Refuses a fault spec that would silently do nothing or something else than meant: a typo here should
 * fail the test that sets it up, not make it pass without the fault.
 */
function checkFaultSpec(spec: FaultSpec): void {
  if (typeof spec !== "object" || spec === null) throw new Error("a fault is a JSON object");
  if (typeof spec.path !== "string" || !spec.path.startsWith("/")) {
    throw new Error("a fault needs a path pattern starting with /");
  }
  if (spec.method !== undefined && (typeof spec.method !== "string" || !/^[A-Za-z]+$/.test(spec.method))) {
    throw new Error("method must be an HTTP method such as GET");
  }
  if (
    spec.status !== undefined &&
    !(isPositiveInteger(spec.status) && spec.status >= 100 && spec.status <= 599)
  ) {
    throw new Error("status must be an HTTP status code (100-599)");
  }
  if (spec.delayMs !== undefined && !(isPositiveInteger(spec.delayMs) || spec.delayMs === 0)) {
    throw new Error("delayMs must be a whole number of milliseconds");
  }
  if (spec.answerDelayMs !== undefined && !isPositiveInteger(spec.answerDelayMs)) {
    throw new Error("answerDelayMs must be a positive whole number of milliseconds");
  }
  if (spec.answerDelayMs !== undefined && spec.status !== undefined) {
    throw new Error(
      "answerDelayMs holds back the answer of a request that is served: give no status with it",
    );
  }
  if (spec.status === undefined && !spec.delayMs && !spec.answerDelayMs) {
    throw new Error("a fault needs a status, a delayMs, an answerDelayMs, or a status and a delayMs");
  }
  if (spec.times !== undefined && !isPositiveInteger(spec.times)) {
    throw new Error("times must be a positive whole number");
  }
}

/**
 * Test controls: counters, injected faults and the Management API's rate limit: one of Auth0's profiles, a
 * single custom bucket, or none (the default, as a development emulator should be).
 */
export class Controls {
  stats: Stats = emptyStats();
  private faults: ActiveFault[] = [];
  private nextFaultId = 1;
  private rateLimit: RateLimitSetting | undefined;
  /** Buckets by name, created full when first used. */
  private buckets = new Map<string, TokenBucket>();

  /** `startProfile` is what `POST /__emulator/reset` returns to. */
  constructor(private readonly startProfile: RateLimitProfileName = "off") {
    this.setRateLimitProfile(startProfile);
  }

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

  countPostLoginCall(): void {
    this.stats.postLoginHook.calls += 1;
  }

  countPostLoginFailure(): void {
    this.stats.postLoginHook.failures += 1;
  }

  countTokenFailure(clientId: string | undefined): void {
    increment(this.stats.tokenFailures, clientId || "unknown");
  }

  countManagement(method: string, route: string): void {
    increment(this.stats.management, `${method} ${route}`);
  }

  /** Arms a fault; throws a message a test author can act on when the spec makes no sense. */
  addFault(spec: FaultSpec): number {
    checkFaultSpec(spec);
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

  /** One custom bucket for the whole Management API, or (`undefined`) no limit at all. */
  setRateLimit(spec: RateLimitSpec | undefined): void {
    this.rateLimit = spec ? { kind: "custom", spec: { ...spec } } : undefined;
    this.buckets.clear();
  }

  /** The current profile's cap on an entity, if it has one (no profile, or a custom bucket: no cap). */
  entityLimit(entity: keyof EntityLimits): number | undefined {
    const setting = this.rateLimit;
    if (setting?.kind !== "profile") return undefined;
    return RATE_LIMIT_PROFILES[setting.profile].entities?.[entity];
  }

  setRateLimitProfile(profile: RateLimitProfileName): void {
    this.rateLimit = profile === "off" ? undefined : { kind: "profile", profile };
    this.buckets.clear();
  }

  /** Back to the profile the emulator was started with, every bucket full. */
  resetRateLimit(): void {
    this.setRateLimitProfile(this.startProfile);
  }

  /** The limit in force and its buckets as they stand, for `GET /__emulator/rate-limit`. */
  describeRateLimit(): { profile: RateLimitProfileName | "custom"; buckets: BucketLimit[] } {
    const setting = this.rateLimit;
    if (!setting) return { profile: "off", buckets: [] };
    if (setting.kind === "custom") return { profile: "custom", buckets: [this.customLimit(setting.spec)] };
    const profile = RATE_LIMIT_PROFILES[setting.profile];
    const buckets = [profile.api, ...profile.endpoints, profile.otherEndpoints].filter(
      (bucket): bucket is BucketLimit => bucket !== undefined,
    );
    return {
      profile: setting.profile,
      buckets: buckets.map(({ name, burst, perSecond }) => ({ name, burst, perSecond })),
    };
  }

  private customLimit(spec: RateLimitSpec): BucketLimit {
    return { name: "management api", burst: spec.limit, perSecond: spec.refillPerSecond };
  }

  /**
   * Takes a token for a Management request (`route` in Fastify's `/api/v2/users/:id` form): from the
   * API-wide bucket first, if the limit has one, then from the endpoint's, as Auth0 evaluates them. Returns
   * the `x-ratelimit-*` values of the bucket the request fell into (the refusing one when refused). With no
   * limit set, the headers still come, describing a bucket that never empties.
   */
  takeRateLimitToken(method: string, route: string): RateLimitDecision {
    const nowMs = Date.now();
    const setting = this.rateLimit;
    if (!setting) {
      return { allowed: true, limit: UNLIMITED, remaining: UNLIMITED - 1, reset: Math.ceil(nowMs / 1000) };
    }
    let api: BucketLimit | undefined;
    let endpoint: BucketLimit | undefined;
    if (setting.kind === "custom") {
      api = this.customLimit(setting.spec);
    } else {
      const profile = RATE_LIMIT_PROFILES[setting.profile];
      api = profile.api;
      endpoint = endpointBucketFor(profile, method, route);
    }
    const apiDecision = api ? this.take(api, nowMs) : undefined;
    if (apiDecision && (!apiDecision.allowed || !endpoint)) return this.counted(apiDecision);
    // Every profile has an API-wide bucket, an endpoint bucket, or both.
    return this.counted(endpoint ? this.take(endpoint, nowMs) : apiDecision!);
  }

  private counted(decision: RateLimitDecision): RateLimitDecision {
    if (!decision.allowed) {
      this.stats.rateLimited += 1;
      increment(this.stats.rateLimitedByBucket, decision.bucket ?? "unknown");
    }
    return decision;
  }

  private take(limit: BucketLimit, nowMs: number): RateLimitDecision {
    let bucket = this.buckets.get(limit.name);
    if (!bucket) {
      bucket = { limit, tokens: limit.burst, updatedAt: nowMs };
      this.buckets.set(limit.name, bucket);
    }
    const elapsedSeconds = (nowMs - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsedSeconds * limit.perSecond);
    bucket.updatedAt = nowMs;
    // Refills add up in floating point; a client that waited exactly until the reset must not be refused
    // for lacking a billionth of a token.
    const allowed = bucket.tokens >= 1 - 1e-9;
    if (allowed) bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Refused: when the next token is back, the instant a retry succeeds (the auth0 SDK sleeps until
    // `reset * 1000 - Date.now()`). Served: when the bucket is full again. Rounded up to whole epoch
    // seconds, as Auth0 sends them, so the instant named is never before the token is back.
    const tokensToWaitFor = allowed ? limit.burst - bucket.tokens : 1 - bucket.tokens;
    const readyAtMs = nowMs + (tokensToWaitFor / limit.perSecond) * 1000;
    return {
      allowed,
      bucket: limit.name,
      limit: limit.burst,
      remaining: Math.floor(bucket.tokens),
      reset: Math.ceil(readyAtMs / 1000),
    };
  }
}
