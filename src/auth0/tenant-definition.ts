import { PERMISSIONS, PLATFORM_PERMISSIONS, type Permission } from "../authz/vocabulary.js";
import { MANAGEMENT_SCOPES } from "./management-token.js";

/**
 * What Gatehouse needs of any Auth0 tenant, declared once: its API and permissions with RBAC settings, the
 * roles, the single-page app, Gatehouse's own machine application with its Management API grant, and the
 * organizations' third-party setting. The development emulator is seeded from it (src/dev/emulator-seed.ts),
 * and a real tenant is set up from it, so the two cannot drift. It holds no tenant's data: no users, no
 * organizations, no ids or secrets (Auth0 assigns those).
 */
export interface TenantDefinition {
  api: {
    identifier: string;
    name: string;
    permissions: readonly Permission[];
    /** RBAC on: a token carries only what the user's roles grant. */
    enforcePolicies: true;
    /** The `permissions` claim in access tokens, which Gatehouse reads. */
    tokenDialect: "access_token_authz";
    /** Refresh tokens for the SPA (offline_access). */
    allowOfflineAccess: boolean;
    /** Gatehouse's own apps are not shown a consent screen; third-party partners are. */
    skipConsentForVerifiableFirstPartyClients: boolean;
  };
  roles: readonly RoleDefinition[];
  spa: {
    name: string;
    /** Users log in through their tenant's organization. */
    organizationUsage: "require";
    grantTypes: readonly string[];
    callbacks: readonly string[];
    refreshTokenRotation: "rotating";
  };
  server: {
    name: string;
    description: string;
    /** Its client grant on the Management API: exactly the scopes Gatehouse asks for. */
    managementScopes: readonly string[];
  };
  organizations: {
    /** Partners are checked by Gatehouse's own integration records, so organizations let them in. */
    thirdPartyClientAccess: "allow";
  };
}

export interface RoleDefinition {
  name: string;
  description: string;
  permissions: readonly Permission[];
}

export const DEFAULT_AUDIENCE = "https://api.gatehouse.local";

const TENANT_ADMIN_PERMISSIONS = PERMISSIONS.filter((p) => !PLATFORM_PERMISSIONS.includes(p));

/** Gatehouse's definition for an API at `audience` whose SPA returns to `spaCallbacks`. */
export function gatehouseTenant(options: {
  audience: string;
  spaCallbacks: readonly string[];
}): TenantDefinition {
  return {
    api: {
      identifier: options.audience,
      name: "Gatehouse API",
      permissions: PERMISSIONS,
      enforcePolicies: true,
      tokenDialect: "access_token_authz",
      allowOfflineAccess: true,
      skipConsentForVerifiableFirstPartyClients: true,
    },
    roles: [
      { name: "member", description: "Reads the users of their tenant", permissions: ["read:users"] },
      {
        name: "user-manager",
        description: "Reads and manages the users of their tenant",
        permissions: ["read:users", "create:users", "update:users", "read:roles"],
      },
      {
        name: "tenant-admin",
        description: "Administers their tenant",
        permissions: TENANT_ADMIN_PERMISSIONS,
      },
      { name: "platform-operator", description: "Operates the whole platform", permissions: PERMISSIONS },
    ],
    spa: {
      name: "Gatehouse SPA",
      organizationUsage: "require",
      grantTypes: ["authorization_code", "refresh_token"],
      callbacks: options.spaCallbacks,
      refreshTokenRotation: "rotating",
    },
    server: {
      name: "Gatehouse server",
      description: "Gatehouse's own machine client for the Management API",
      managementScopes: MANAGEMENT_SCOPES,
    },
    organizations: { thirdPartyClientAccess: "allow" },
  };
}
