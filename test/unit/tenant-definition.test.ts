import type { EmulatorSeed, EmulatorSeedSource } from "@gatehouse/auth0-emulator";
import { describe, expect, it } from "vitest";
import { MANAGEMENT_SCOPES } from "../../src/auth0/management-token.js";
import { DEFAULT_AUDIENCE, gatehouseTenant } from "../../src/auth0/tenant-definition.js";
import { PERMISSIONS, PLATFORM_PERMISSIONS } from "../../src/authz/vocabulary.js";
import { DEMO_DATA, DEV_SPA_CALLBACKS } from "../../src/dev/demo-seed.js";
import { emulatorSeed, roleId } from "../../src/dev/emulator-seed.js";

const TENANT = { issuer: "http://127.0.0.1:4010/", managementAudience: "http://127.0.0.1:4010/api/v2/" };

function resolved(source: EmulatorSeedSource): EmulatorSeed {
  return typeof source === "function" ? source(TENANT) : source;
}

describe("Gatehouse's tenant definition", () => {
  const definition = gatehouseTenant({
    audience: "https://api.example.com",
    spaCallbacks: ["https://app/cb"],
  });

  it("asks for the vocabulary's permissions with RBAC and the permissions claim, and exactly the server's Management scopes", () => {
    expect(definition.api).toMatchObject({
      identifier: "https://api.example.com",
      permissions: PERMISSIONS,
      enforcePolicies: true,
      tokenDialect: "access_token_authz",
    });
    expect(definition.server.managementScopes).toEqual(MANAGEMENT_SCOPES);
    expect(definition.spa).toMatchObject({ organizationUsage: "require", callbacks: ["https://app/cb"] });
  });

  it("keeps the platform's permissions out of every tenant role", () => {
    for (const role of definition.roles.filter((r) => r.name !== "platform-operator")) {
      for (const permission of PLATFORM_PERMISSIONS) expect(role.permissions).not.toContain(permission);
    }
  });
});

describe("the development emulator's seed", () => {
  const definition = gatehouseTenant({ audience: DEFAULT_AUDIENCE, spaCallbacks: DEV_SPA_CALLBACKS });
  const seed = resolved(emulatorSeed(definition));

  it("is the definition: its API, its roles with their permissions, its applications", () => {
    expect(seed.defaultAudience).toBe(DEFAULT_AUDIENCE);
    expect(seed.apis).toEqual([
      expect.objectContaining({ identifier: DEFAULT_AUDIENCE, scopes: PERMISSIONS, enforce_policies: true }),
    ]);
    expect(seed.roles).toEqual(
      definition.roles.map((role) => ({
        id: roleId(role.name),
        name: role.name,
        description: role.description,
        permissions: { [DEFAULT_AUDIENCE]: role.permissions },
      })),
    );
    const spa = seed.clients?.find((client) => client.client_id === "gatehouse-spa");
    expect(spa?.callbacks).toEqual(DEV_SPA_CALLBACKS);
    const serverGrant = seed.clientGrants?.find((grant) => grant.client_id === "gatehouse-server");
    expect(serverGrant?.audience).toBe(TENANT.managementAudience);
    expect(serverGrant?.scope).toEqual(expect.arrayContaining([...MANAGEMENT_SCOPES]));
  });

  it("adds the demo data: every demo user, organization, back end and partner", () => {
    expect(seed.users?.map((user) => user.email)).toEqual(DEMO_DATA.users.map((user) => user.email));
    expect(seed.organizations?.map((org) => org.id)).toEqual(DEMO_DATA.organizations.map((org) => org.id));
    expect(seed.organizations?.[0]?.members?.["auth0|acme-admin"]).toEqual(["rol_tenant_admin"]);
    expect(seed.userRoles).toEqual({ "auth0|operator": ["rol_platform_operator"] });
    const clientIds = seed.clients?.map((client) => client.client_id);
    for (const client of [...DEMO_DATA.backEnds, ...DEMO_DATA.partners])
      expect(clientIds).toContain(client.clientId);
  });

  it("refuses demo data naming a role the definition does not have", () => {
    const demo = { ...DEMO_DATA, users: [{ id: "auth0|x", email: "x@x.test", name: "X", roles: ["owner"] }] };
    expect(() => resolved(emulatorSeed(definition, demo))).toThrow(
      "The demo data names a role the definition lacks: owner",
    );
  });
});
