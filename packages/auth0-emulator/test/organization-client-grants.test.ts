import type { ClientGrantsClient } from "auth0/clientGrants";
import type { ClientsClient } from "auth0/clients";
import type { OrganizationsClient } from "auth0/organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { verifiedClaims } from "./user-login.js";

let emulator: RunningEmulator;
let clients: ClientsClient;
let clientGrants: ClientGrantsClient;
let organizations: OrganizationsClient;

beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  ({ clients, clientGrants, organizations } = managementClients(emulator, await managementToken(emulator)));
});
afterAll(async () => {
  await emulator.close();
});

/** A new machine application with a client grant on the Gatehouse API, shaped by `grant`. */
async function machineWithGrant(
  grant: { organization_usage?: "deny" | "allow" | "require"; allow_any_organization?: boolean } = {},
) {
  const client = await clients.create({ name: "Machine", app_type: "non_interactive" });
  const clientId = String(client.client_id);
  const created = await clientGrants.create({
    client_id: clientId,
    audience: GATEHOUSE_API,
    scope: ["read:users"],
    ...grant,
  });
  return { clientId, clientSecret: String(client.client_secret), grantId: String(created.id) };
}

function notAuthorizedFor(organization: string) {
  return {
    status: 403,
    body: {
      error: "access_denied",
      error_description: `Client is not authorized to access "${GATEHOUSE_API}" on behalf of the organization ${organization}. The client grant must be associated with the organization.`,
    },
  };
}

describe("machine tokens for an organization", () => {
  it("are refused until the client grant is associated with the organization, and only for that one", async () => {
    const machine = await machineWithGrant({ organization_usage: "allow" });
    const forAcme = () =>
      clientCredentialsRequest(emulator, machine.clientId, machine.clientSecret, {
        organization: "org_acme",
      });

    const before = await forAcme();
    expect({ status: before.status, body: before.body }).toEqual(notAuthorizedFor("org_acme"));

    const associated = await organizations.clientGrants.create("org_acme", { grant_id: machine.grantId });
    expect(associated).toEqual({
      id: machine.grantId,
      client_id: machine.clientId,
      audience: GATEHOUSE_API,
      scope: ["read:users"],
      organization_usage: "allow",
    });

    const after = await forAcme();
    expect(after.status).toBe(200);
    const claims = await verifiedClaims(emulator, after.body.access_token as string, GATEHOUSE_API);
    expect(claims).toMatchObject({ sub: `${machine.clientId}@clients`, org_id: "org_acme" });
    expect(claims).not.toHaveProperty("org_name");
    // By name too, and still not for an organization it is not associated with.
    const byName = await clientCredentialsRequest(emulator, machine.clientId, machine.clientSecret, {
      organization: "acme",
    });
    expect(byName.status).toBe(200);
    const globex = await clientCredentialsRequest(emulator, machine.clientId, machine.clientSecret, {
      organization: "org_globex",
    });
    expect({ status: globex.status, body: globex.body }).toEqual(notAuthorizedFor("org_globex"));

    await organizations.clientGrants.delete("org_acme", machine.grantId);
    const removed = await forAcme();
    expect({ status: removed.status, body: removed.body }).toEqual(notAuthorizedFor("org_acme"));
  });

  it("reach any organization without associations when the grant allows any organization", async () => {
    const machine = await machineWithGrant({ organization_usage: "require", allow_any_organization: true });

    for (const organization of ["org_acme", "org_globex"]) {
      const response = await clientCredentialsRequest(emulator, machine.clientId, machine.clientSecret, {
        organization,
      });
      expect(response.status).toBe(200);
      const claims = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
      expect(claims.org_id).toBe(organization);
    }
    const without = await clientCredentialsRequest(emulator, machine.clientId, machine.clientSecret);
    expect({ status: without.status, body: without.body }).toEqual({
      status: 400,
      body: {
        error: "invalid_request",
        error_description: "An organization is required for this client grant",
      },
    });
  });

  it("are refused when the grant's organization usage is deny, even if it is associated", async () => {
    // Acme's back end: its grant leaves organization_usage unset, which is deny.
    await organizations.clientGrants.create("org_acme", { grant_id: "cgr_acme_backend" });
    try {
      const response = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret", {
        organization: "org_acme",
      });

      expect({ status: response.status, body: response.body }).toEqual({
        status: 400,
        body: {
          error: "invalid_request",
          error_description: "Organization usage is disabled for this client grant",
        },
      });
    } finally {
      await organizations.clientGrants.delete("org_acme", "cgr_acme_backend");
    }
  });
});

describe("an organization's client grants (Management API)", () => {
  it("lists the associated grants, filtered by audience and client_id, with Auth0's offset paging", async () => {
    const tenant = await organizations.create({ name: `m2m-${Date.now()}` });
    const tenantId = String(tenant.id);
    const first = await machineWithGrant({ organization_usage: "allow" });
    const second = await machineWithGrant({ organization_usage: "allow" });
    await organizations.clientGrants.create(tenantId, { grant_id: first.grantId });
    await organizations.clientGrants.create(tenantId, { grant_id: second.grantId });

    const all = await organizations.clientGrants.list(tenantId);
    expect(all.data.map((grant) => grant.id)).toEqual([first.grantId, second.grantId]);
    const byClient = await organizations.clientGrants.list(tenantId, { client_id: second.clientId });
    expect(byClient.data.map((grant) => grant.id)).toEqual([second.grantId]);
    const byAudience = await organizations.clientGrants.list(tenantId, {
      audience: "https://elsewhere.test",
    });
    expect(byAudience.data).toEqual([]);
    const paged = await organizations.clientGrants.list(tenantId, {
      page: 1,
      per_page: 1,
      include_totals: true,
    });
    expect(paged.response).toEqual({
      start: 1,
      limit: 1,
      length: 1,
      total: 2,
      client_grants: [expect.objectContaining({ id: second.grantId })],
    });
  });

  it("associating twice is 409, an unknown grant or organization 404", async () => {
    const machine = await machineWithGrant({ organization_usage: "allow" });
    await organizations.clientGrants.create("org_globex", { grant_id: machine.grantId });

    expect(
      await sdkRefusal(organizations.clientGrants.create("org_globex", { grant_id: machine.grantId })),
    ).toEqual({
      statusCode: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message: "The client grant is already associated with the organization",
        errorCode: "conflict",
      },
    });
    expect(
      await sdkRefusal(organizations.clientGrants.create("org_globex", { grant_id: "cgr_nope" })),
    ).toEqual({
      statusCode: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The client grant does not exist",
        errorCode: "inexistent_client_grant",
      },
    });
    const unknownOrganization = await sdkRefusal(organizations.clientGrants.list("org_nope"));
    expect(unknownOrganization.statusCode).toBe(404);
    expect(unknownOrganization.body).toMatchObject({ errorCode: "inexistent_organization" });
  });

  it("deleting a client grant ends its associations", async () => {
    const machine = await machineWithGrant({ organization_usage: "allow" });
    await organizations.clientGrants.create("org_globex", { grant_id: machine.grantId });

    await clientGrants.delete(machine.grantId);

    const listed = await organizations.clientGrants.list("org_globex", { client_id: machine.clientId });
    expect(listed.data).toEqual([]);
  });

  it("each endpoint needs its organization_client_grants scope", async () => {
    const machine = await machineWithGrant({ organization_usage: "allow" });
    const readOnly = managementClients(
      emulator,
      await managementToken(emulator, { scope: "read:organization_client_grants" }),
    ).organizations;
    const membersOnly = managementClients(
      emulator,
      await managementToken(emulator, { scope: "read:organization_members" }),
    ).organizations;

    expect((await readOnly.clientGrants.list("org_acme")).data).toEqual(expect.any(Array));
    expect(await sdkRefusal(readOnly.clientGrants.create("org_acme", { grant_id: machine.grantId }))).toEqual(
      insufficientScope("create:organization_client_grants"),
    );
    expect(await sdkRefusal(readOnly.clientGrants.delete("org_acme", machine.grantId))).toEqual(
      insufficientScope("delete:organization_client_grants"),
    );
    expect(await sdkRefusal(membersOnly.clientGrants.list("org_acme"))).toEqual(
      insufficientScope("read:organization_client_grants"),
    );
  });
});
