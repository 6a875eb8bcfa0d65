import { LRUCache } from "lru-cache";

export interface FixedWindowLimits {
  /** Requests one source may make in a window. */
  perSource: number;
  /** Requests all sources together may make in a window. */
  overall: number;
  windowMs: number;
  /** How many sources are remembered at once; the least recently seen are forgotten first. */
  maxSources?: number;
}

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Window {
  count: number;
  endsAt: number;
}

/**
 * A per-source and overall request limit over fixed windows, in this process (each instance counts its own).
 * Bounded: at most `maxSources` sources are remembered, so a flood of addresses cannot grow it; a forgotten
 * source starts a new window, and the overall limit still holds. A refused request is not counted.
 */
export class FixedWindowLimiter {
  private readonly sources: LRUCache<string, Window>;
  private overall: Window = { count: 0, endsAt: 0 };

  constructor(
    private readonly limits: FixedWindowLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.sources = new LRUCache({ max: limits.maxSources ?? 10_000 });
  }

  take(source: string): LimitDecision {
    const now = this.now();
    if (this.overall.endsAt <= now) this.overall = { count: 0, endsAt: now + this.limits.windowMs };
    let window = this.sources.get(source);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.limits.windowMs };
      this.sources.set(source, window);
    }
    const full = [
      ...(window.count >= this.limits.perSource ? [window] : []),
      ...(this.overall.count >= this.limits.overall ? [this.overall] : []),
    ];
    if (full.length > 0) {
      const endsAt = Math.max(...full.map((entry) => entry.endsAt));
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((endsAt - now) / 1000)) };
    }
    window.count += 1;
    this.overall.count += 1;
    return { allowed: true };
  }
}
