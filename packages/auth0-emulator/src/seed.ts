import { hashPassword } from "./passwords.js";
import type {
  EmulatorData,
  StoredClient,
  StoredClientGrant,
  StoredOrganization,
  StoredResourceServer,
  StoredRole,
  StoredUser,
} from "./model.js";

/**
 * What a tenant starts with: its APIs, roles, users, applications, grants and organizations, in Auth0's
 * field names, with the defaults Auth0 would fill left out. The emulator knows no tenant of its own: without
 * a seed it starts empty but for the Management API.
 */
export interface EmulatorSeed {
  /** The tenant's "Default Audience": the API of a token request that names none. */
  defaultAudience?: string;
  apis?: SeedApi[];
  roles?: SeedRole[];
  users?: SeedUser[];
  /** user_id → tenant-level role ids: they fill the tokens of logins without an organization only. */
  userRoles?: Record<string, string[]>;
  clients?: SeedClient[];
  clientGrants?: SeedClientGrant[];
  organizations?: SeedOrganization[];
}

/** A seed, or one built from the emulator's tenant: the Management API's audience contains the port. */
export type EmulatorSeedSource = EmulatorSeed | ((tenant: SeedTenant) => EmulatorSeed);

export interface SeedTenant {
  /** `http://127.0.0.1:<port>/`. */
  issuer: string;
  /** `<issuer>api/v2/`: the audience of grants on the Management API. */
  managementAudience: string;
}

export interface SeedApi {
  /** The resource server's id in the Management API (default `rs_<n>`). */
  id?: string;
  identifier: string;
  name: string;
  /** Its permissions (Auth0 calls them scopes). */
  scopes: readonly string[];
  /** RBAC: a token carries only the permissions of the user's roles (default true). */
  enforce_policies?: boolean;
  /** `access_token_authz` (default) adds the `permissions` claim. */
  token_dialect?: StoredResourceServer["token_dialect"];
  token_lifetime?: number;
  allow_offline_access?: boolean;
  skip_consent_for_verifiable_first_party_clients?: boolean;
}

export interface SeedRole {
  id: string;
  name: string;
  description?: string;
  /** The API (its identifier) → the permissions the role grants on it. */
  permissions: Record<string, readonly string[]>;
}

export interface SeedUser {
  user_id: string;
  email: string;
  name: string;
  /** Stored as a scrypt hash; without one the user cannot log in with a password. */
  password?: string;
  blocked?: boolean;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

export type SeedClient = Pick<StoredClient, "client_id" | "name" | "app_type"> &
  Partial<Omit<StoredClient, "client_id" | "name" | "app_type" | "created_at">>;

export type SeedClientGrant = Pick<StoredClientGrant, "id" | "client_id" | "audience"> & {
  scope: readonly string[];
  subject_type?: StoredClientGrant["subject_type"];
};

export type SeedOrganization = Pick<StoredOrganization, "id" | "name"> &
  Partial<Omit<StoredOrganization, "id" | "name" | "created_at">> & {
    /** user_id → the organization member roles (role ids); every key is a member. */
    members?: Record<string, readonly string[]>;
  };

/** Every scope the emulated Management API knows; its resource server lists them. */
export const MANAGEMENT_API_SCOPES = [
  "read:users",
  "create:users",
  "update:users",
  "delete:users",
  "read:roles",
  "create:roles",
  "update:roles",
  "read:role_members",
  "create:role_members",
  "read:organizations",
  "create:organizations",
  "update:organizations",
  "delete:organizations",
  "read:organization_members",
  "create:organization_members",
  "delete:organization_members",
  "read:organization_member_roles",
  "create:organization_member_roles",
  "delete:organization_member_roles",
  "read:organization_client_grants",
  "create:organization_client_grants",
  "delete:organization_client_grants",
  "read:clients",
  "create:clients",
  "update:clients",
  "delete:clients",
  "read:client_keys",
  "update:client_keys",
  "read:client_grants",
  "create:client_grants",
  "update:client_grants",
  "delete:client_grants",
  "read:grants",
  "delete:grants",
  "read:resource_servers",
  "create:resource_servers",
  "update:resource_servers",
  "read:event_streams",
  "create:event_streams",
  "update:event_streams",
  "delete:event_streams",
  "read:event_deliveries",
  "update:event_deliveries",
  "update:resource_servers",
] as const;

const SEED_TIME = "2026-01-01T00:00:00.000Z";

function keyed<T>(items: readonly T[], key: (item: T) => string): Record<string, T> {
  return Object.fromEntries(items.map((item) => [key(item), item]));
}

function storedUser(seed: SeedUser): StoredUser {
  return {
    user_id: seed.user_id,
    email: seed.email,
    email_verified: true,
    name: seed.name,
    nickname: seed.email.split("@")[0] ?? seed.email,
    picture: `https://s.gravatar.com/avatar/${seed.user_id.replace(/\W/g, "")}?s=480&d=identicon`,
    blocked: seed.blocked ?? false,
    connection: "Username-Password-Authentication",
    ...(seed.password === undefined ? {} : { password_hash: hashPassword(seed.password) }),
    app_metadata: seed.app_metadata ?? {},
    user_metadata: seed.user_metadata ?? {},
    created_at: SEED_TIME,
    updated_at: SEED_TIME,
    logins_count: 0,
  };
}

function storedRole(seed: SeedRole): StoredRole {
  return {
    id: seed.id,
    name: seed.name,
    description: seed.description ?? "",
    permissions: Object.entries(seed.permissions).flatMap(([api, names]) =>
      names.map((permission_name) => ({ resource_server_identifier: api, permission_name })),
    ),
  };
}

function storedClient(seed: SeedClient): StoredClient {
  return {
    description: "",
    is_first_party: true,
    token_endpoint_auth_method: "client_secret_post",
    grant_types: ["client_credentials"],
    callbacks: [],
    client_metadata: {},
    created_at: SEED_TIME,
    ...seed,
  };
}

function storedApi(seed: SeedApi, index: number): StoredResourceServer {
  return {
    id: seed.id ?? `rs_${index + 1}`,
    name: seed.name,
    identifier: seed.identifier,
    scopes: seed.scopes.map((value) => ({ value, description: value })),
    signing_alg: "RS256",
    enforce_policies: seed.enforce_policies ?? true,
    token_dialect: seed.token_dialect ?? "access_token_authz",
    token_lifetime: seed.token_lifetime ?? 86400,
    allow_offline_access: seed.allow_offline_access ?? false,
    skip_consent_for_verifiable_first_party_clients:
      seed.skip_consent_for_verifiable_first_party_clients ?? false,
  };
}

function managementApi(managementAudience: string): StoredResourceServer {
  return {
    id: "rs_management",
    name: "Auth0 Management API",
    identifier: managementAudience,
    is_system: true,
    scopes: MANAGEMENT_API_SCOPES.map((value) => ({ value, description: value })),
    signing_alg: "RS256",
    enforce_policies: false,
    token_dialect: "access_token",
    token_lifetime: 86400,
    allow_offline_access: false,
    skip_consent_for_verifiable_first_party_clients: false,
  };
}

/** The seed for this tenant: a function of it is called here, a plain seed is taken as it is. */
export function resolveSeed(source: EmulatorSeedSource | undefined, issuer: string): EmulatorSeed {
  if (!source) return {};
  return typeof source === "function" ? source({ issuer, managementAudience: `${issuer}api/v2/` }) : source;
}

/** The state a seed describes (without signing keys, which the key ring adds). No seed: an empty tenant. */
export function createSeedData(issuer: string, seed: EmulatorSeed = {}): EmulatorData {
  const organizations = seed.organizations ?? [];
  return {
    version: 1,
    issuer,
    ...(seed.defaultAudience === undefined ? {} : { defaultAudience: seed.defaultAudience }),
    users: keyed((seed.users ?? []).map(storedUser), (user) => user.user_id),
    roles: keyed((seed.roles ?? []).map(storedRole), (role) => role.id),
    userRoles: structuredClone(seed.userRoles ?? {}),
    organizations: keyed(
      organizations.map((org): StoredOrganization => ({
        id: org.id,
        name: org.name,
        display_name: org.display_name ?? org.name,
        metadata: { ...org.metadata },
        // Auth0's default: third-party applications may not log users in through an organization.
        third_party_client_access: org.third_party_client_access ?? "block",
        created_at: SEED_TIME,
      })),
      (org) => org.id,
    ),
    members: Object.fromEntries(organizations.map((org) => [org.id, Object.keys(org.members ?? {})])),
    memberRoles: Object.fromEntries(
      organizations.map((org) => [
        org.id,
        Object.fromEntries(Object.entries(org.members ?? {}).map(([user, roles]) => [user, [...roles]])),
      ]),
    ),
    clients: keyed((seed.clients ?? []).map(storedClient), (client) => client.client_id),
    clientGrants: keyed(
      (seed.clientGrants ?? []).map((grant): StoredClientGrant => ({
        ...grant,
        scope: [...grant.scope],
        subject_type: grant.subject_type ?? "client",
      })),
      (grant) => grant.id,
    ),
    organizationClientGrants: {},
    userGrants: {},
    resourceServers: keyed(
      [managementApi(`${issuer}api/v2/`), ...(seed.apis ?? []).map(storedApi)],
      (api) => api.id,
    ),
    refreshTokens: {},
    signingKeys: [],
    eventStreams: {},
    eventDeliveries: {},
  };
}
