// At steady state a read request makes no Management API call: every read, and every caller check, is
// answered from Gatehouse's directory. Counted exactly, on PGlite and on Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreOptions } from "../../src/store/store.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { partnerTokensFor } from "../support/partner-login.js";
import { basic, bearer, startStack, type EmulatorStats, type Stack } from "../support/stack.js";

function managementCalls(stats: EmulatorStats): number {
  return Object.values(stats.management).reduce((sum, count) => sum + count, 0);
}

const stores: [string, () => StoreOptions][] = [
  ["PGlite", () => ({})],
  ["Postgres", () => ({ databaseUrl, schema: randomSchema() })],
];

describe.each(stores)("reads on %s", (_name, storeOptions) => {
  let stack: Stack;
  let store: StoreOptions;
  beforeAll(async () => {
    store = storeOptions();
    stack = await startStack({ gatehouse: { store } });
  });
  afterAll(async () => {
    await stack?.close();
    if (store.schema) await dropSchema(store.schema);
  });

  it("200 mixed reads by users, API keys and a partner make no Management call once warm", async () => {
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    const enabled = await stack.graphql(
      'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }',
      { authorization: acmeAdmin },
    );
    const integrationId = (enabled.body.data?.enableIntegration as { id: string }).id;
    const partner = bearer(
      (await partnerTokensFor(stack.emulator, "member@acme.test", "read:users")).accessToken,
    );
    const callers = [
      acmeAdmin,
      bearer(await stack.userToken("manager@acme.test")),
      bearer(await stack.userToken("member@globex.test")),
      bearer(await stack.userToken("consultant@example.test", { organization: "org_globex" })),
      bearer(await stack.userToken("operator@gatehouse.test")),
      basic("acme-backend", "acme-backend-secret"),
      bearer(await stack.clientToken("globex-backend", "globex-backend-secret")),
      partner,
    ];
    const reads = [
      "{ viewer { kind permissions tenant { name plan { name } } user { email roles } } }",
      '{ users(search: "m", first: 2) { totalCount nodes { id email roles } pageInfo { endCursor } } }',
      "{ users(first: 50) { nodes { id name blocked lastLogin roles tenant { id } integrations { id } } } }",
      '{ user(id: "auth0|acme-member") { email roles } }',
      '{ user(id: "auth0|nobody") { id } }',
      "{ tenant { name apiKeys { id name scopes createdBy { id } } integrations { id status partner { name } } } }",
      "{ tenants(first: 10) { totalCount nodes { id users(first: 5) { totalCount } } } }",
      "{ partners { id scopes } }",
      `{ integration(id: "${integrationId}") { status enabledBy { id } tenant { id } } }`,
    ];
    const run = async () => {
      for (let i = 0; i < 200; i += 1) {
        const response = await stack.graphql(reads[i % reads.length] ?? "", {
          authorization: callers[Math.floor(i / reads.length) % callers.length] ?? "",
        });
        expect(response.status).toBe(200);
      }
    };
    await run(); // warm: API-key exchanges, verified tokens
    await stack.resetStats();
    await run();
    const stats = await stack.stats();
    expect(managementCalls(stats)).toBe(0);
    expect(stats.tokenRequests).toEqual({});
  });
  it("a mutation answers with what it wrote, though the same was just read, and the next read sees it", async () => {
    const admin = bearer(await stack.userToken("admin@globex.test"));
    const read = async () =>
      (await stack.graphql('{ user(id: "auth0|globex-member") { name roles } }', { authorization: admin }))
        .body;
    expect(await read()).toEqual({ data: { user: { name: "Gia Member", roles: ["member"] } } });
    const written = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|globex-member", roles: ["user-manager"]) { name roles } }',
      { authorization: admin },
    );
    expect(written.body).toEqual({
      data: { assignRoles: { name: "Gia Member", roles: ["member", "user-manager"] } },
    });
    expect(await read()).toEqual({
      data: { user: { name: "Gia Member", roles: ["member", "user-manager"] } },
    });
  });
});
