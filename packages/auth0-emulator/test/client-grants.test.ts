import type { ClientGrantsClient } from "auth0/clientGrants";
import type { ClientsClient } from "auth0/clients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVER_MANAGEMENT_SCOPES } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import {
  clientCredentialsRequest,
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

function clientGrantsWith(token: string): ClientGrantsClient {
  return managementClients(emulator, token).clientGrants;
}

/** A new machine application with no grant yet. */
async function createMachineClient(): Promise<{ clientId: string; clientSecret: string }> {
  const client = await clients.create({ name: "Machine", app_type: "non_interactive" });
  return { clientId: String(client.client_id), clientSecret: String(client.client_secret) };
}

const NEEDS_A_CLIENT_GRANT = {
  status: 403,
  body: {
    error: "access_denied",
    error_description: `Client is not authorized to access "${GATEHOUSE_API}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
  },
};

describe("client grants", () => {
  it("lists Gatehouse's own grant on the Management API by client_id", async () => {
    const page = await clientGrants.list({ client_id: "gatehouse-server" });

    expect(page.response).toEqual({
      client_grants: [
        {
          id: "cgr_gatehouse_server_mgmt",
          client_id: "gatehouse-server",
          audience: emulator.context.managementAudience,
          scope: SERVER_MANAGEMENT_SCOPES,
          subject_type: "client",
        },
      ],
    });
  });

  it("lists the grants on the Gatehouse API by audience", async () => {
    const page = await clientGrants.list({ audience: GATEHOUSE_API });

    expect(page.data).toEqual(
      expect.arrayContaining([
        {
          id: "cgr_acme_backend",
          client_id: "acme-backend",
          audience: GATEHOUSE_API,
          scope: ["read:users", "create:users"],
          subject_type: "client",
        },
        {
          id: "cgr_globex_backend",
          client_id: "globex-backend",
          audience: GATEHOUSE_API,
          scope: ["read:users", "create:users", "update:users"],
          subject_type: "client",
        },
        {
          id: "cgr_initech_cms",
          client_id: "initech-cms",
          audience: GATEHOUSE_API,
          scope: ["read:users", "update:users"],
          subject_type: "user",
        },
      ]),
    );
    expect(page.data.every((grant) => grant.audience === GATEHOUSE_API)).toBe(true);
  });

  it("pages by checkpoint (take/from) and by offset (page/per_page)", async () => {
    const everyId = Object.keys(emulator.context.store.data.clientGrants).sort();

    let page = await clientGrants.list({ take: 1 });
    const seen = page.data.map((grant) => grant.id);
    expect(page.response).toEqual({ client_grants: [expect.any(Object)], next: expect.any(String) });
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      seen.push(...page.data.map((grant) => grant.id));
    }
    expect(seen).toEqual(everyId);
    expect(page.response).not.toHaveProperty("next");

    const offset = await clientGrants.list({ take: null }, { queryParams: { page: 1, per_page: 2 } });
    expect(offset.response).toEqual({
      start: 2,
      limit: 2,
      length: 2,
      total: everyId.length,
      client_grants: [
        expect.objectContaining({ id: "cgr_globex_backend" }),
        expect.objectContaining({ id: "cgr_initech_cms" }),
      ],
    });
  });

  it("gets one grant by id; an unknown id is 404", async () => {
    expect(await clientGrants.get("cgr_acme_backend")).toMatchObject({ client_id: "acme-backend" });
    expect(await sdkRefusal(clientGrants.get("cgr_nope"))).toEqual({
      statusCode: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The client grant does not exist",
        errorCode: "inexistent_client_grant",
      },
    });
  });

  it("creating a grant lets the application get client-credentials tokens for that API", async () => {
    const { clientId, clientSecret } = await createMachineClient();
    const before = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect({ status: before.status, body: before.body }).toEqual(NEEDS_A_CLIENT_GRANT);

    const grant = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users", "update:users"],
      organization_usage: "allow",
      allow_any_organization: true,
    });

    expect(grant).toEqual({
      id: expect.stringMatching(/^cgr_[A-Za-z0-9]{16}$/),
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users", "update:users"],
      organization_usage: "allow",
      allow_any_organization: true,
      subject_type: "client",
    });
    const after = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect(after.status).toBe(200);
    expect(after.body.scope).toBe("read:users update:users");
    expect(
      (await clientCredentialsRequest(emulator, clientId, clientSecret, { organization: "org_acme" })).status,
    ).toBe(200);
  });

  it("a second grant for the same application and API is 409", async () => {
    const refused = await sdkRefusal(
      clientGrants.create({ client_id: "acme-backend", audience: GATEHOUSE_API, scope: ["read:users"] }),
    );

    expect(refused).toEqual({
      statusCode: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message: "A client grant for this client and audience already exists",
        errorCode: "client_grant_conflict",
      },
    });
  });

  it("an application holds one client grant and one user grant per API, and each is used for its own flow", async () => {
    const partner = await clients.create({
      name: "Partner with a back end",
      app_type: "regular_web",
      is_first_party: false,
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      callbacks: ["http://127.0.0.1:4099/callback"],
    });
    const clientId = String(partner.client_id);
    const forUsers = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users", "update:users"],
      subject_type: "user",
    });
    const forItself = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users"],
      subject_type: "client",
    });
    expect([forUsers.subject_type, forItself.subject_type]).toEqual(["user", "client"]);

    // Client credentials use the client grant, never the (wider) user grant created before it.
    const token = await clientCredentialsRequest(emulator, clientId, String(partner.client_secret));
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe("read:users");

    for (const subject_type of ["client", "user"] as const) {
      const again = await sdkRefusal(
        clientGrants.create({ client_id: clientId, audience: GATEHOUSE_API, scope: [], subject_type }),
      );
      expect(again.statusCode).toBe(409);
    }
  });

  it("a third-party application cannot be allowed any organization: it must be associated with each", async () => {
    const partner = await clients.create({
      name: "Partner",
      app_type: "regular_web",
      is_first_party: false,
      grant_types: ["client_credentials"],
    });
    const clientId = String(partner.client_id);
    const refusal = {
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "allow_any_organization cannot be enabled for third-party clients",
        errorCode: "invalid_body",
      },
    };

    expect(
      await sdkRefusal(
        clientGrants.create({
          client_id: clientId,
          audience: GATEHOUSE_API,
          scope: ["read:users"],
          organization_usage: "allow",
          allow_any_organization: true,
        }),
      ),
    ).toEqual(refusal);
    const grant = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users"],
      organization_usage: "allow",
    });
    expect(await sdkRefusal(clientGrants.update(String(grant.id), { allow_any_organization: true }))).toEqual(
      refusal,
    );
    expect(await clientGrants.get(String(grant.id))).not.toHaveProperty("allow_any_organization");
  });

  it("a scope the API does not define is 400; an unknown API or application is 404", async () => {
    const { clientId } = await createMachineClient();

    expect(
      await sdkRefusal(
        clientGrants.create({
          client_id: clientId,
          audience: GATEHOUSE_API,
          scope: ["read:users", "launch:rockets"],
        }),
      ),
    ).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "Client grant contains scopes that are not defined on the resource server: launch:rockets",
        errorCode: "invalid_body",
      },
    });
    const unknownApi = await sdkRefusal(
      clientGrants.create({ client_id: clientId, audience: "https://nowhere.test", scope: [] }),
    );
    expect(unknownApi.statusCode).toBe(404);
    expect(unknownApi.body).toMatchObject({ errorCode: "inexistent_resource_server" });
    const unknownClient = await sdkRefusal(
      clientGrants.create({ client_id: "no-such-client", audience: GATEHOUSE_API, scope: [] }),
    );
    expect(unknownClient.statusCode).toBe(404);
    expect(unknownClient.body).toMatchObject({ errorCode: "inexistent_client" });
  });

  it("updating a grant's scopes changes what the next token carries", async () => {
    const { clientId, clientSecret } = await createMachineClient();
    const grant = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users"],
      organization_usage: "require",
    });

    const updated = await clientGrants.update(String(grant.id), {
      scope: ["read:users", "delete:users"],
      organization_usage: null,
      allow_any_organization: false,
    });

    expect(updated).toEqual({
      id: grant.id,
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users", "delete:users"],
      allow_any_organization: false,
      subject_type: "client",
    });
    const token = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect(token.body.scope).toBe("read:users delete:users");
    expect((await sdkRefusal(clientGrants.update(String(grant.id), { scope: ["fly"] }))).statusCode).toBe(
      400,
    );
    expect((await sdkRefusal(clientGrants.update("cgr_nope", { scope: [] }))).statusCode).toBe(404);
  });

  it("deleting a grant makes client credentials for that API fail with Auth0's client-grant message", async () => {
    const { clientId, clientSecret } = await createMachineClient();
    const grant = await clientGrants.create({
      client_id: clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users"],
    });
    expect((await clientCredentialsRequest(emulator, clientId, clientSecret)).status).toBe(200);

    await clientGrants.delete(String(grant.id));

    const refused = await clientCredentialsRequest(emulator, clientId, clientSecret);
    expect({ status: refused.status, body: refused.body }).toEqual(NEEDS_A_CLIENT_GRANT);
    expect((await clientGrants.list({ client_id: clientId })).data).toEqual([]);
  });

  it("a token narrowed to read:client_grants cannot create, update or delete grants", async () => {
    const readOnly = clientGrantsWith(await managementToken(emulator, { scope: "read:client_grants" }));

    expect((await readOnly.list({ client_id: "acme-backend" })).data).toHaveLength(1);
    expect(
      await sdkRefusal(readOnly.create({ client_id: "gatehouse-spa", audience: GATEHOUSE_API, scope: [] })),
    ).toEqual(insufficientScope("create:client_grants"));
    expect((await sdkRefusal(readOnly.update("cgr_acme_backend", { scope: [] }))).statusCode).toBe(403);
    expect((await sdkRefusal(readOnly.delete("cgr_acme_backend"))).statusCode).toBe(403);
    expect((await clientGrants.get("cgr_acme_backend")).scope).toEqual(["read:users", "create:users"]);
  });
});
