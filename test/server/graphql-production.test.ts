import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { basic, captureLogs, startInstance, startStack, type Stack } from "../support/stack.js";

const CACHE_URL = process.env.CACHE_URL ?? "redis://127.0.0.1:6379";
const logs = captureLogs();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatehouse: { logger: logs.logger } });
});
afterAll(async () => {
  await stack?.close();
});

const apiKey = basic("acme-backend", "acme-backend-secret");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function post(url: string, body: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: apiKey },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    requestId: response.headers.get("x-request-id"),
    body: (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
}

function internalErrorsOf(requestId: string | null) {
  return logs.lines().filter((line) => line.reqId === requestId && line.level === 50);
}

describe("GraphQL refuses what clients send wrong as client errors", () => {
  it("a query over 2,000 tokens is a 400, refused before it is parsed whole", async () => {
    const query = `{ ${Array.from({ length: 1100 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const response = await post(stack.url, { query });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(response.body.errors?.[0]?.message).toContain("2000 tokens");
  });

  it("a persisted query whose hash is not its query's is a 400 BAD_USER_INPUT, not an internal error", async () => {
    const response = await post(stack.url, {
      query: "{ viewer { kind } }",
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256("{ viewer { user { id } } }") } },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(internalErrorsOf(response.requestId)).toEqual([]);
  });

  it("a NUL character in an id is a 400 BAD_USER_INPUT, in a variable or written in the query", async () => {
    const inVariable = await post(stack.url, {
      query: "query($id: ID!) { user(id: $id) { email } }",
      variables: { id: "auth0|acme-\u0000member" },
    });
    const inQuery = await post(stack.url, { query: '{ user(id: "auth0|acme-\\u0000member") { email } }' });
    for (const response of [inVariable, inQuery]) {
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(response.body.data).toBeUndefined();
      expect(internalErrorsOf(response.requestId)).toEqual([]);
    }
  });
});

describe("GraphQL in production", () => {
  it("introspection is refused when turned off, as production does by default", async () => {
    const introspection = "{ __schema { queryType { name } } }";
    expect((await post(stack.url, { query: introspection })).body.data).toEqual({
      __schema: { queryType: { name: "Query" } },
    });
    const production = await startStack({ gatehouse: { introspection: false } });
    try {
      const refused = await post(production.url, { query: introspection });
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect((await post(production.url, { query: "{ viewer { kind } }" })).body.data).toEqual({
        viewer: { kind: "TENANT_APP" },
      });
    } finally {
      await production.close();
    }
  }, 60_000);

  it("a persisted query registered on one instance is served by another through the shared cache", async () => {
    // Instances of one deployment share their store too (the directory's import is leased through it).
    const schema = randomSchema();
    const shared = {
      cacheUrl: CACHE_URL,
      cacheNamespace: `gatehouse-test-${randomBytes(6).toString("hex")}`,
      store: { databaseUrl, schema },
    };
    const first = await startStack({ gatehouse: shared });
    const second = await startInstance(first, shared);
    try {
      const query = "query Persisted { viewer { kind } }";
      const persistedQuery = { version: 1, sha256Hash: sha256(query) };
      const unknown = await post(second.url, { extensions: { persistedQuery } });
      expect(unknown.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
      const registered = await post(first.url, { query, extensions: { persistedQuery } });
      expect(registered.body.data).toEqual({ viewer: { kind: "TENANT_APP" } });
      const byHash = await post(second.url, { extensions: { persistedQuery } });
      expect(byHash.status).toBe(200);
      expect(byHash.body.data).toEqual({ viewer: { kind: "TENANT_APP" } });
    } finally {
      await second.close();
      await first.gatehouse.cache.clear(); // this test's namespace only
      await first.close();
      await dropSchema(schema);
    }
    // Two more instances to start on a loaded machine.
  }, 120_000);
});
