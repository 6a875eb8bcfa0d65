import type { Management } from "auth0";
import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { OrganizationsClient } from "auth0/organizations";
import { ResourceServersClient } from "auth0/resourceServers";
import { RolesClient } from "auth0/roles";
import { UsersClient } from "auth0/users";
import { collect } from "../auth0/management.js";
import type { DemoData } from "../dev/demo-seed.js";

/** The Management API as the provisioner uses it: the `auth0` SDK's clients of the objects it sets up. */
export interface ProvisioningApi {
  resourceServers: ResourceServersClient;
  roles: RolesClient;
  clients: ClientsClient;
  clientGrants: ClientGrantsClient;
  organizations: OrganizationsClient;
  users: UsersClient;
}

/**
 * The SDK's clients on `issuer`'s Management API. They retry a 429 up to five times, waiting until the
 * `x-ratelimit-reset` Auth0 sends (a free tenant allows 2 requests a second for the whole API).
 */
export function provisioningApi(issuer: string, token: () => Promise<string>): ProvisioningApi {
  const options = { baseUrl: `${issuer}api/v2`, token, maxRetries: 5 };
  return {
    resourceServers: new ResourceServersClient(options),
    roles: new RolesClient(options),
    clients: new ClientsClient(options),
    clientGrants: new ClientGrantsClient(options),
    organizations: new OrganizationsClient(options),
    users: new UsersClient(options),
  };
}

export interface RoleState {
  id: string;
  name: string;
  description: string;
  /** Its permissions on the definition's API. */
  permissions: string[];
}

export interface DemoUserState {
  userId: string;
  /** Tenant-level role ids. */
  roleIds: string[];
}

/** What the tenant holds of what the definition (and the demo data) describe, read once before planning. */
export interface TenantState {
  managementAudience: string;
  api?: Management.ResourceServer;
  roles: RoleState[];
  clients: Management.Client[];
  clientGrants: Management.ClientGrantResponseContent[];
  organizations: Management.Organization[];
  /** With the demo: the demo users that exist, by email. */
  users: Map<string, DemoUserState>;
  /** With the demo: organization id → member user id → the member's role ids, for the demo organizations. */
  members: Map<string, Map<string, string[]>>;
}

/** Reads what the plan is made from, a progress line per kind of object. */
export async function readTenantState(
  api: ProvisioningApi,
  options: {
    audience: string;
    managementAudience: string;
    demo?: DemoData;
    progress: (line: string) => void;
  },
): Promise<TenantState> {
  const { progress } = options;
  progress("reading APIs");
  const servers = await collect(await api.resourceServers.list({ per_page: 100 }));
  const server = servers.find((candidate) => candidate.identifier === options.audience);

  progress("reading roles and their permissions");
  const roles: RoleState[] = [];
  for (const role of await collect(await api.roles.list({ per_page: 100 }))) {
    const permissions = await collect(await api.roles.permissions.list(String(role.id), { per_page: 100 }));
    roles.push({
      id: String(role.id),
      name: String(role.name),
      description: role.description ?? "",
      permissions: permissions
        .filter((permission) => permission.resource_server_identifier === options.audience)
        .map((permission) => String(permission.permission_name)),
    });
  }

  progress("reading applications and client grants");
  const clients = await collect(await api.clients.list({ per_page: 100 }));
  const clientGrants = await collect(await api.clientGrants.list({ take: 100 }));

  progress("reading organizations");
  const organizations = await collect(await api.organizations.list({ take: 100 }));

  const users = new Map<string, DemoUserState>();
  const members = new Map<string, Map<string, string[]>>();
  if (options.demo) {
    progress("reading the demo users and memberships");
    for (const user of options.demo.users) {
      const found = await collect(
        await api.users.list({ q: `email:"${user.email}"`, search_engine: "v3", per_page: 1 }),
      );
      const existing = found.find((candidate) => candidate.email?.toLowerCase() === user.email.toLowerCase());
      if (!existing?.user_id) continue;
      const roleIds = await collect(await api.users.roles.list(existing.user_id, { per_page: 100 }));
      users.set(user.email, { userId: existing.user_id, roleIds: roleIds.map((role) => String(role.id)) });
    }
    for (const demoOrg of options.demo.organizations) {
      const org = organizations.find((candidate) => candidate.name === demoOrg.name);
      if (!org?.id) continue;
      const memberRoles = new Map<string, string[]>();
      for (const member of await collect(await api.organizations.members.list(org.id, { take: 100 }))) {
        const userId = String(member.user_id);
        const roleIds = await collect(
          await api.organizations.members.roles.list(org.id, userId, { per_page: 100 }),
        );
        memberRoles.set(
          userId,
          roleIds.map((role) => String(role.id)),
        );
      }
      members.set(org.id, memberRoles);
    }
  }

  return {
    managementAudience: options.managementAudience,
    ...(server ? { api: server } : {}),
    roles,
    clients,
    clientGrants,
    organizations,
    users,
    members,
  };
}
