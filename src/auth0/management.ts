import type { Management } from "auth0";
import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { OrganizationsClient } from "auth0/organizations";
import { RolesClient } from "auth0/roles";
import { UserGrantsClient } from "auth0/userGrants";
import { UsersClient } from "auth0/users";
import type Keyv from "keyv";
import {
  PARTNER_MARKER,
  toApiKeyModel,
  toTenantModel,
  toUserModel,
  type ApiKeyModel,
  type PartnerModel,
  type TenantModel,
  type UserModel,
} from "./models.js";
import { findOrUndefined, upstream } from "./upstream.js";

/** How long slow-changing Auth0 objects are trusted across requests. */
export const CROSS_REQUEST_TTL_MS = {
  client: 30_000,
  organization: 60_000,
  roles: 60_000,
  partners: 60_000,
  userTenants: 30_000,
};

export interface RoleModel {
  id: string;
  name: string;
  /** Its permissions on the Gatehouse API. */
  permissions: string[];
}

/** A member of an organization, as the members list gives it, with their member roles there. */
export interface MemberModel {
  userId: string;
  email: string | null;
  name: string | null;
  /** Names of the member's organization roles in this organization. */
  roleNames: string[];
}

/** Auth0 `q` values are quoted; an id with a quote or backslash could escape the filter, so none is sent. */
function quoted(value: string): string {
  if (/["\\]/.test(value)) throw new Error("an Auth0 id cannot contain quotes or backslashes");
  return `"${value}"`;
}

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

/**
 * The Auth0 Management API as Gatehouse uses it: the SDK's per-resource clients on one token supplier, and a
 * short-lived cross-request cache (keyv) for slow-changing things. Lives for the process; per-request
 * batching is in `loaders.ts`.
 */
export class Auth0Management {
  readonly users: UsersClient;
  readonly organizations: OrganizationsClient;
  readonly roles: RolesClient;
  readonly clients: ClientsClient;
  readonly clientGrants: ClientGrantsClient;
  readonly userGrants: UserGrantsClient;

  constructor(
    readonly options: {
      issuer: string;
      audience: string;
      token: () => Promise<string>;
      /** How long a client is trusted across requests (default 30 s). */
      clientTtlMs?: number;
    },
    private readonly cache: Keyv,
  ) {
    const clientOptions = {
      baseUrl: `${options.issuer}api/v2`,
      token: options.token,
      maxRetries: 2,
      timeoutInSeconds: 15,
    };
    this.users = new UsersClient(clientOptions);
    this.organizations = new OrganizationsClient(clientOptions);
    this.roles = new RolesClient(clientOptions);
    this.clients = new ClientsClient(clientOptions);
    this.clientGrants = new ClientGrantsClient(clientOptions);
    this.userGrants = new UserGrantsClient(clientOptions);
  }

  /** Concurrent misses of one key share one load, so a burst of first requests is one Auth0 call. */
  private readonly loading = new Map<string, Promise<unknown>>();

  private async cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = await this.cache.get<{ value: T }>(key);
    if (hit) return hit.value;
    const running = this.loading.get(key) as Promise<T> | undefined;
    if (running) return running;
    const loaded = (async () => {
      const value = await load();
      await this.cache.set(key, { value }, ttlMs);
      return value;
    })().finally(() => this.loading.delete(key));
    this.loading.set(key, loaded);
    return loaded;
  }

  /** Forgets a cached object after Gatehouse changed it, on every instance sharing the cache. */
  async forget(
    key: `client:${string}` | `organization:${string}` | "roles" | `user-tenants:${string}`,
  ): Promise<void> {
    await this.cache.delete(key);
  }

  /** A client (application) by id, or null when Auth0 has none; cached briefly, so a deletion behind Gatehouse's back counts within that time. */
  findClient(clientId: string): Promise<Management.Client | null> {
    return this.cached(
      `client:${clientId}`,
      this.options.clientTtlMs ?? CROSS_REQUEST_TTL_MS.client,
      async () => {
        const client = await findOrUndefined(() =>
          this.clients.get(clientId, {
            fields: "client_id,name,description,app_type,is_first_party,client_metadata,logo_uri,created_at",
            include_fields: true,
          }),
        );
        return client ?? null;
      },
    );
  }

  findOrganization(id: string): Promise<TenantModel | null> {
    return this.cached(`organization:${id}`, CROSS_REQUEST_TTL_MS.organization, async () => {
      const organization = await findOrUndefined(() => this.organizations.get(id));
      return organization ? toTenantModel(organization) : null;
    });
  }

  /** The ids of the organizations a user belongs to. */
  tenantsOfUser(userId: string): Promise<string[]> {
    return this.cached(`user-tenants:${userId}`, CROSS_REQUEST_TTL_MS.userTenants, async () => {
      const organizations = await findOrUndefined(async () =>
        collect(await this.users.organizations.list(userId, { per_page: 100 })),
      );
      return (organizations ?? []).map((organization) => String(organization.id));
    });
  }

  /** Every role with its permissions on the Gatehouse API. */
  listRoles(): Promise<RoleModel[]> {
    return this.cached("roles", CROSS_REQUEST_TTL_MS.roles, () =>
      upstream(async () => {
        const roles = await collect(await this.roles.list({ per_page: 100 }));
        return Promise.all(
          roles.map(async (role) => {
            const permissions = await collect(
              await this.roles.permissions.list(String(role.id), { per_page: 100 }),
            );
            return {
              id: String(role.id),
              name: String(role.name),
              permissions: permissions
                .filter((permission) => permission.resource_server_identifier === this.options.audience)
                .map((permission) => String(permission.permission_name)),
            };
          }),
        );
      }),
    );
  }

  /** A user's roles as a member of an organization (the roles their organization logins carry). */
  memberRoleNames(tenantId: string, userId: string): Promise<string[]> {
    return upstream(async () => {
      const roles = await collect(
        await this.organizations.members.roles.list(tenantId, userId, { per_page: 100 }),
      );
      return roles.map((role) => String(role.name)).sort();
    });
  }

  /** A user's tenant-level roles: only platform operators have any; they act in no tenant. */
  platformRoleNames(userId: string): Promise<string[]> {
    return upstream(async () => {
      const roles = await collect(await this.users.roles.list(userId, { per_page: 100 }));
      return roles.map((role) => String(role.name)).sort();
    });
  }

  assignMemberRoles(tenantId: string, userId: string, roleIds: string[]): Promise<void> {
    return upstream(async () => {
      await this.organizations.members.roles.assign(tenantId, userId, { roles: roleIds });
    });
  }

  removeMemberRoles(tenantId: string, userId: string, roleIds: string[]): Promise<void> {
    return upstream(async () => {
      await this.organizations.members.roles.delete(tenantId, userId, { roles: roleIds });
    });
  }

  /** Ends a membership; Auth0 drops the member's roles in that organization with it. */
  removeMember(tenantId: string, userId: string): Promise<void> {
    return upstream(async () => {
      await this.organizations.members.delete(tenantId, { members: [userId] });
    });
  }

  async findUser(id: string): Promise<UserModel | null> {
    const user = await findOrUndefined(() => this.users.get(id));
    return user ? toUserModel(user) : null;
  }

  /** The users who consented to a partner (its user grants on any API). */
  listConsentingUserIds(partnerId: string): Promise<string[]> {
    return upstream(async () => {
      const grants = await collect(await this.userGrants.list({ client_id: partnerId, per_page: 100 }));
      return grants.map((grant) => String(grant.user_id));
    });
  }

  /** Users by id, in one user search (`q=user_id:(…)`); at most 50 ids a call. */
  findUsersByIds(ids: readonly string[]): Promise<UserModel[]> {
    return upstream(async () => {
      if (ids.length === 0) return [];
      const page = await this.users.list({
        q: `user_id:(${ids.map(quoted).join(" OR ")})`,
        search_engine: "v3",
        per_page: Math.min(100, ids.length),
      });
      return page.data.map(toUserModel);
    });
  }

  /** All members of an organization, with their member roles (`fields=roles`: no call per member). */
  listMembers(organizationId: string): Promise<MemberModel[]> {
    return upstream(async () => {
      const members = await collect(
        await this.organizations.members.list(organizationId, {
          take: 100,
          fields: "user_id,email,name,roles",
          include_fields: true,
        }),
      );
      return members.map((member) => ({
        userId: String(member.user_id),
        email: member.email ?? null,
        name: member.name ?? null,
        roleNames: (member.roles ?? []).map((role) => String(role.name)).sort(),
      }));
    });
  }

  /** Every client grant on the Gatehouse API, by client id: the scopes of API keys and partners. */
  private async grantScopesByClient(): Promise<Map<string, string[]>> {
    const grants = await collect(
      await this.clientGrants.list({ audience: this.options.audience, take: 100 }),
    );
    return new Map(grants.map((grant) => [String(grant.client_id), (grant.scope ?? []).map(String)]));
  }

  /** The partner catalogue: third-party applications marked as Gatehouse partners, with their scopes. */
  listPartners(): Promise<PartnerModel[]> {
    return this.cached("partners", CROSS_REQUEST_TTL_MS.partners, () =>
      upstream(async () => {
        const [clients, scopes] = await Promise.all([
          collect(await this.clients.list({ is_first_party: false, per_page: 100 })),
          this.grantScopesByClient(),
        ]);
        return clients
          .filter(
            (client) =>
              client.is_first_party === false && client.client_metadata?.[PARTNER_MARKER] === "true",
          )
          .map((client) => ({
            id: String(client.client_id),
            name: String(client.name ?? client.client_id),
            description: client.description || null,
            logoUri: client.logo_uri || null,
            scopes: scopes.get(String(client.client_id)) ?? [],
          }))
          .sort((a, b) => a.name.localeCompare(b.name));
      }),
    );
  }

  /** A tenant's API keys. Auth0 cannot filter clients by metadata, so machine clients are filtered here. */
  listApiKeys(tenantId: string): Promise<ApiKeyModel[]> {
    return upstream(async () => {
      const [clients, scopes] = await Promise.all([
        collect(await this.clients.list({ app_type: "non_interactive", per_page: 100 })),
        this.grantScopesByClient(),
      ]);
      return clients
        .map((client) => toApiKeyModel(client, scopes.get(String(client.client_id)) ?? []))
        .filter((key): key is ApiKeyModel => key !== null && key.tenantId === tenantId);
    });
  }

  /** One API key by id, whichever tenant it belongs to; null when it is not an API key. */
  findApiKey(clientId: string): Promise<ApiKeyModel | null> {
    return upstream(async () => {
      const client = await findOrUndefined(() => this.clients.get(clientId));
      if (!client) return null;
      const grants = await collect(
        await this.clientGrants.list({ client_id: clientId, audience: this.options.audience, take: 100 }),
      );
      return toApiKeyModel(client, (grants[0]?.scope ?? []).map(String));
    });
  }
}
