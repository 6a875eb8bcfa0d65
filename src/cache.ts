import KeyvRedis from "@keyv/redis";
import Keyv from "keyv";

/**
 * The cross-request cache: in-process by default, shared by every instance with `CACHE_URL=redis://…`.
 * Entries are namespaced by what they hold (`mgmt-token`, `api-key`, `client`, …).
 */
export function createCache(cacheUrl: string | undefined, namespace = "gatehouse"): Keyv {
  if (!cacheUrl) return new Keyv({ namespace });
  return new Keyv({ store: new KeyvRedis(cacheUrl), namespace, useKeyPrefix: false });
}
