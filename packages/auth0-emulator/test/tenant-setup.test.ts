import type { ClientsClient } from "auth0/clients";
import type { ResourceServersClient } from "auth0/resourceServers";
import type { RolesClient } from "auth0/roles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANAGEMENT_API_SCOPES } from "../src/seed.js";
import { startEmulator, type RunningEmulator } from "../src/server.js";
import { clientCredentialsToken, insufficientScope, managementClients, sdkRefusal } from "./helpers.js";

// An empty tenant but for the machine application an operator authorises on the Management API before
// setting anything else up (what `npm run provision` logs in with).
const OPERATOR = { clientId: "tenant-operator", clientSecret: "tenant-operator-secret" };
const API = "https://api.example.test";

let emulator: RunningEmulator;
let resourceServers: ResourceServersClient;
let roles: RolesClient;
let clients: ClientsClient;

function operatorToken(scope?: string): Promise<string> {
  return clientCredentialsToken(
    emulator,
    OPERATOR.clientId,
    OPERATOR.clientSecret,
    emulator.context.managementAudience,
    scope ? { scope } : {},
  );
}

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: ({ managementAudience }) => ({
      clients: [
        {
          client_id: OPERATOR.clientId,
          client_secret: OPERATOR.clientSecret,
          name: "Tenant operator",
          app_type: "non_interactive",
        },
      ],
      clientGrants: [
        {
          id: "cgr_operator",
          client_id: OPERATOR.clientId,
          audience: managementAudience,
          scope: MANAGEMENT_API_SCOPES,
        },
      ],
    }),
  });
  ({ resourceServers, roles, clients } = managementClients(emulator, () => operatorToken()));
});
afterAll(async () => {
  await emulator?.close();
});

describe("an operator sets up an API", () => {
  it("creates it with Auth0's defaults for what it leaves out, then turns RBAC on", async () => {
    const created = await resourceServers.create({
      identifier: API,
      name: "Example API",
      scopes: [{ value: "read:things", description: "Read things" }],
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      identifier: API,
      name: "Example API",
      scopes: [{ value: "read:things", description: "Read things" }],
      signing_alg: "RS256",
      enforce_policies: false,
      token_dialect: "access_token",
      token_lifetime: 86400,
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: false,
    });

    const updated = await resourceServers.update(String(created.id), {
      enforce_policies: true,
      token_dialect: "access_token_authz",
      scopes: [
        { value: "read:things", description: "Read things" },
        { value: "write:things", description: "Write things" },
      ],
    });
    expect(updated).toMatchObject({ enforce_policies: true, token_dialect: "access_token_authz" });
    expect((await resourceServers.get(API)).scopes?.map((s) => s.value)).toEqual([
      "read:things",
      "write:things",
    ]);
  });

  it("is refused a second API with the same identifier, and an update of the Management API", async () => {
    expect((await sdkRefusal(resourceServers.create({ identifier: API, name: "Again" }))).statusCode).toBe(
      409,
    );
    const refusal = await sdkRefusal(resourceServers.update("rs_management", { name: "Mine now" }));
    expect(refusal.statusCode).toBe(400);
  });

  it("needs create:resource_servers to create one", async () => {
    const readOnly = managementClients(emulator, () =>
      operatorToken("read:resource_servers"),
    ).resourceServers;
    expect(await sdkRefusal(readOnly.create({ identifier: "https://other.test", name: "Other" }))).toEqual(
      insufficientScope("create:resource_servers"),
    );
  });
});

describe("an operator sets up roles and their permissions", () => {
  it("creates a role, adds permissions once each, removes one, and renames it", async () => {
    const role = await roles.create({ name: "editor", description: "Edits things" });
    expect(role).toEqual({ id: expect.stringMatching(/^rol_/), name: "editor", description: "Edits things" });
    const id = String(role.id);
    const permission = (name: string) => ({ resource_server_identifier: API, permission_name: name });

    await roles.permissions.add(id, { permissions: [permission("read:things"), permission("write:things")] });
    await roles.permissions.add(id, { permissions: [permission("read:things")] });
    const names = async () => {
      const page = await roles.permissions.list(id);
      return page.data.map((entry) => entry.permission_name);
    };
    expect(await names()).toEqual(["read:things", "write:things"]);

    await roles.permissions.delete(id, { permissions: [permission("write:things")] });
    expect(await names()).toEqual(["read:things"]);

    expect(await roles.update(id, { description: "Reads things" })).toEqual({
      id,
      name: "editor",
      description: "Reads things",
    });
  });

  it("is refused a permission the API does not define, and a second role of the same name", async () => {
    const role = await roles.create({ name: "viewer" });
    const refusal = await sdkRefusal(
      roles.permissions.add(String(role.id), {
        permissions: [{ resource_server_identifier: API, permission_name: "delete:everything" }],
      }),
    );
    expect(refusal.statusCode).toBe(400);
    expect((await sdkRefusal(roles.create({ name: "viewer" }))).statusCode).toBe(409);
  });

  it("needs update:roles to change a role's permissions", async () => {
    const role = await roles.create({ name: "auditor" });
    const readOnly = managementClients(emulator, () => operatorToken("read:roles")).roles;
    const call = readOnly.permissions.add(String(role.id), {
      permissions: [{ resource_server_identifier: API, permission_name: "read:things" }],
    });
    expect(await sdkRefusal(call)).toEqual(insufficientScope("update:roles"));
  });
});

describe("an operator sets up a single-page app for organization logins", () => {
  it("keeps organization usage and refresh-token rotation, as created and as changed", async () => {
    const spa = await clients.create({
      name: "Example SPA",
      app_type: "spa",
      organization_usage: "require",
      organization_require_behavior: "pre_login_prompt",
      refresh_token: { rotation_type: "rotating", expiration_type: "expiring" },
    });
    expect(spa).toMatchObject({
      organization_usage: "require",
      organization_require_behavior: "pre_login_prompt",
      refresh_token: { rotation_type: "rotating", expiration_type: "expiring" },
    });
    const changed = await clients.update(String(spa.client_id), {
      organization_usage: "allow",
      refresh_token: { rotation_type: "non-rotating", expiration_type: "expiring" },
    });
    expect(changed).toMatchObject({
      organization_usage: "allow",
      refresh_token: { rotation_type: "non-rotating", expiration_type: "expiring" },
    });
  });

  it("is refused rotating refresh tokens that never expire", async () => {
    const refusal = await sdkRefusal(
      clients.create({
        name: "Forever SPA",
        app_type: "spa",
        refresh_token: { rotation_type: "rotating", expiration_type: "non-expiring" },
      }),
    );
    expect(refusal.statusCode).toBe(400);
  });
});
