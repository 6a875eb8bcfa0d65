import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../src/server.js";
import { clientCredentialsRequest, emulatorOnFreePort, GATEHOUSE_API, postForm } from "./helpers.js";
import { SEED_PASSWORD } from "./fixture.js";

describe("an emulator started without a seed", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterAll(() => emulator.close());

  it("is an empty tenant: only the Management API, no users, clients, roles or organizations", () => {
    const { data } = emulator.context.store;
    expect(Object.values(data.resourceServers).map((api) => api.identifier)).toEqual([
      emulator.context.managementAudience,
    ]);
    expect([data.users, data.clients, data.clientGrants, data.roles, data.organizations]).toEqual([
      {},
      {},
      {},
      {},
      {},
    ]);
    expect(data.defaultAudience).toBeUndefined();
  });

  it("serves discovery, and refuses a client it does not know", async () => {
    const discovery = await fetch(`${emulator.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const refused = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret");
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: "access_denied" });
  });
});

describe("a seed", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await emulatorOnFreePort();
  });
  afterAll(() => emulator.close());

  it("stores passwords hashed, and members with their roles per organization", () => {
    const { data } = emulator.context.store;
    const ada = data.users["auth0|acme-admin"];
    expect(ada?.password_hash).toBeDefined();
    expect(JSON.stringify(data)).not.toContain(SEED_PASSWORD);
    expect(data.members.org_acme).toContain("auth0|acme-admin");
    expect(data.memberRoles.org_acme?.["auth0|acme-admin"]).toEqual(["rol_tenant_admin"]);
    expect(data.organizations.org_acme?.third_party_client_access).toBe("allow");
  });

  it("sets the default audience a token request without `audience` gets", async () => {
    const response = await postForm(`${emulator.url}/oauth/token`, {
      grant_type: "password",
      client_id: "gatehouse-spa",
      username: "operator@gatehouse.test",
      password: SEED_PASSWORD,
      scope: "openid",
    });
    expect(response.status).toBe(200);
    const token = String(response.body.access_token);
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      aud: unknown;
    };
    expect(payload.aud).toContain(GATEHOUSE_API);
  });
});
