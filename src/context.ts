import type { ApiKeyService } from "./services/api-keys.js";
import type { Caller } from "./caller/caller.js";
import type { Loaders } from "./directory/loaders.js";
import type { DirectoryStatus } from "./directory/status.js";
import type { IntegrationService } from "./services/integrations.js";
import type { PlanService } from "./services/plans.js";
import type { UserService } from "./services/users.js";
import type { RequestDirectory } from "./directory/read-cache.js";
import type { Store } from "./store/store.js";

/** The domain services: every write goes through one of them. */
export interface Services {
  plans: PlanService;
  users: UserService;
  apiKeys: ApiKeyService;
  integrations: IntegrationService;
}

/**
 * What every resolver and rule of one request works with. It is the `Actor` the services are called with
 * (the caller and the request id).
 */
export interface GatehouseContext {
  caller: Caller;
  /** The HTTP request's id, sent back as `x-request-id` and kept in the audit events it causes. */
  requestId: string;
  /** Gatehouse's read model of Auth0: every read is answered from it. */
  directory: RequestDirectory;
  loaders: Loaders;
  services: Services;
  /** Gatehouse's own records (integrations, audit events). */
  store: Pick<Store, "integrations" | "auditLog">;
  /** The directory's state, for operators. */
  directoryStatus: () => Promise<DirectoryStatus>;
  /** graphql-shield's per-request rule cache. */
  _shield: { cache: Record<string, boolean | string | Error | Promise<boolean | string | Error>> };
}
