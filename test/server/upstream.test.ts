import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, bearer, GATEHOUSE_API, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function control(path: string, body: unknown): Promise<void> {
  await fetch(`${stack.emulator.url}/__emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("when Auth0 rate limits or fails", () => {
  it("a write that meets a 429 Auth0 lifts in time is retried and succeeds", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    await control("faults", {
      method: "POST",
      path: "/api/v2/organizations/*/members/*/roles",
      status: 429,
      times: 1,
    });
    const response = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|acme-member", roles: ["user-manager"]) { roles } }',
      { authorization },
    );
    expect(response.body).toEqual({ data: { assignRoles: { roles: ["member", "user-manager"] } } });
  });

  it("reads go on while Auth0 fails; a write that cannot be served is UPSTREAM_UNAVAILABLE", async () => {
    const authorization = bearer(await stack.userToken("admin@globex.test"));
    await control("faults", { path: "/api/v2/**", status: 503, times: 1000 });
    try {
      const read = await stack.graphql(
        '{ users { totalCount } user(id: "auth0|globex-member") { email roles } }',
        {
          authorization,
        },
      );
      expect(read.body).toEqual({
        data: { users: { totalCount: 3 }, user: { email: "member@globex.test", roles: ["member"] } },
      });
      const write = await stack.graphql(
        'mutation { updateUser(id: "auth0|globex-member", input: { name: "Gia M." }) { name } }',
        { authorization },
      );
      expect(write.status).toBe(200);
      expect(write.body.data).toBeNull();
      expect(write.body.errors?.map((error) => [error.path?.join("."), error.extensions?.code])).toEqual([
        ["updateUser", "UPSTREAM_UNAVAILABLE"],
      ]);
    } finally {
      await fetch(`${stack.emulator.url}/__emulator/faults`, { method: "DELETE" });
    }
    const after = await stack.graphql('{ user(id: "auth0|globex-member") { name } }', { authorization });
    expect(after.body).toEqual({ data: { user: { name: "Gia Member" } } });
  });

  it("a client the directory does not know yet, whose look-up Auth0 fails, gets 503 with Retry-After, not a 401", async () => {
    const { clients, clientGrants } = stack.management();
    const created = await clients.create({
      name: "Made in the dashboard",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
      client_metadata: { tenant_id: "org_globex" },
    });
    const clientId = String(created.client_id);
    await clientGrants.create({ client_id: clientId, audience: GATEHOUSE_API, scope: ["read:users"] });
    const token = await stack.clientToken(clientId, String(created.client_secret));
    await control("faults", { method: "GET", path: `/api/v2/clients/${clientId}`, status: 503, times: 3 });
    const response = await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    // Once Auth0 answers again, the same token is served.
    const served = await stack.graphql("{ viewer { kind tenant { id } } }", { authorization: bearer(token) });
    expect(served.body).toEqual({ data: { viewer: { kind: "TENANT_APP", tenant: { id: "org_globex" } } } });
  });

  it("an API key that cannot be exchanged because Auth0's token endpoint fails gets 503", async () => {
    await control("faults", { method: "POST", path: "/oauth/token", status: 503, times: 1 });
    const response = await stack.graphql("{ viewer { kind } }", {
      authorization: basic("acme-backend", "acme-backend-secret"),
    });
    expect(response.status).toBe(503);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(
      (
        await stack.graphql("{ viewer { kind } }", {
          authorization: basic("acme-backend", "acme-backend-secret"),
        })
      ).status,
    ).toBe(200);
  });
});
