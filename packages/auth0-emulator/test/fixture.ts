// The tenant the emulator's own tests run against: an example SaaS tenant (two organizations, their users
// and back ends, a third-party partner, a platform operator). The package knows no tenant of its own; this
// fixture is test data, written out in full so that a test reads what it checks.
import type { EmulatorSeed, EmulatorSeedSource } from "../src/seed.js";

export const GATEHOUSE_API = "https://api.gatehouse.local";

/** The password of every user of the fixture. */
export const SEED_PASSWORD = "Gatehouse-dev-1";

/** The example API's permissions, in the order its resource server lists them. */
export const PERMISSIONS = [
  "read:users",
  "create:users",
  "update:users",
  "delete:users",
  "read:roles",
  "assign:roles",
  "read:tenant",
  "update:tenant",
  "read:api_keys",
  "manage:api_keys",
  "read:integrations",
  "manage:integrations",
  "read:audit",
  "read:tenants",
  "manage:tenants",
] as const;

/** Permissions only the platform operator's role holds. */
export const PLATFORM_PERMISSIONS: readonly string[] = ["read:tenants", "manage:tenants"];

/** What the example server's machine client may do on the Management API. */
export const SERVER_MANAGEMENT_SCOPES = [
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

const TENANT_ADMIN = PERMISSIONS.filter((permission) => !PLATFORM_PERMISSIONS.includes(permission));

export const TEST_SEED: EmulatorSeedSource = ({ managementAudience }): EmulatorSeed => ({
  defaultAudience: GATEHOUSE_API,
  apis: [
    {
      id: "rs_gatehouse",
      name: "Gatehouse API",
      identifier: GATEHOUSE_API,
      scopes: PERMISSIONS,
      enforce_policies: true,
      token_dialect: "access_token_authz",
      allow_offline_access: true,
      skip_consent_for_verifiable_first_party_clients: true,
    },
  ],
  roles: [
    {
      id: "rol_member",
      name: "member",
      description: "Reads the users of their tenant",
      permissions: { [GATEHOUSE_API]: ["read:users"] },
    },
    {
      id: "rol_user_manager",
      name: "user-manager",
      description: "Reads and manages the users of their tenant",
      permissions: { [GATEHOUSE_API]: ["read:users", "create:users", "update:users", "read:roles"] },
    },
    {
      id: "rol_tenant_admin",
      name: "tenant-admin",
      description: "Administers their tenant",
      permissions: { [GATEHOUSE_API]: TENANT_ADMIN },
    },
    {
      id: "rol_platform_operator",
      name: "platform-operator",
      description: "Operates the whole platform",
      permissions: { [GATEHOUSE_API]: PERMISSIONS },
    },
  ],
  users: [
    { user_id: "auth0|acme-admin", email: "admin@acme.test", name: "Ada Admin", password: SEED_PASSWORD },
    {
      user_id: "auth0|acme-manager",
      email: "manager@acme.test",
      name: "Max Manager",
      password: SEED_PASSWORD,
    },
    { user_id: "auth0|acme-member", email: "member@acme.test", name: "Mia Member", password: SEED_PASSWORD },
    { user_id: "auth0|globex-admin", email: "admin@globex.test", name: "Gus Admin", password: SEED_PASSWORD },
    {
      user_id: "auth0|globex-member",
      email: "member@globex.test",
      name: "Gia Member",
      password: SEED_PASSWORD,
    },
    {
      user_id: "auth0|consultant",
      email: "consultant@example.test",
      name: "Cara Consultant",
      password: SEED_PASSWORD,
    },
    {
      user_id: "auth0|operator",
      email: "operator@gatehouse.test",
      name: "Olga Operator",
      password: SEED_PASSWORD,
    },
  ],
  // Tenant-level roles count only in logins without an organization: the operator's, who is in none.
  userRoles: { "auth0|operator": ["rol_platform_operator"] },
  clients: [
    {
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
    },
    {
      client_id: "gatehouse-server",
      client_secret: "gatehouse-server-secret",
      name: "Gatehouse server",
      description: "Gatehouse's own machine client for the Management API",
      app_type: "non_interactive",
    },
    {
      client_id: "acme-backend",
      client_secret: "acme-backend-secret",
      name: "Acme back end",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_acme" },
    },
    {
      client_id: "globex-backend",
      client_secret: "globex-backend-secret",
      name: "Globex back end",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_globex" },
    },
    {
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
    },
  ],
  clientGrants: [
    {
      id: "cgr_gatehouse_server_mgmt",
      client_id: "gatehouse-server",
      audience: managementAudience,
      scope: SERVER_MANAGEMENT_SCOPES,
    },
    {
      id: "cgr_acme_backend",
      client_id: "acme-backend",
      audience: GATEHOUSE_API,
      scope: ["read:users", "create:users"],
    },
    {
      id: "cgr_globex_backend",
      client_id: "globex-backend",
      audience: GATEHOUSE_API,
      scope: ["read:users", "create:users", "update:users"],
    },
    {
      id: "cgr_initech_cms",
      client_id: "initech-cms",
      audience: GATEHOUSE_API,
      scope: ["read:users", "update:users"],
      subject_type: "user",
    },
  ],
  organizations: [
    {
      id: "org_acme",
      name: "acme",
      display_name: "Acme Corp",
      metadata: { plan: "pro" },
      third_party_client_access: "allow",
      members: {
        "auth0|acme-admin": ["rol_tenant_admin"],
        "auth0|acme-manager": ["rol_user_manager"],
        "auth0|acme-member": ["rol_member"],
        "auth0|consultant": ["rol_user_manager"],
      },
    },
    {
      id: "org_globex",
      name: "globex",
      display_name: "Globex",
      metadata: { plan: "free" },
      third_party_client_access: "allow",
      members: {
        "auth0|globex-admin": ["rol_tenant_admin"],
        "auth0|globex-member": ["rol_member"],
        "auth0|consultant": ["rol_member"],
      },
    },
  ],
});
