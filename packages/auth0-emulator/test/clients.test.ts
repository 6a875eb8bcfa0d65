import type { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import {
  clientCredentialsRequest,
  emulatorControl,
  emulatorOnFreePort,
  GATEHOUSE_API,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";

let emulator: RunningEmulator;
let clients: ClientsClient;
let clientGrants: ClientGrantsClient;

beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  ({ clients, clientGrants } = managementClients(emulator, await managementToken(emulator)));
});
afterAll(async () => {
  await emulator.close();
});

function clientsWith(token: string): ClientsClient {
  return managementClients(emulator, token).clients;
}

/** A tenant back end with a client grant on the Gatehouse API, as Gatehouse would provision one. */
async function createBackEnd() {
  const client = await clients.create({ name: "Back end", app_type: "non_interactive" });
  await clientGrants.create({ client_id: client.client_id, audience: GATEHOUSE_API, scope: ["read:users"] });
  return { clientId: String(client.client_id), clientSecret: String(client.client_secret) };
}

const UNAUTHORIZED = { status: 401, body: { error: "access_denied", error_description: "Unauthorized" } };
const NO_SUCH_CLIENT = {
  statusCode: 404,
  body: {
    statusCode: 404,
    error: "Not Found",
    message: "The client does not exist",
    errorCode: "inexistent_client",
  },
};

describe("Auth0's entity limits", () => {
  it("under the free profile the eleventh application is refused with Auth0's error, under off it is made", async () => {
    const profile = (name: string) => emulatorControl(emulator, "POST", "rate-limit", { profile: name });
    // The free profile's rate limit (2/s) applies too: this client waits and retries as the SDK does by default.
    const clients = new ClientsClient({
      baseUrl: `${emulator.url}/api/v2`,
      token: await managementToken(emulator),
    });
    expect((await profile("free")).status).toBe(204);
    try {
      const made: string[] = [];
      while (Object.keys(emulator.context.store.data.clients).length < 10) {
        made.push(String((await clients.create({ name: `filler ${made.length}` })).client_id));
      }
      expect(await sdkRefusal(clients.create({ name: "eleventh" }))).toEqual({
        statusCode: 403,
        body: {
          statusCode: 403,
          error: "Forbidden",
          message: "You have reached the limit of 10 applications for this tenant's subscription",
          errorCode: "entity_limit_exceeded",
        },
      });
      expect(Object.keys(emulator.context.store.data.clients).length).toBe(10);
      expect((await profile("off")).status).toBe(204);
      const eleventh = await clients.create({ name: "eleventh" });
      for (const id of [...made, String(eleventh.client_id)]) await clients.delete(id);
    } finally {
      await profile("off");
    }
  });
});

describe("clients", () => {
  it("lists the seeded applications with offset paging and totals, secrets included for read:client_keys", async () => {
    const page = await clients.list();

    expect(page.response).toMatchObject({ start: 0, limit: 50, total: page.data.length });
    expect(page.data.map((client) => client.client_id)).toEqual(
      expect.arrayContaining([
        "gatehouse-spa",
        "gatehouse-server",
        "acme-backend",
        "globex-backend",
        "initech-cms",
      ]),
    );
    expect(page.data.find((client) => client.client_id === "initech-cms")).toEqual({
      client_id: "initech-cms",
      client_secret: "initech-cms-secret",
      name: "Initech CMS",
      description: "Publishes content on behalf of your users",
      app_type: "regular_web",
      is_first_party: false,
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code", "refresh_token"],
      callbacks: ["http://127.0.0.1:4020/callback"],
      logo_uri: "https://initech.example/logo.png",
      client_metadata: { gatehouse_partner: "true" },
      created_at: "2026-01-01T00:00:00.000Z",
    });
    expect(page.data.find((client) => client.client_id === "gatehouse-spa")).not.toHaveProperty(
      "client_secret",
    );
  });

  it("pages with page and per_page", async () => {
    const first = await clients.list({ page: 0, per_page: 2 });
    const second = await clients.list({ page: 1, per_page: 2 });

    expect(first.data.map((client) => client.client_id)).toEqual(["gatehouse-spa", "gatehouse-server"]);
    expect(second.data.map((client) => client.client_id)).toEqual(["acme-backend", "globex-backend"]);
    expect(second.response).toMatchObject({ start: 2, limit: 2, length: 2 });
  });

  it("filters by app_type and is_first_party", async () => {
    const machines = await clients.list({ app_type: "non_interactive,spa", fields: "client_id,app_type" });
    expect(
      machines.data.every((client) => ["non_interactive", "spa"].includes(String(client.app_type))),
    ).toBe(true);
    expect(machines.data).toContainEqual({ client_id: "acme-backend", app_type: "non_interactive" });
    expect(machines.data).toContainEqual({ client_id: "gatehouse-spa", app_type: "spa" });

    const partners = await clients.list({ is_first_party: false, fields: "client_id" });
    expect(partners.data).toContainEqual({ client_id: "initech-cms" });
    expect(partners.data).not.toContainEqual({ client_id: "gatehouse-server" });
  });

  it("gets one application, with fields as Gatehouse asks for them", async () => {
    const client = await clients.get("acme-backend", {
      fields: "client_id,name,app_type,is_first_party,client_metadata",
      include_fields: true,
    });

    expect(client).toEqual({
      client_id: "acme-backend",
      name: "Acme back end",
      app_type: "non_interactive",
      is_first_party: true,
      client_metadata: { tenant_id: "org_acme" },
    });
    expect(await clients.get("globex-backend", { fields: "client_metadata" })).toEqual({
      client_metadata: { tenant_id: "org_globex" },
    });
  });

  it("an unknown application is 404 inexistent_client", async () => {
    expect(await sdkRefusal(clients.get("no-such-client"))).toEqual(NO_SUCH_CLIENT);
    expect(await sdkRefusal(clients.update("no-such-client", { name: "x" }))).toEqual(NO_SUCH_CLIENT);
    expect(await sdkRefusal(clients.rotateSecret("no-such-client"))).toEqual(NO_SUCH_CLIENT);
  });

  it("secrets are left out for a token without read:client_keys", async () => {
    const withoutKeys = clientsWith(await managementToken(emulator, { scope: "read:clients" }));

    const client = await withoutKeys.get("gatehouse-server");

    expect(client.client_id).toBe("gatehouse-server");
    expect(client).not.toHaveProperty("client_secret");
    expect((await clients.get("gatehouse-server")).client_secret).toBe("gatehouse-server-secret");
  });

  it("creates a machine application with Auth0's id and secret shapes and its default grant types", async () => {
    const created = await clients.create({
      name: "Hooli back end",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_hooli" },
    });

    expect(created).toEqual({
      client_id: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      name: "Hooli back end",
      description: "",
      app_type: "non_interactive",
      is_first_party: true,
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["client_credentials"],
      callbacks: [],
      client_metadata: { tenant_id: "org_hooli" },
      created_at: expect.any(String),
    });
    expect(await clients.get(String(created.client_id))).toEqual(created);
  });

  it("a single-page application is public: no secret, auth method none", async () => {
    const created = await clients.create({
      name: "Another SPA",
      app_type: "spa",
      callbacks: ["http://127.0.0.1:4000/callback"],
      is_first_party: false,
      logo_uri: "https://example.test/logo.png",
    });

    expect(created).not.toHaveProperty("client_secret");
    expect(created).toMatchObject({
      token_endpoint_auth_method: "none",
      grant_types: ["implicit", "authorization_code", "refresh_token"],
      callbacks: ["http://127.0.0.1:4000/callback"],
      is_first_party: false,
      logo_uri: "https://example.test/logo.png",
    });
  });

  it("a create without a name, or with an unknown app_type or non-string metadata, is 400", async () => {
    expect(await sdkRefusal(clients.create({} as { name: string }))).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "Payload validation error: 'Missing required property: name'.",
        errorCode: "invalid_body",
      },
    });
    const appType = await sdkRefusal(clients.create({ name: "x", app_type: "mainframe" as "spa" }));
    expect(appType.statusCode).toBe(400);
    expect(appType.body).toMatchObject({
      message: `Payload validation error: 'No enum match for: "mainframe"' on property app_type.`,
    });
    const metadata = await sdkRefusal(clients.create({ name: "x", client_metadata: { seats: 3 } }));
    expect(metadata.statusCode).toBe(400);
  });

  it("an update changes fields and merges client_metadata: null removes a key", async () => {
    const created = await clients.create({
      name: "Before",
      app_type: "non_interactive",
      client_metadata: { tenant_id: "org_acme", tier: "gold" },
    });

    const updated = await clients.update(String(created.client_id), {
      name: "After",
      description: "Renamed",
      client_metadata: { tier: null, region: "eu" } as Record<string, unknown>,
    });

    expect(updated).toMatchObject({
      client_id: created.client_id,
      client_secret: created.client_secret,
      name: "After",
      description: "Renamed",
      client_metadata: { tenant_id: "org_acme", region: "eu" },
    });
    expect((await clients.get(String(created.client_id))).client_metadata).toEqual({
      tenant_id: "org_acme",
      region: "eu",
    });
  });

  it("deleting an application makes its credentials fail at /oauth/token at once", async () => {
    const { clientId, clientSecret } = await createBackEnd();
    expect((await clientCredentialsRequest(emulator, clientId, clientSecret)).status).toBe(200);

    await clients.delete(clientId);

    const refused = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect({ status: refused.status, body: refused.body }).toEqual(UNAUTHORIZED);
    expect(await sdkRefusal(clients.get(clientId))).toEqual(NO_SUCH_CLIENT);
    expect((await clientGrants.list({ client_id: clientId })).data).toEqual([]);
  });

  it("rotating the secret returns the new one; the old one fails at /oauth/token at once", async () => {
    const { clientId, clientSecret } = await createBackEnd();

    const rotated = await clients.rotateSecret(clientId);

    expect(rotated.client_id).toBe(clientId);
    expect(rotated.client_secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(rotated.client_secret).not.toBe(clientSecret);
    const old = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect({ status: old.status, body: old.body }).toEqual(UNAUTHORIZED);
    expect((await clientCredentialsRequest(emulator, clientId, String(rotated.client_secret))).status).toBe(
      200,
    );
  });

  it("a token narrowed to read:clients cannot create, update, delete or rotate", async () => {
    const readOnly = clientsWith(await managementToken(emulator, { scope: "read:clients" }));

    const create = await sdkRefusal(readOnly.create({ name: "nope" }));
    expect(create).toEqual(insufficientScope("create:clients"));
    expect((await sdkRefusal(readOnly.update("acme-backend", { name: "x" }))).body).toMatchObject({
      message: "Insufficient scope, expected any of: update:clients,update:client_keys",
    });
    expect((await sdkRefusal(readOnly.delete("acme-backend"))).statusCode).toBe(403);
    expect((await sdkRefusal(readOnly.rotateSecret("acme-backend"))).body).toMatchObject({
      message: "Insufficient scope, expected any of: update:client_keys",
    });
    expect((await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret")).status).toBe(
      200,
    );
  });
});
