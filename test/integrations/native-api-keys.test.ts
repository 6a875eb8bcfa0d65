import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseUrl, dropSchema, queryPostgres, randomSchema } from "../store/databases.js";
import { basic, bearer, startStack, type Stack } from "../support/stack.js";

const schema = randomSchema();
let stack: Stack;
let acmeAdmin: string;
/** How far the clock native keys expire by is ahead of the real one (a test moves it, and puts it back). */
let clockAheadMs = 0;

beforeAll(async () => {
  // Postgres here, so a test can read what the store holds with another connection.
  stack = await startStack({
    gatehouse: {
      store: { databaseUrl, schema },
      apiKeys: { now: () => new Date(Date.now() + clockAheadMs) },
    },
  });
  acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
});
afterAll(async () => {
  await stack?.close();
  await dropSchema(schema);
});

const CREATE = `mutation($name: String!, $scopes: [String!]!, $expiresAt: DateTime) {
  createApiKey(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    clientId clientSecret apiKey { id kind name scopes prefix expiresAt lastUsedAt createdBy { id } }
  }
}`;

interface NativeKey {
  clientId: string;
  clientSecret: string;
  apiKey: Record<string, unknown>;
}

async function createKey(name: string, scopes: string[], expiresAt?: string): Promise<NativeKey> {
  const response = await stack.graphql(CREATE, {
    authorization: acmeAdmin,
    variables: { name, scopes, ...(expiresAt ? { expiresAt } : {}) },
  });
  expect(response.body.errors).toBeUndefined();
  return response.body.data?.createApiKey as NativeKey;
}

async function viewerWith(authorization: string) {
  return stack.graphql("{ viewer { kind clientId permissions tenant { id } } }", { authorization });
}

function totalOf(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** The key with one character of its secret changed: its checksum no longer matches. */
function mistyped(key: string): string {
  const at = "gatehouse_".length + 20;
  const replacement = key[at] === "a" ? "b" : "a";
  return `${key.slice(0, at)}${replacement}${key.slice(at + 1)}`;
}

describe("a tenant's native API keys", () => {
  it("are created by default: the key is shown once, and the store keeps only a hash of its secret", async () => {
    const key = await createKey("Billing sync", ["read:users", "create:users"]);
    expect(key.clientSecret).toMatch(/^gatehouse_[0-9A-Za-z]{54}$/);
    const idPart = key.clientSecret.slice("gatehouse_".length, "gatehouse_".length + 16);
    const secretPart = key.clientSecret.slice("gatehouse_".length + 16, "gatehouse_".length + 48);
    expect(key.clientId).toBe(`key_${idPart}`);
    expect(key.apiKey).toEqual({
      id: key.clientId,
      kind: "NATIVE",
      name: "Billing sync",
      scopes: ["read:users", "create:users"],
      prefix: `gatehouse_${idPart}`,
      expiresAt: null,
      lastUsedAt: null,
      createdBy: { id: "auth0|acme-admin" },
    });

    const rows = await queryPostgres<{ secret_hash: string }>(
      `select secret_hash from "${schema}".api_keys where id = $1`,
      [key.clientId],
    );
    expect(rows).toEqual([{ secret_hash: createHash("sha256").update(secretPart).digest("hex") }]);
    const everything = JSON.stringify([
      await queryPostgres(`select * from "${schema}".api_keys`),
      await queryPostgres(`select * from "${schema}".audit_events`),
    ]);
    expect(everything).toContain(key.clientId);
    expect(everything).not.toContain(secretPart);
    expect(everything).not.toContain(key.clientSecret);
    // No Auth0 application was made for it.
    expect(Object.keys(stack.emulator.context.store.data.clients)).not.toContain(key.clientId);
  });

  it("works as Bearer and as Basic with exactly its scopes, and no request costs an Auth0 call", async () => {
    const key = await createKey("Reporting", ["read:users"]);
    await stack.resetStats();
    const expected = {
      data: {
        viewer: {
          kind: "TENANT_APP",
          clientId: key.clientId,
          permissions: ["read:users"],
          tenant: { id: "org_acme" },
        },
      },
    };
    for (let i = 0; i < 20; i += 1) {
      expect((await viewerWith(bearer(key.clientSecret))).body).toEqual(expected);
      expect((await viewerWith(basic(key.clientId, key.clientSecret))).body).toEqual(expected);
    }
    const users = await stack.graphql("{ users { totalCount } }", {
      authorization: bearer(key.clientSecret),
    });
    expect(users.body).toEqual({ data: { users: { totalCount: 4 } } });
    const deleted = await stack.graphql(`mutation { deleteUser(id: "auth0|acme-member") }`, {
      authorization: bearer(key.clientSecret),
    });
    expect(deleted.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });

    const stats = await stack.stats();
    expect(totalOf(stats.management)).toBe(0);
    expect(totalOf(stats.tokenRequests)).toBe(0);
  });

  it("as Basic, the user name must be the key's own id", async () => {
    const key = await createKey("Basic only with its id", ["read:users"]);
    const other = await createKey("Another", ["read:users"]);
    const response = await viewerWith(basic(other.clientId, key.clientSecret));
    expect(response.status).toBe(401);
  });

  it("a key with a wrong checksum is refused without a store lookup; a good one costs one cached lookup", async () => {
    const key = await createKey("Checked offline", ["read:users"]);
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
    const findNative = vi.spyOn(stack.gatehouse.store.apiKeys, "findNative");
    const version = vi.spyOn(stack.gatehouse.store.directory, "version");
    try {
      for (const credentials of [
        bearer(mistyped(key.clientSecret)),
        basic(key.clientId, mistyped(key.clientSecret)),
      ]) {
        const refused = await viewerWith(credentials);
        expect(refused.status).toBe(401);
        expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
        expect(refused.body.errors?.[0]?.message).toContain("checksum");
      }
      expect(findNative).toHaveBeenCalledTimes(0);
      expect(version).toHaveBeenCalledTimes(0);

      // The key's row was read before under the current directory version: only that version is read again.
      expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
      expect(findNative).toHaveBeenCalledTimes(0);
      expect(version).toHaveBeenCalledTimes(1);
    } finally {
      findNative.mockRestore();
      version.mockRestore();
    }
  });

  it("are listed with their prefix and last use, written in a batch rather than per request", async () => {
    const key = await createKey("Listed", ["read:users"]);
    for (let i = 0; i < 5; i += 1) expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
    const listKeys = async () => {
      const response = await stack.graphql("{ tenant { apiKeys { id kind prefix lastUsedAt } } }", {
        authorization: acmeAdmin,
      });
      const keys = (response.body.data?.tenant as { apiKeys: Record<string, unknown>[] }).apiKeys;
      return keys.find((listed) => listed.id === key.clientId);
    };
    // Five requests, no write yet: last uses are written by the periodic flush.
    expect(await listKeys()).toEqual({
      id: key.clientId,
      kind: "NATIVE",
      prefix: key.apiKey.prefix,
      lastUsedAt: null,
    });
    await stack.gatehouse.apiKeyChecks.flush();
    const listed = await listKeys();
    expect(Date.parse(String(listed?.lastUsedAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(
      JSON.stringify(await stack.graphql("{ tenant { apiKeys { id } } }", { authorization: acmeAdmin })),
    ).not.toContain(key.clientSecret);
  });

  it("after a rotation the old key is refused on the next request, the new one works, and its first use is audited once", async () => {
    const key = await createKey("Rotating", ["read:users"]);
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
    const rotated = await stack.graphql(
      `mutation($id: ID!) { rotateApiKey(id: $id) { clientId clientSecret apiKey { id prefix } } }`,
      { authorization: acmeAdmin, variables: { id: key.clientId } },
    );
    expect(rotated.body.errors).toBeUndefined();
    const fresh = rotated.body.data?.rotateApiKey as { clientId: string; clientSecret: string };
    expect(fresh.clientId).toBe(key.clientId);
    expect(fresh.clientSecret).not.toBe(key.clientSecret);
    expect(fresh.clientSecret.slice(0, 26)).toBe(key.clientSecret.slice(0, 26));

    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(401);
    expect((await viewerWith(basic(key.clientId, key.clientSecret))).status).toBe(401);
    expect((await viewerWith(bearer(fresh.clientSecret))).status).toBe(200);
    expect((await viewerWith(basic(fresh.clientId, fresh.clientSecret))).status).toBe(200);

    const actions = await queryPostgres<{ action: string }>(
      `select action from "${schema}".audit_events where target = $1 order by id`,
      [key.clientId],
    );
    expect(actions.map((row) => row.action)).toEqual([
      "api_key.created",
      "api_key.rotated",
      "api_key.first_used_after_rotation",
    ]);
  });

  it("after a revocation the key is refused on the next request and no longer listed", async () => {
    const key = await createKey("Revoked", ["read:users"]);
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
    const revoked = await stack.graphql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, {
      authorization: acmeAdmin,
      variables: { id: key.clientId },
    });
    expect(revoked.body).toEqual({ data: { revokeApiKey: key.clientId } });
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(401);
    const listed = await stack.graphql("{ tenant { apiKeys { id } } }", { authorization: acmeAdmin });
    expect(JSON.stringify(listed.body)).not.toContain(key.clientId);
  });

  it("a key past its expiry is refused", async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const key = await createKey("Expiring", ["read:users"], inAnHour);
    expect(key.apiKey.expiresAt).toBe(inAnHour);
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
    clockAheadMs = 2 * 3_600_000;
    try {
      const expired = await viewerWith(bearer(key.clientSecret));
      expect(expired.status).toBe(401);
      expect(expired.body.errors?.[0]?.message).toContain("expired");
    } finally {
      clockAheadMs = 0;
    }
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
  });

  it("an expiry in the past, or on an Auth0-application key, is refused", async () => {
    for (const variables of [
      { name: "Past", scopes: ["read:users"], expiresAt: new Date(Date.now() - 1000).toISOString() },
      {
        name: "Auth0",
        scopes: ["read:users"],
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        kind: "AUTH0_APPLICATION",
      },
    ]) {
      const response = await stack.graphql(
        `mutation($name: String!, $scopes: [String!]!, $expiresAt: DateTime, $kind: ApiKeyKind) {
          createApiKey(name: $name, scopes: $scopes, expiresAt: $expiresAt, kind: $kind) { clientId }
        }`,
        { authorization: acmeAdmin, variables },
      );
      expect(response.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "expiresAt",
      });
    }
  });

  it("never carry platform scopes, and another tenant's key is NOT_FOUND", async () => {
    const refused = await stack.graphql(CREATE, {
      authorization: acmeAdmin,
      variables: { name: "Too much", scopes: ["read:users", "manage:tenants"] },
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const key = await createKey("Acme only", ["read:users"]);
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    for (const mutation of [
      `rotateApiKey(id: "${key.clientId}") { clientId }`,
      `revokeApiKey(id: "${key.clientId}")`,
    ]) {
      const response = await stack.graphql(`mutation { ${mutation} }`, { authorization: globexAdmin });
      expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    }
    expect((await viewerWith(bearer(key.clientSecret))).status).toBe(200);
  });
});

describe("Auth0's application limit", () => {
  it("caps Auth0-application keys, and a tenant holds more native keys than it would allow", async () => {
    const operator = bearer(await stack.userToken("operator@gatehouse.test"));
    const licence = await stack.graphql(
      `mutation { grantLicence(tenantId: "org_acme", quota: "api_keys", limit: null) { id } }`,
      { authorization: operator },
    );
    expect(licence.body.errors).toBeUndefined();
    const setProfile = (profile: string) =>
      fetch(`${stack.emulator.url}/__emulator/rate-limit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ profile }),
      });
    // Auth0's free subscription: 10 applications per Auth0 tenant, Gatehouse's own and the SPA among them.
    expect((await setProfile("free")).status).toBe(204);
    try {
      const applications = () => Object.keys(stack.emulator.context.store.data.clients).length;
      const room = 10 - applications();
      for (let i = 0; i < room; i += 1) {
        const created = await stack.graphql(
          `mutation { createApiKey(name: "app ${i}", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId } }`,
          { authorization: acmeAdmin },
        );
        expect(created.body.errors).toBeUndefined();
      }
      expect(applications()).toBe(10);
      const oneTooMany = await stack.graphql(
        `mutation { createApiKey(name: "one too many", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId } }`,
        { authorization: acmeAdmin },
      );
      expect(oneTooMany.body.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "kind" });
      expect(applications()).toBe(10);

      for (let i = 0; i < 12; i += 1) await createKey(`native ${i}`, ["read:users"]);
      const listed = await stack.graphql("{ tenant { apiKeys { id kind } } }", { authorization: acmeAdmin });
      const keys = (listed.body.data?.tenant as { apiKeys: { kind: string }[] }).apiKeys;
      expect(keys.filter((key) => key.kind === "NATIVE").length).toBeGreaterThanOrEqual(12);
      expect(keys.length).toBeGreaterThan(10);
    } finally {
      await setProfile("off");
    }
  });

  it("the emulator answers one application too many with Auth0's error body", async () => {
    await fetch(`${stack.emulator.url}/__emulator/rate-limit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ profile: "free" }),
    });
    try {
      const refused = await stack
        .management()
        .clients.create({ name: "eleventh" })
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({
        statusCode: 403,
        body: { statusCode: 403, error: "Forbidden", errorCode: "entity_limit_exceeded" },
      });
    } finally {
      await fetch(`${stack.emulator.url}/__emulator/rate-limit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ profile: "off" }),
      });
    }
  });
});
