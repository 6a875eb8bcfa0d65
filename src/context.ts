import type { Auth0Management } from "./auth0/management.js";
import type { Loaders } from "./auth0/loaders.js";
import type { ApiKeyExchange } from "./caller/api-key-exchange.js";
import type { Caller } from "./caller/caller.js";
import type { Store } from "./store/store.js";

/** What every resolver and rule of one request works with. */
export interface GatehouseContext {
  caller: Caller;
  management: Auth0Management;
  loaders: Loaders;
  store: Store;
  apiKeys: ApiKeyExchange;
  /** The Gatehouse API's identifier: the audience of its tokens and of API keys' client grants. */
  audience: string;
  /** graphql-shield's per-request rule cache. */
  _shield: { cache: Record<string, boolean | string | Error | Promise<boolean | string | Error>> };
}
