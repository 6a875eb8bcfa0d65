import type { EmulatorSeed, EmulatorSeedSource, SeedClient } from "@gatehouse/auth0-emulator";
import { DEFAULT_AUDIENCE, gatehouseTenant, type TenantDefinition } from "../auth0/tenant-definition.js";
import {
  DEMO_DATA,
  DEV_SERVER_CLIENT,
  DEV_SPA_CALLBACKS,
  DEV_SPA_CLIENT_ID,
  partnerApplication,
  SEED_PASSWORD,
  type DemoData,
} from "./demo-seed.js";

/**
 * Beyond the definition's, what the development tenant lets the server's client do on the Management API:
 * tests and development tools administer the tenant with it (create organizations, manage role members,
 * read deliveries) as an operator's script would.
 */
const DEV_EXTRA_MANAGEMENT_SCOPES = [
  "create:role_members",
  "create:organizations",
  "update:organizations",
  "delete:organizations",
  "read:organization_client_grants",
  "create:organization_client_grants",
  "delete:organization_client_grants",
  "read:resource_servers",
  "delete:event_streams",
  "read:event_deliveries",
  "update:event_deliveries",
];

/** The emulator's id of a role of the definition: `rol_tenant_admin` for `tenant-admin`. */
export function roleId(name: string): string {
  return `rol_${name.replace(/-/g, "_")}`;
}

/**
 * The development tenant as the emulator's seed: everything the definition asks of a tenant, with the
 * development ids and secrets of its applications, plus the demo data. The SPA also accepts the password
 * grant, so that `npm run token` and the tests log users in without a browser. The SPA's organization-login
 * requirement and refresh-token rotation are settings of a real tenant that the seed does not carry: the
 * emulator has no such client fields.
 */
export function emulatorSeed(
  definition: TenantDefinition = gatehouseTenant({
    audience: DEFAULT_AUDIENCE,
    spaCallbacks: DEV_SPA_CALLBACKS,
  }),
  demo: DemoData = DEMO_DATA,
): EmulatorSeedSource {
  const api = definition.api.identifier;
  const roleIds = new Set(definition.roles.map((role) => role.name));
  const rolesOf = (names: readonly string[]) =>
    names.map((name) => {
      if (!roleIds.has(name)) throw new Error(`The demo data names a role the definition lacks: ${name}`);
      return roleId(name);
    });

  return ({ managementAudience }): EmulatorSeed => ({
    defaultAudience: api,
    apis: [
      {
        id: "rs_gatehouse",
        name: definition.api.name,
        identifier: api,
        scopes: definition.api.permissions,
        enforce_policies: definition.api.enforcePolicies,
        token_dialect: definition.api.tokenDialect,
        allow_offline_access: definition.api.allowOfflineAccess,
        skip_consent_for_verifiable_first_party_clients:
          definition.api.skipConsentForVerifiableFirstPartyClients,
      },
    ],
    roles: definition.roles.map((role) => ({
      id: roleId(role.name),
      name: role.name,
      description: role.description,
      permissions: { [api]: role.permissions },
    })),
    users: demo.users.map((user) => ({
      user_id: user.id,
      email: user.email,
      name: user.name,
      password: SEED_PASSWORD,
    })),
    userRoles: Object.fromEntries(
      demo.users.filter((user) => user.roles?.length).map((user) => [user.id, rolesOf(user.roles ?? [])]),
    ),
    clients: [
      {
        client_id: DEV_SPA_CLIENT_ID,
        name: definition.spa.name,
        app_type: "spa",
        token_endpoint_auth_method: "none",
        grant_types: [
          ...definition.spa.grantTypes,
          "password",
          "http://auth0.com/oauth/grant-type/password-realm",
        ],
        callbacks: [...definition.spa.callbacks],
        organization_usage: definition.spa.organizationUsage,
        refresh_token: { rotation_type: definition.spa.refreshTokenRotation, expiration_type: "expiring" },
      },
      {
        client_id: DEV_SERVER_CLIENT.clientId,
        client_secret: DEV_SERVER_CLIENT.clientSecret,
        name: definition.server.name,
        description: definition.server.description,
        app_type: "non_interactive",
      },
      ...demo.backEnds.map((backEnd): SeedClient => ({
        client_id: backEnd.clientId,
        client_secret: backEnd.clientSecret,
        name: backEnd.name,
        app_type: "non_interactive",
        client_metadata: { tenant_id: backEnd.organization },
      })),
      ...demo.partners.map((partner): SeedClient => ({
        client_id: partner.clientId,
        client_secret: partner.clientSecret,
        ...partnerApplication(partner),
      })),
    ],
    clientGrants: [
      {
        id: "cgr_gatehouse_server_mgmt",
        client_id: DEV_SERVER_CLIENT.clientId,
        audience: managementAudience,
        scope: [...new Set([...definition.server.managementScopes, ...DEV_EXTRA_MANAGEMENT_SCOPES])],
      },
      ...demo.backEnds.map((backEnd) => ({
        id: `cgr_${backEnd.clientId.replace(/-/g, "_")}`,
        client_id: backEnd.clientId,
        audience: api,
        scope: backEnd.permissions,
      })),
      ...demo.partners.map((partner) => ({
        id: `cgr_${partner.clientId.replace(/-/g, "_")}`,
        client_id: partner.clientId,
        audience: api,
        scope: partner.permissions,
        subject_type: "user" as const,
      })),
    ],
    organizations: demo.organizations.map((org) => ({
      id: org.id,
      name: org.name,
      display_name: org.displayName,
      metadata: { plan: org.plan },
      third_party_client_access: definition.organizations.thirdPartyClientAccess,
      members: Object.fromEntries(Object.entries(org.members).map(([user, roles]) => [user, rolesOf(roles)])),
    })),
  });
}
