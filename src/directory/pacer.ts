/** What Auth0 said of one rate-limit bucket in its last answer. */
interface BucketState {
  limit: number;
  remaining: number;
  /** Epoch milliseconds at which the bucket is full again (Auth0's `x-ratelimit-reset`, in seconds). */
  resetAt: number;
}

export interface PacerOptions {
  /** The share of each bucket the background sync may use; the rest is kept for the request path's writes. */
  share: number;
  /** How long to wait at most before trying again when a bucket is drained; injectable for tests. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Auth0 buckets Management endpoints by route and method; ids in a path do not make a bucket of their own. */
export function routeOf(method: string, url: string): string {
  const path = new URL(url).pathname
    .split("/")
    .map((segment, index) => (index > 3 && /[|%_\d]/.test(segment) ? ":id" : segment))
    .join("/");
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Paces Gatehouse's background reads of the Management API (the directory's import and reconciliation) so
 * that they spend at most a share of each rate-limit bucket, as Auth0 reports it in `x-ratelimit-*`: before a
 * request, it waits for the reset of a bucket that is down to the reserve. The request path's writes do not
 * go through it, so they always find the reserve there.
 *
 * Auth0 groups routes into buckets it does not name ("all other endpoints"), and the headers describe the
 * bucket the request drew from; so requests go one at a time, and a request waits while either its own
 * route's bucket or the bucket the last answer described is at the reserve — cautious, never over the share.
 */
export class RateLimitPacer {
  private readonly buckets = new Map<string, BucketState>();
  private last: BucketState | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** Milliseconds spent waiting, for the sync's progress lines. */
  waitedMs = 0;

  constructor(private readonly options: PacerOptions) {
    if (!(options.share > 0 && options.share <= 1)) throw new Error("the pacer's share must be in (0, 1]");
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** A `fetch` for the `auth0` SDK's clients: one request at a time, each waiting for room, then recorded. */
  readonly fetch: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const route = routeOf(init?.method ?? (input instanceof Request ? input.method : "GET"), url);
    const turn = this.queue.then(async () => {
      await this.waitForRoom(route);
      const response = await fetch(input, init);
      this.record(route, response.headers);
      return response;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  };

  private isLow(bucket: BucketState | undefined): bucket is BucketState {
    return (
      bucket !== undefined &&
      bucket.resetAt > this.now() &&
      bucket.remaining <= bucket.limit * (1 - this.options.share)
    );
  }

  private async waitForRoom(route: string): Promise<void> {
    for (const bucket of [this.buckets.get(route), this.last]) {
      if (!this.isLow(bucket)) continue;
      const wait = Math.min(bucket.resetAt - this.now(), this.options.maxWaitMs ?? 60_000);
      this.waitedMs += wait;
      await this.sleep(wait);
    }
  }

  private record(route: string, headers: Headers): void {
    const limit = Number(headers.get("x-ratelimit-limit"));
    const remaining = Number(headers.get("x-ratelimit-remaining"));
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (!Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || limit <= 0)
      return;
    const bucket = { limit, remaining, resetAt: reset * 1000 };
    this.buckets.set(route, bucket);
    this.last = bucket;
  }
}
