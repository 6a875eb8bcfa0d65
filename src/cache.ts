import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";

/**
 * The cross-request cache: in-process by default, shared by every instance with `CACHE_URL=redis://…`.
 * Entries are namespaced by what they hold (`mgmt-token`, `api-key`, `client`, …).
 *
 * With Redis, failures throw instead of reading as misses: a missed revocation marker would let a revoked
 * API key's cached exchange through, and every miss would cost an Auth0 token exchange against the quota.
 */
export function createCache(cacheUrl: string | undefined, namespace = "gatehouse"): Keyv {
  if (!cacheUrl) return new Keyv({ namespace });
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
