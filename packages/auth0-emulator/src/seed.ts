import { PERMISSIONS, PLATFORM_PERMISSIONS } from "../../../src/authz/vocabulary.js";
import { hashPassword } from "./passwords.js";
import {
  GATEHOUSE_API,
  type EmulatorData,
  type StoredClient,
  type StoredClientGrant,
  type StoredResourceServer,
  type StoredRole,
  type StoredUser,
} from "./model.js";

/** The password of every seeded user. */
export const SEED_PASSWORD = "Gatehouse-dev-1";

/**
 * What Gatehouse's own machine client may do on the Management API. This is the tenant admin's
 * configuration, kept apart from the server's own list (src/auth0/management-token.ts): the server asks for
 * a subset of it at start-up, so a scope the server needs and this list lacks fails every server test, while
 * a scope granted here and not asked for is harmless.
 */
export const GATEHOUSE_SERVER_MANAGEMENT_SCOPES = [
  "read:users",
  "create:users",
  "update:users",
  "delete:users",
  "read:roles",
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
  "read:event_streams",
  "create:event_streams",
  "update:event_streams",
  "delete:event_streams",
  "read:event_deliveries",
  "update:event_deliveries",
];

/** Every scope the emulated Management API knows; the resource server lists them. */
export const MANAGEMENT_SCOPES = [...GATEHOUSE_SERVER_MANAGEMENT_SCOPES, "update:resource_servers"];

const SEED_TIME = "2026-01-01T00:00:00.000Z";

function role(id: string, name: string, description: string, permissions: readonly string[]): StoredRole {
  return {
    id,
    name,
    description,
    permissions: permissions.map((permission_name) => ({
      resource_server_identifier: GATEHOUSE_API,
      permission_name,
    })),
  };
}

function user(id: string, email: string, name: string, passwordHash: string): StoredUser {
  return {
    user_id: id,
    email,
    email_verified: true,
    name,
    nickname: email.split("@")[0] ?? email,
    picture: `https://s.gravatar.com/avatar/${id.replace(/\W/g, "")}?s=480&d=identicon`,
    blocked: false,
    connection: "Username-Password-Authentication",
    password_hash: passwordHash,
    app_metadata: {},
    user_metadata: {},
    created_at: SEED_TIME,
    updated_at: SEED_TIME,
    logins_count: 0,
  };
}

function client(
  fields: Partial<StoredClient> & Pick<StoredClient, "client_id" | "name" | "app_type">,
): StoredClient {
  return {
    description: "",
    is_first_party: true,
    token_endpoint_auth_method: "client_secret_post",
    grant_types: ["client_credentials"],
    callbacks: [],
    client_metadata: {},
    created_at: SEED_TIME,
    ...fields,
  };
}

function grant(
  id: string,
  clientId: string,
  audience: string,
  scope: readonly string[],
  subjectType: StoredClientGrant["subject_type"] = "client",
): StoredClientGrant {
  return { id, client_id: clientId, audience, scope: [...scope], subject_type: subjectType };
}

function keyed<T>(items: T[], key: (item: T) => string): Record<string, T> {
  return Object.fromEntries(items.map((item) => [key(item), item]));
}

/** Builds the seeded state (without signing keys, which the key ring adds). */
export function createSeedData(issuer: string): EmulatorData {
  const managementAudience = `${issuer}api/v2/`;
  const passwordHash = hashPassword(SEED_PASSWORD);
  const allPermissions = PERMISSIONS;
  const tenantAdminPermissions = allPermissions.filter((p) => !PLATFORM_PERMISSIONS.includes(p));

  const roles = [
    role("rol_member", "member", "Reads the users of their tenant", ["read:users"]),
    role("rol_user_manager", "user-manager", "Reads and manages the users of their tenant", [
      "read:users",
      "create:users",
      "update:users",
      "read:roles",
    ]),
    role("rol_tenant_admin", "tenant-admin", "Administers their tenant", tenantAdminPermissions),
    role("rol_platform_operator", "platform-operator", "Operates the whole platform", allPermissions),
  ];

  const users = [
    user("auth0|acme-admin", "admin@acme.test", "Ada Admin", passwordHash),
    user("auth0|acme-manager", "manager@acme.test", "Max Manager", passwordHash),
    user("auth0|acme-member", "member@acme.test", "Mia Member", passwordHash),
    user("auth0|globex-admin", "admin@globex.test", "Gus Admin", passwordHash),
    user("auth0|globex-member", "member@globex.test", "Gia Member", passwordHash),
    user("auth0|consultant", "consultant@example.test", "Cara Consultant", passwordHash),
    user("auth0|operator", "operator@gatehouse.test", "Olga Operator", passwordHash),
  ];

  const clients = [
    client({
      client_id: "gatehouse-spa",
      name: "Gatehouse SPA",
      app_type: "spa",
      token_endpoint_auth_method: "none",
      grant_types: [
        "authorization_code",
        "refresh_token",
        "password",
        "http://auth0.com/oauth/grant-type/password-realm",
      ],
      callbacks: ["http://127.0.0.1:4000/callback", "http://localhost:4000/callback"],
    }),
    client({
      client_id: "gatehouse-server",
      client_secret: "gatehouse-server-secret",
      name: "Gatehouse server",
      description: "Gatehouse's own machine client for the Management API",
      app_type: "non_interactive",
    }),
    client({
      client_id: "acme-backend",
      client_secret: "acme-backend-secret",
      name: "Acme back end",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_acme" },
    }),
    client({
      client_id: "globex-backend",
      client_secret: "globex-backend-secret",
      name: "Globex back end",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_globex" },
    }),
    client({
      client_id: "initech-cms",
      client_secret: "initech-cms-secret",
      name: "Initech CMS",
      description: "Publishes content on behalf of your users",
      app_type: "regular_web",
      is_first_party: false,
      grant_types: ["authorization_code", "refresh_token"],
      callbacks: ["http://127.0.0.1:4020/callback"],
      logo_uri: "https://initech.example/logo.png",
      client_metadata: { gatehouse_partner: "true" },
    }),
  ];

  const clientGrants = [
    grant(
      "cgr_gatehouse_server_mgmt",
      "gatehouse-server",
      managementAudience,
      GATEHOUSE_SERVER_MANAGEMENT_SCOPES,
    ),
    grant("cgr_acme_backend", "acme-backend", GATEHOUSE_API, ["read:users", "create:users"]),
    grant("cgr_globex_backend", "globex-backend", GATEHOUSE_API, [
      "read:users",
      "create:users",
      "update:users",
    ]),
    grant("cgr_initech_cms", "initech-cms", GATEHOUSE_API, ["read:users", "update:users"], "user"),
  ];

  const resourceServers: StoredResourceServer[] = [
    {
      id: "rs_management",
      name: "Auth0 Management API",
      identifier: managementAudience,
      is_system: true,
      scopes: MANAGEMENT_SCOPES.map((value) => ({ value, description: value })),
      signing_alg: "RS256",
      enforce_policies: false,
      token_dialect: "access_token",
      token_lifetime: 86400,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: false,
    },
    {
      id: "rs_gatehouse",
      name: "Gatehouse API",
      identifier: GATEHOUSE_API,
      scopes: allPermissions.map((value) => ({ value, description: value })),
      signing_alg: "RS256",
      enforce_policies: true,
      token_dialect: "access_token_authz",
      token_lifetime: 86400,
      allow_offline_access: true,
      skip_consent_for_verifiable_first_party_clients: true,
    },
  ];

  return {
    version: 1,
    issuer,
    users: keyed(users, (u) => u.user_id),
    roles: keyed(roles, (r) => r.id),
    // Tenant-level roles count only in logins without an organization: the operator's, who is a member of
    // none. Everyone else's roles are organization member roles, below.
    userRoles: {
      "auth0|operator": ["rol_platform_operator"],
    },
    organizations: {
      org_acme: {
        id: "org_acme",
        name: "acme",
        display_name: "Acme Corp",
        metadata: { plan: "pro" },
        // Partners are checked by Gatehouse's own integration records, so both tenants let them in.
        third_party_client_access: "allow",
        created_at: SEED_TIME,
      },
      org_globex: {
        id: "org_globex",
        name: "globex",
        display_name: "Globex",
        metadata: { plan: "free" },
        third_party_client_access: "allow",
        created_at: SEED_TIME,
      },
    },
    members: {
      org_acme: ["auth0|acme-admin", "auth0|acme-manager", "auth0|acme-member", "auth0|consultant"],
      org_globex: ["auth0|globex-admin", "auth0|globex-member", "auth0|consultant"],
    },
    memberRoles: {
      org_acme: {
        "auth0|acme-admin": ["rol_tenant_admin"],
        "auth0|acme-manager": ["rol_user_manager"],
        "auth0|acme-member": ["rol_member"],
        "auth0|consultant": ["rol_user_manager"],
      },
      org_globex: {
        "auth0|globex-admin": ["rol_tenant_admin"],
        "auth0|globex-member": ["rol_member"],
        "auth0|consultant": ["rol_member"],
      },
    },
    clients: keyed(clients, (c) => c.client_id),
    clientGrants: keyed(clientGrants, (g) => g.id),
    organizationClientGrants: {},
    userGrants: {},
    resourceServers: keyed(resourceServers, (r) => r.id),
    refreshTokens: {},
    signingKeys: [],
    eventStreams: {},
    eventDeliveries: {},
  };
}
