import { LRUCache } from "lru-cache";
import type { DirectoryMembership, DirectoryReader } from "../store/directory.js";

/** The directory as one request sees it. */
export interface RequestDirectory extends DirectoryReader {
  /**
   * From now on this request reads the store, not the cache: a mutation must see its own writes, which
   * happen after the request read the version.
   */
  readFresh(): void;
  /**
   * Another read of Gatehouse's store served from the same version-tagged memory (API keys' rows and
   * rotations, whose writes move the directory's version on too): `name` must say what `load` reads.
   */
  cachedRead<T>(name: string, load: () => Promise<T>): Promise<T>;
}

interface Entry {
  version: number;
  value: unknown;
}

/** How many rows the process keeps (a user, a membership; a page of a list counts its rows), bounding memory. */
const MAX_ROWS = 200_000;

/** An entry's weight in rows: a list or a page weighs what it holds. */
function rowsIn(entry: Entry): number {
  const { value } = entry;
  if (Array.isArray(value)) return value.length + 1;
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  return Array.isArray(nodes) ? nodes.length + 1 : 1;
}

/**
 * An in-process cache of directory reads, correct across instances: every directory write moves one version
 * number on in the store (in the write's own transaction, after the write), and a request reads that number
 * once; what was read under the same number is served from memory, anything older is read again. So a request
 * costs one statement for what it would otherwise ask the store again and again (the caller check, roles,
 * partners), and a change made on any instance is seen by every instance on its next request.
 */
export class DirectoryReadCache {
  private readonly entries = new LRUCache<string, Entry>({ maxSize: MAX_ROWS, sizeCalculation: rowsIn });

  constructor(
    private readonly directory: DirectoryReader,
    /** Told whether each look-up was served from memory (the cache's hit ratio). */
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {}

  /** A reader for one request: the version is read on first use and holds for the request. */
  forRequest(): RequestDirectory {
    const { directory, entries, onLookup } = this;
    let version: Promise<number> | undefined;
    let fresh = false;
    const currentVersion = () => (version ??= directory.version());

    async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (fresh) return load();
      const at = await currentVersion();
      const hit = entries.get(key);
      onLookup(hit?.version === at);
      if (hit && hit.version === at) return hit.value as T;
      const value = await load();
      entries.set(key, { version: at, value });
      return value;
    }

    /** Reads by id, each id cached on its own, the misses loaded in one batch. */
    async function cachedEach<T>(
      prefix: string,
      ids: readonly string[],
      idOf: (value: T) => string,
      load: (missing: string[]) => Promise<T[]>,
    ): Promise<T[]> {
      if (fresh) return load([...ids]);
      const at = await currentVersion();
      const found: T[] = [];
      const missing: string[] = [];
      for (const id of ids) {
        const hit = entries.get(`${prefix}:${id}`);
        onLookup(hit?.version === at);
        if (hit && hit.version === at) {
          if (hit.value !== null) found.push(hit.value as T);
        } else missing.push(id);
      }
      if (missing.length > 0) {
        const loaded = new Map((await load(missing)).map((value) => [idOf(value), value]));
        for (const id of missing) {
          const value = loaded.get(id) ?? null;
          entries.set(`${prefix}:${id}`, { version: at, value });
          if (value !== null) found.push(value);
        }
      }
      return found;
    }

    const key = (...parts: unknown[]) => JSON.stringify(parts);

    return {
      findUser: (id) => cached(key("user", id), () => directory.findUser(id)),
      findUsers: (ids) =>
        cachedEach(
          "user-row",
          ids,
          (user) => user.id,
          (missing) => directory.findUsers(missing),
        ),
      tenantsOfUser: (userId) => cached(key("tenants-of", userId), () => directory.tenantsOfUser(userId)),
      findMembership: (tenantId, userId) =>
        cached(key("membership", tenantId, userId), () => directory.findMembership(tenantId, userId)),
      findUserInTenant: (userId, tenantId) =>
        cached(key("user-in-tenant", userId, tenantId), () => directory.findUserInTenant(userId, tenantId)),
      async findMemberships(tenantId, userIds) {
        const found = await cachedEach<DirectoryMembership>(
          `membership-row:${tenantId}`,
          userIds,
          (membership) => membership.userId,
          async (missing) => [...(await directory.findMemberships(tenantId, missing)).values()],
        );
        return new Map(found.map((membership) => [membership.userId, membership]));
      },
      listTenantUsers: (tenantId, query) =>
        cached(key("tenant-users", tenantId, query), () => directory.listTenantUsers(tenantId, query)),
      memberIds: (tenantId) => cached(key("member-ids", tenantId), () => directory.memberIds(tenantId)),
      findTenant: (id) => cached(key("tenant", id), () => directory.findTenant(id)),
      findTenants: (ids) =>
        cachedEach(
          "tenant-row",
          ids,
          (tenant) => tenant.id,
          (missing) => directory.findTenants(missing),
        ),
      listTenants: (query) => cached(key("tenants", query), () => directory.listTenants(query)),
      listRoles: () => cached(key("roles"), () => directory.listRoles()),
      findClient: (id) => cached(key("client", id), () => directory.findClient(id)),
      listApiKeys: (tenantId) => cached(key("api-keys", tenantId), () => directory.listApiKeys(tenantId)),
      listPartners: () => cached(key("partners"), () => directory.listPartners()),
      consentsOfUser: (userId) =>
        cached(key("consents-of-user", userId), () => directory.consentsOfUser(userId)),
      consentsOfClient: (clientId) =>
        cached(key("consents-of-client", clientId), () => directory.consentsOfClient(clientId)),
      // Operators' figures and what only the sync reads are read fresh.
      counts: () => directory.counts(),
      userIdsWithPlatformRoles: () => directory.userIdsWithPlatformRoles(),
      userIdsWithoutTenantOrRole: () => directory.userIdsWithoutTenantOrRole(),
      tenantIds: () => directory.tenantIds(),
      clientIds: () => directory.clientIds(),
      hasEvent: (id) => directory.hasEvent(id),
      getState: (name) => directory.getState(name),
      version: () => currentVersion(),
      cachedRead: (name, load) => cached(key("store", name), load),
      readFresh() {
        fresh = true;
      },
    };
  }
}
