import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";
import { LRUCache } from "lru-cache";

/** At most this many entries in the in-process cache: a flood of distinct keys evicts the least used. */
export const IN_PROCESS_CACHE_MAX_ENTRIES = 20_000;
/** An entry written without a time-to-live is dropped after a day all the same. */
const IN_PROCESS_CACHE_MAX_AGE_MS = 24 * 3_600_000;

/**
 * The in-process store under keyv: an LRU with a size cap and expiry. keyv's default Map keeps every entry,
 * expired or not, until it is read again (a red-team pass left 50,000 expired entries held).
 */
export class BoundedMemoryStore<V = unknown> {
  private readonly entries: LRUCache<string, { value: V }>;

  constructor(maxEntries = IN_PROCESS_CACHE_MAX_ENTRIES) {
    this.entries = new LRUCache({ max: maxEntries, ttl: IN_PROCESS_CACHE_MAX_AGE_MS });
  }

  /** How many entries are held now. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, ttl?: number): void {
    this.entries.set(key, { value }, ttl && ttl > 0 ? { ttl } : {});
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The cross-request cache: in-process by default, shared by every instance with `CACHE_URL=redis://…`.
 * Entries are namespaced by what they hold (`mgmt-token`, `api-key`, `client`, …).
 *
 * With Redis, failures throw instead of reading as misses: a missed revocation marker would let a revoked
 * API key's cached exchange through, and every miss would cost an Auth0 token exchange against the quota.
 */
export function createCache(cacheUrl: string | undefined, namespace = "gatehouse"): Keyv {
  if (!cacheUrl) return new Keyv({ store: new BoundedMemoryStore(), namespace });
  const store = new KeyvRedis(cacheUrl, {
    throwOnErrors: true,
    throwOnConnectError: true,
    connectionTimeout: 5_000,
  });
  const cache = new Keyv({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
  // Errors reach callers as exceptions; the event is logged once more, without payloads.
  cache.on("error", (error: unknown) =>
    console.error(`cache error: ${(error as Error)?.message ?? "unknown"}`),
  );
  return cache;
}
