import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatehouse, type Gatehouse } from "../../src/app.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { partnerTokensFor } from "../support/partner-login.js";
import {
  basic,
  bearer,
  GATEHOUSE_API,
  startStack,
  type GraphQLResponse,
  type Stack,
} from "../support/stack.js";

const CACHE_URL = process.env.CACHE_URL ?? "redis://127.0.0.1:6379";
const schema = randomSchema();
const cacheNamespace = `gatehouse-test-${randomBytes(6).toString("hex")}`;

let first: Stack;
let second: Gatehouse;
let secondUrl: string;
let acmeAdmin: string;

async function onSecond(query: string, authorization: string): Promise<GraphQLResponse> {
  const response = await fetch(`${secondUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse["body"],
  };
}

beforeAll(async () => {
  const shared = { store: { databaseUrl, schema }, cacheUrl: CACHE_URL, cacheNamespace };
  first = await startStack({ gatehouse: shared });
  second = await createGatehouse({
    issuer: first.emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    ...shared,
  });
  await second.app.listen({ port: 0, host: "127.0.0.1" });
  secondUrl = `http://127.0.0.1:${(second.app.server.address() as AddressInfo).port}`;
  acmeAdmin = bearer(await first.userToken("admin@acme.test"));
});

afterAll(async () => {
  await first?.gatehouse.cache.clear(); // this file's namespace only
  await second?.close();
  await first?.close();
  await dropSchema(schema);
});

describe("two Gatehouse instances sharing one Redis and one Postgres", () => {
  it("share one Management token", async () => {
    const stats = await first.stats();
    expect(stats.tokensIssued["gatehouse-server"]?.client_credentials).toBe(1);
  });

  it("a key revoked on one instance is refused by the other on its next request", async () => {
    const created = await first.graphql(
      'mutation { createApiKey(name: "Shared", scopes: ["read:users"]) { clientId clientSecret } }',
      {
        authorization: acmeAdmin,
      },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    const token = await first.clientToken(key.clientId, key.clientSecret);
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(200);
    expect((await onSecond("{ viewer { kind } }", bearer(token))).status).toBe(200);

    await first.graphql(`mutation { revokeApiKey(id: "${key.clientId}") }`, { authorization: acmeAdmin });
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(401);
    expect((await onSecond("{ viewer { kind } }", bearer(token))).status).toBe(401);
  });

  it("a key rotated on one instance: the other refuses the old secret on its next request", async () => {
    const created = await first.graphql(
      'mutation { createApiKey(name: "Rotated", scopes: ["read:users"]) { clientId clientSecret } }',
      {
        authorization: acmeAdmin,
      },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(200);
    await first.graphql(`mutation { rotateApiKey(id: "${key.clientId}") { clientId } }`, {
      authorization: acmeAdmin,
    });
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(401);
  });

  it("an integration disabled on one instance stops the partner on the other at its next request", async () => {
    const enabled = await first.graphql(
      'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }',
      {
        authorization: acmeAdmin,
      },
    );
    const integrationId = (enabled.body.data?.enableIntegration as { id: string }).id;
    const partner = await partnerTokensFor(first.emulator, "member@acme.test", "read:users");
    const before = await onSecond("{ users { totalCount } }", bearer(partner.accessToken));
    expect(before.body).toEqual({ data: { users: { totalCount: 4 } } });

    await first.graphql(`mutation { disableIntegration(id: "${integrationId}") { id } }`, {
      authorization: acmeAdmin,
    });
    const after = await onSecond("{ users { totalCount } }", bearer(partner.accessToken));
    expect(after.body.data).toEqual({ users: null });
    expect(after.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
