import type { Auth0Management } from "./auth0/management.js";
import type { Loaders } from "./auth0/loaders.js";
import type { Caller } from "./caller/caller.js";

/** What every resolver and rule of one request works with. */
export interface GatehouseContext {
  caller: Caller;
  management: Auth0Management;
  loaders: Loaders;
  /** graphql-shield's per-request rule cache. */
  _shield: { cache: Record<string, boolean | string | Error | Promise<boolean | string | Error>> };
}
