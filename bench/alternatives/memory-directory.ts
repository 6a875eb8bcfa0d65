// Gatehouse's directory over a tenant's rows held in memory: the seam where contender 3 ("Gatehouse's
// authorization alone") swaps the store out and keeps everything else — the caller's resolution, the
// permission map composed into the resolvers, the resolvers and their loaders — as Gatehouse runs them.
import type { RequestDirectory } from "../../src/directory/read-cache.js";
import type { DirectoryMembership, DirectoryUser } from "../../src/store/directory.js";
import type { TenantRows } from "./tenant.js";

function absent(what: string): never {
  throw new Error(`the benchmark's in-memory directory does not serve ${what}`);
}

/** A cursor is the last user id of a page, as the store's cursors are positions in user id order. */
const cursorOf = (userId: string) => Buffer.from(`members:${userId}`).toString("base64url");
const userIdOf = (cursor: string) =>
  Buffer.from(cursor, "base64url").toString("utf8").slice("members:".length);

export function memoryDirectory(rows: TenantRows): RequestDirectory {
  const tenantId = rows.tenant.id;
  const users = new Map(rows.users.map((user) => [user.id, user]));
  const membership = (userId: string): DirectoryMembership | null => {
    const roleNames = rows.roleNames[userId];
    return roleNames ? { tenantId, userId, roleNames, sourceTime: rows.tenant.sourceTime } : null;
  };
  const tenantsOf = (userId: string) => (rows.roleNames[userId] ? [tenantId] : []);
  return {
    findUser: async (id) => users.get(id) ?? null,
    findUsers: async (ids) => ids.flatMap((id) => users.get(id) ?? []),
    tenantsOfUser: async (userId) => tenantsOf(userId),
    findMembership: async (tenant, userId) => (tenant === tenantId ? membership(userId) : null),
    async findUserInTenant(userId, tenant) {
      const user = users.get(userId);
      return user ? { user, membership: tenant === tenantId ? membership(userId) : null } : null;
    },
    async findMemberships(tenant, userIds) {
      const found = new Map<string, DirectoryMembership>();
      if (tenant !== tenantId) return found;
      for (const userId of userIds) {
        const member = membership(userId);
        if (member) found.set(userId, member);
      }
      return found;
    },
    async listTenantUsers(tenant, query) {
      if (query.search) absent("searches");
      const members = tenant === tenantId ? rows.users : ([] as DirectoryUser[]);
      const after = query.after ? userIdOf(query.after) : null;
      const from = after === null ? members : members.filter((user) => user.id > after);
      const nodes = from
        .slice(0, query.first)
        .map((user) => ({ ...user, memberRoleNames: rows.roleNames[user.id] ?? [] }));
      const last = nodes.at(-1);
      return {
        nodes,
        totalCount: query.withTotal === false ? null : members.length,
        hasNextPage: from.length > nodes.length,
        endCursor: last ? cursorOf(last.id) : null,
      };
    },
    memberIds: async (tenant) => (tenant === tenantId ? rows.users.map((user) => user.id) : []),
    findTenant: async (id) => (id === tenantId ? rows.tenant : null),
    findTenants: async (ids) => (ids.includes(tenantId) ? [rows.tenant] : []),
    tenantIds: async () => [tenantId],
    listRoles: async () => rows.roles,
    // The contenders serve a tenant's users: what follows is not asked by the benchmark's query or callers.
    findClient: async () => absent("clients"),
    clientIds: async () => absent("clients"),
    listApiKeys: async () => absent("API keys"),
    listPartners: async () => absent("partners"),
    consentsOfUser: async () => absent("consents"),
    consentsOfClient: async () => absent("consents"),
    listTenants: async () => absent("the list of tenants"),
    userIdsWithPlatformRoles: async () => absent("platform roles"),
    userIdsWithoutTenantOrRole: async () => absent("the sync's reads"),
    counts: async () => absent("counts"),
    version: async () => 0,
    getState: async () => absent("the sync's state"),
    hasEvent: async () => absent("events"),
    readFresh: () => undefined,
    cachedRead: (_name, load) => load(),
  };
}
