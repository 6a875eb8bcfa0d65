import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basic,
  bearer,
  GATEHOUSE_API,
  startStack,
  type EmulatorStats,
  type Stack,
} from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

function managementCalls(stats: EmulatorStats): number {
  return Object.values(stats.management).reduce((sum, count) => sum + count, 0);
}

function exchanges(stats: EmulatorStats, clientId: string): number {
  return stats.tokensIssued[clientId]?.client_credentials ?? 0;
}

describe("what Gatehouse costs Auth0", () => {
  it("one Management token serves 100 requests", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    await stack.resetStats();
    for (let i = 0; i < 100; i += 1) {
      const response = await stack.graphql("{ viewer { user { email } } }", { authorization });
      expect(response.body.errors).toBeUndefined();
    }
    const stats = await stack.stats();
    // The token was fetched at start-up; 100 requests needed no other.
    expect(exchanges(stats, "gatehouse-server")).toBe(0);
  });

  it("100 requests with the same API key make one exchange, and so do 20 concurrent first requests", async () => {
    await stack.resetStats();
    const authorization = basic("globex-backend", "globex-backend-secret");
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => stack.graphql("{ viewer { kind } }", { authorization })),
    );
    expect(concurrent.every((response) => response.status === 200)).toBe(true);
    expect(exchanges(await stack.stats(), "globex-backend")).toBe(1);
    for (let i = 0; i < 100; i += 1) {
      expect((await stack.graphql("{ viewer { kind } }", { authorization })).status).toBe(200);
    }
    expect(exchanges(await stack.stats(), "globex-backend")).toBe(1);
  });

  it("20 concurrent first requests with the token of a client the directory does not know look it up once", async () => {
    // Made in the dashboard after Gatehouse's import: the directory learns of it from its first token.
    const { clients, clientGrants } = stack.management();
    const created = await clients.create({
      name: "Acme reporting",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
      client_metadata: { tenant_id: "org_acme" },
    });
    const clientId = String(created.client_id);
    await clientGrants.create({ client_id: clientId, audience: GATEHOUSE_API, scope: ["read:users"] });
    const token = await stack.clientToken(clientId, String(created.client_secret));
    await stack.resetStats();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        stack.graphql("{ viewer { kind } }", { authorization: bearer(token) }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect((await stack.stats()).management).toEqual({
      "GET /api/v2/clients/:id": 1,
      "GET /api/v2/client-grants": 1,
    });
    // And then it is known: the next request asks Auth0 nothing.
    await stack.resetStats();
    expect((await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) })).status).toBe(200);
    expect(managementCalls(await stack.stats())).toBe(0);
  });

  it("50 requests with a wrong secret cost at most a handful of token requests", async () => {
    await stack.resetStats();
    const authorization = basic("acme-backend", "a-wrong-secret");
    for (let i = 0; i < 50; i += 1) {
      expect((await stack.graphql("{ viewer { kind } }", { authorization })).status).toBe(401);
    }
    const stats = await stack.stats();
    expect(stats.tokenFailures["acme-backend"]).toBeGreaterThanOrEqual(1);
    expect(stats.tokenFailures["acme-backend"]).toBeLessThanOrEqual(3);
  });

  it("listing users with their roles and consents costs the same Management calls for 50 users as for 5", async () => {
    const admin = bearer(await stack.userToken("admin@globex.test"));
    // Globex grows to 50 members, which its free plan's seats would not allow.
    await stack.setTenantPlan("org_globex", "pro");
    for (let i = 0; i < 48; i += 1) {
      const response = await stack.graphql(
        `mutation { createUser(input: { email: "staff${i}@globex.test", password: "Str0ng-Passw0rd!", roles: ["member"] }) { id } }`,
        { authorization: admin },
      );
      expect(response.body.errors).toBeUndefined();
    }
    const query =
      "query($first: Int) { users(first: $first) { nodes { id email roles integrations { id } } } }";
    await stack.graphql(query, { authorization: admin, variables: { first: 5 } }); // warm the cross-request caches

    await stack.resetStats();
    const five = await stack.graphql(query, { authorization: admin, variables: { first: 5 } });
    expect((five.body.data?.users as { nodes: unknown[] }).nodes).toHaveLength(5);
    const callsForFive = managementCalls(await stack.stats());

    await stack.resetStats();
    const fifty = await stack.graphql(query, { authorization: admin, variables: { first: 50 } });
    expect(fifty.body.errors).toBeUndefined();
    const nodes = (fifty.body.data?.users as { nodes: { roles: string[] }[] }).nodes;
    expect(nodes).toHaveLength(50);
    expect(nodes.filter((node) => node.roles.includes("member"))).toHaveLength(49);
    const callsForFifty = managementCalls(await stack.stats());

    // Every read is answered from the directory.
    expect(callsForFive).toBe(0);
    expect(callsForFifty).toBe(0);
  });
});
