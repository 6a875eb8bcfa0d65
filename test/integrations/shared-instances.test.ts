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
  SEED_PASSWORD,
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
  const shared = {
    store: { databaseUrl, schema },
    cacheUrl: CACHE_URL,
    cacheNamespace,
    apiKeys: { rotateTimeoutMs: 500 },
  };
  first = await startStack({ gatehouse: shared });
  second = await createGatehouse({
    issuer: first.emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    ...shared,
  });
  // Requests get 503 until the directory is imported (here: already there, the first instance's import).
  await second.ready;
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
      'mutation { createApiKey(name: "Shared", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId clientSecret } }',
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
      'mutation { createApiKey(name: "Rotated", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId clientSecret } }',
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

  it("a native key rotated, then revoked, on one instance is refused by the other on its next request", async () => {
    const created = await first.graphql(
      'mutation { createApiKey(name: "Native shared", scopes: ["read:users"]) { clientId clientSecret } }',
      { authorization: acmeAdmin },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    expect((await onSecond("{ viewer { kind } }", bearer(key.clientSecret))).status).toBe(200);

    const rotated = await first.graphql(`mutation { rotateApiKey(id: "${key.clientId}") { clientSecret } }`, {
      authorization: acmeAdmin,
    });
    const fresh = (rotated.body.data?.rotateApiKey as { clientSecret: string }).clientSecret;
    expect((await onSecond("{ viewer { kind } }", bearer(key.clientSecret))).status).toBe(401);
    expect((await onSecond("{ viewer { kind } }", bearer(fresh))).status).toBe(200);

    await first.graphql(`mutation { revokeApiKey(id: "${key.clientId}") }`, { authorization: acmeAdmin });
    expect((await onSecond("{ viewer { kind } }", bearer(fresh))).status).toBe(401);
  });

  it("a rotation whose Auth0 answer was lost on one instance: the other refuses the old secret's cached exchange and tokens", async () => {
    const created = await first.graphql(
      'mutation { createApiKey(name: "Lost on first", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId clientSecret } }',
      { authorization: acmeAdmin },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    const token = await first.clientToken(key.clientId, key.clientSecret);
    // The second instance has exchanged the old secret and cached the token in the shared cache.
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(200);
    const fault = await fetch(`${first.emulator.url}/__emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        method: "POST",
        path: "/api/v2/clients/*/rotate-secret",
        answerDelayMs: 2_000,
        times: 2,
      }),
    });
    expect(fault.status).toBe(201);
    const rotated = await first.graphql(`mutation { rotateApiKey(id: "${key.clientId}") { clientId } }`, {
      authorization: acmeAdmin,
    });
    expect(rotated.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect((await onSecond("{ viewer { kind } }", basic(key.clientId, key.clientSecret))).status).toBe(401);
    expect((await onSecond("{ viewer { kind } }", bearer(token))).status).toBe(401);
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

  it("read-your-writes: a user created, renamed, given a role, blocked or removed on one instance is seen by the other on its next request", async () => {
    const person = `shared-${randomBytes(4).toString("hex")}@acme.test`;
    const userOnSecond = async (id: string) => {
      const response = await onSecond(`{ user(id: "${id}") { email name roles blocked } }`, acmeAdmin);
      return response.body.data?.user ?? null;
    };
    const onFirst = async (mutation: string) => {
      const response = await first.graphql(mutation, { authorization: acmeAdmin });
      expect(response.body.errors).toBeUndefined();
      return response.body.data ?? {};
    };

    const created = await onFirst(
      `mutation { createUser(input: { email: "${person}", name: "Shared Person", roles: ["member"] }) { id } }`,
    );
    const id = (created.createUser as { id: string }).id;
    expect(await userOnSecond(id)).toEqual({
      email: person,
      name: "Shared Person",
      roles: ["member"],
      blocked: false,
    });

    await onFirst(`mutation { updateUser(id: "${id}", input: { name: "Shared Renamed" }) { id } }`);
    expect(await userOnSecond(id)).toMatchObject({ name: "Shared Renamed" });

    await onFirst(`mutation { assignRoles(userId: "${id}", roles: ["user-manager"]) { id } }`);
    expect(await userOnSecond(id)).toMatchObject({ roles: ["member", "user-manager"] });

    await onFirst(`mutation { setUserBlocked(id: "${id}", blocked: true) { id } }`);
    expect(await userOnSecond(id)).toMatchObject({ blocked: true });

    await onFirst(`mutation { removeFromTenant(userId: "${id}") }`);
    const removed = await onSecond(`{ user(id: "${id}") { name } }`, acmeAdmin);
    expect(removed.body.data).toEqual({ user: null });
    expect(removed.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const listed = await onSecond(`{ users(search: "${person}") { totalCount } }`, acmeAdmin);
    expect(listed.body.data).toEqual({ users: { totalCount: 0 } });
  });

  it("read-your-writes: a user deleted on one instance is gone on the other at its next request", async () => {
    const person = `deleted-${randomBytes(4).toString("hex")}@acme.test`;
    const created = await first.graphql(
      `mutation { createUser(input: { email: "${person}", name: "Soon Gone" }) { id } }`,
      { authorization: acmeAdmin },
    );
    const id = (created.body.data?.createUser as { id: string }).id;
    expect((await onSecond(`{ user(id: "${id}") { name } }`, acmeAdmin)).body.data).toEqual({
      user: { name: "Soon Gone" },
    });

    const deleted = await first.graphql(`mutation { deleteUser(id: "${id}") }`, { authorization: acmeAdmin });
    expect(deleted.body).toEqual({ data: { deleteUser: id } });
    const after = await onSecond(`{ user(id: "${id}") { name } }`, acmeAdmin);
    expect(after.body.data).toEqual({ user: null });
    expect(after.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("a user blocked, or deleted, through one instance is refused by the other on their next request", async () => {
    const tokens: Record<string, string> = {};
    const ids: Record<string, string> = {};
    for (const kind of ["blocked", "deleted"]) {
      const email = `${kind}-${randomBytes(4).toString("hex")}@acme.test`;
      const created = await first.graphql(
        `mutation($email: String!) { createUser(input: { email: $email, password: "${SEED_PASSWORD}", roles: ["member"] }) { id } }`,
        { authorization: acmeAdmin, variables: { email } },
      );
      ids[kind] = (created.body.data?.createUser as { id: string }).id;
      tokens[kind] = bearer(await first.userToken(email, { organization: "org_acme" }));
      expect((await onSecond("{ viewer { kind } }", tokens[kind] ?? "")).status).toBe(200);
    }
    await first.graphql(`mutation { setUserBlocked(id: "${ids.blocked}", blocked: true) { id } }`, {
      authorization: acmeAdmin,
    });
    await first.graphql(`mutation { deleteUser(id: "${ids.deleted}") }`, { authorization: acmeAdmin });

    const blocked = await onSecond("{ viewer { kind } }", tokens.blocked ?? "");
    expect(blocked.status).toBe(401);
    expect(blocked.headers.get("www-authenticate")).toContain("the access token's user is blocked");
    const deleted = await onSecond("{ viewer { kind } }", tokens.deleted ?? "");
    expect(deleted.status).toBe(401);
    expect(deleted.headers.get("www-authenticate")).toContain("the access token's user no longer exists");
  });
});
