import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, dropSchema, queryPostgres, randomSchema } from "../store/databases.js";
import { PARTNER, partnerTokensFor } from "../support/partner-login.js";
import {
  basic,
  bearer,
  signedByEmulator,
  captureLogs,
  SEED_PASSWORD,
  startStack,
  type Stack,
} from "../support/stack.js";

let stack: Stack;
const logs = captureLogs();
beforeAll(async () => {
  stack = await startStack({ gatehouse: { logger: logs.logger } });
});
afterAll(async () => {
  await stack?.close();
});

const now = () => Math.floor(Date.now() / 1000);

/** A request with an id of the test's choosing, so its access line can be found. */
async function send(query: string, authorization?: string, variables?: Record<string, unknown>) {
  const requestId = `test-${randomUUID()}`;
  const response = await fetch(`${stack.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-request-id": requestId,
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  await response.text();
  return { requestId, status: response.status, echoed: response.headers.get("x-request-id") };
}

interface Identity {
  name: string;
  authorization: () => Promise<string | undefined>;
  status: number;
  /** What the access line says of the caller (or of the refusal). */
  expected: Record<string, unknown>;
}

const identities: Identity[] = [
  {
    name: "nobody",
    authorization: async () => undefined,
    status: 200,
    expected: { callerKind: "ANONYMOUS" },
  },
  {
    name: "Acme's admin",
    authorization: async () => bearer(await stack.userToken("admin@acme.test")),
    status: 200,
    expected: {
      callerKind: "USER",
      subject: "auth0|acme-admin",
      tenant: "org_acme",
      clientId: "gatehouse-spa",
    },
  },
  {
    name: "Globex's member",
    authorization: async () => bearer(await stack.userToken("member@globex.test")),
    status: 200,
    expected: { callerKind: "USER", subject: "auth0|globex-member", tenant: "org_globex" },
  },
  {
    name: "the platform operator",
    authorization: async () => bearer(await stack.userToken("operator@gatehouse.test")),
    status: 200,
    expected: { callerKind: "USER", subject: "auth0|operator" },
  },
  {
    name: "Acme's API key (Basic)",
    authorization: async () => basic("acme-backend", "acme-backend-secret"),
    status: 200,
    expected: { callerKind: "TENANT_APP", clientId: "acme-backend", tenant: "org_acme" },
  },
  {
    name: "Globex's API key (Bearer)",
    authorization: async () => bearer(await stack.clientToken("globex-backend", "globex-backend-secret")),
    status: 200,
    expected: { callerKind: "TENANT_APP", clientId: "globex-backend", tenant: "org_globex" },
  },
  {
    name: "a partner for Acme's member",
    authorization: async () =>
      bearer((await partnerTokensFor(stack.emulator, "member@acme.test", "openid read:users")).accessToken),
    status: 200,
    expected: { callerKind: "PARTNER", subject: "auth0|acme-member", clientId: PARTNER.clientId },
  },
  {
    name: "an expired token",
    authorization: async () =>
      bearer(await signedByEmulator(stack, { iat: now() - 7200, exp: now() - 3600 })),
    status: 401,
    expected: { refusal: "expired" },
  },
  {
    name: "a tampered token",
    authorization: async () => {
      const [header, , signature] = (await stack.userToken("member@acme.test")).split(".");
      const forged = Buffer.from(JSON.stringify({ sub: "auth0|acme-admin" })).toString("base64url");
      return bearer(`${header}.${forged}.${signature}`);
    },
    status: 401,
    expected: { refusal: "bad_signature" },
  },
  {
    name: "a token of a client that does not exist",
    authorization: async () => bearer(await signedByEmulator(stack, { azp: "no-such-client" })),
    status: 401,
    expected: { refusal: "unknown_client" },
  },
  {
    name: "an API key with a wrong secret",
    authorization: async () => basic("acme-backend", "not-the-secret-0123456789"),
    status: 401,
    expected: { refusal: "invalid_api_key" },
  },
  {
    name: "an API key nobody made",
    authorization: async () => basic("made-up-client", "made-up-secret-0123456789"),
    status: 401,
    expected: { refusal: "unknown_client" },
  },
  {
    name: "a malformed Authorization header",
    authorization: async () => "Bearer",
    status: 401,
    expected: { refusal: "malformed" },
  },
];

describe("the access log", () => {
  it("has exactly one line per request, with who called, what, the outcome and its cost, and no secret", async () => {
    const sent: { identity: Identity; requestId: string; authorization: string | undefined }[] = [];
    for (const identity of identities) {
      const authorization = await identity.authorization();
      const result = await send("query WhoAmI { viewer { kind } }", authorization);
      expect(result.status, identity.name).toBe(identity.status);
      expect(result.echoed).toBe(result.requestId);
      sent.push({ identity, requestId: result.requestId, authorization });
    }
    // A write that goes to Auth0: its line counts the Management calls it made.
    const admin = bearer(await stack.userToken("admin@acme.test"));
    const rename = await send(
      'mutation Rename { updateUser(id: "auth0|acme-member", input: { name: "Acme Member" }) { name } }',
      admin,
    );
    expect(rename.status).toBe(200);

    const lines = logs.lines();
    const accessLines = lines.filter((line) => line.access === true);
    for (const { identity, requestId } of sent) {
      const mine = accessLines.filter((line) => line.reqId === requestId);
      expect(mine, identity.name).toHaveLength(1);
      const line = mine[0] as Record<string, unknown>;
      expect(line, identity.name).toMatchObject({
        method: "POST",
        path: "/graphql",
        status: identity.status,
        managementCalls: expect.any(Number),
        durationMs: expect.any(Number),
        ...identity.expected,
      });
      if (identity.status === 200) {
        expect(line).toMatchObject({ operationName: "WhoAmI", operationType: "query" });
      } else {
        expect(line.errorCodes).toEqual(["UNAUTHENTICATED"]);
        // The refusal is also said on its own line, at info, with the reason.
        const refusals = lines.filter((l) => l.reqId === requestId && l.msg === "credentials refused");
        expect(refusals).toEqual([
          expect.objectContaining({
            level: 30,
            reason: identity.expected.refusal,
            description: expect.any(String),
          }),
        ]);
      }
    }
    const renameLine = accessLines.filter((line) => line.reqId === rename.requestId);
    expect(renameLine).toHaveLength(1);
    expect(renameLine[0]).toMatchObject({ operationName: "Rename", operationType: "mutation", status: 200 });
    expect(renameLine[0]?.managementCalls).toBeGreaterThanOrEqual(1);

    // No credential, whole or in part, reached the log.
    const text = logs.text();
    const secrets = [
      SEED_PASSWORD,
      "acme-backend-secret",
      "globex-backend-secret",
      "not-the-secret-0123456789",
      "made-up-secret-0123456789",
      PARTNER.clientSecret,
      "gatehouse-server-secret",
    ];
    for (const { authorization } of sent) {
      const credentials = authorization?.split(" ")[1];
      if (credentials) secrets.push(credentials, ...credentials.split("."));
    }
    for (const secret of secrets.filter((value) => value.length >= 8)) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/Bearer ey|Basic [A-Za-z0-9+/]{8}/);
  });

  it("keeps no more than the path of a GET query, whose string can carry variables", async () => {
    const requestId = `test-${randomUUID()}`;
    const query = encodeURIComponent("query Find($q: String) { users(search: $q) { totalCount } }");
    const variables = encodeURIComponent(JSON.stringify({ q: "secret-search-0123456789" }));
    const response = await fetch(`${stack.url}/graphql?query=${query}&variables=${variables}`, {
      headers: {
        "x-request-id": requestId,
        "apollo-require-preflight": "true",
        authorization: basic("acme-backend", "acme-backend-secret"),
      },
    });
    expect(response.status).toBe(200);
    const line = logs.lines().find((l) => l.reqId === requestId && l.access === true);
    expect(line).toMatchObject({ method: "GET", path: "/graphql", operationName: "Find" });
    expect(logs.text()).not.toContain("secret-search-0123456789");
  });

  it("logs an internal error once, at error, with its cause and the request's id", async () => {
    // A Postgres store whose audit table has gone: reading the audit trail fails inside its resolver.
    const schema = randomSchema();
    const broken = await startStack({ gatehouse: { logger: logs.logger, store: { databaseUrl, schema } } });
    try {
      const admin = bearer(await broken.userToken("admin@acme.test"));
      await queryPostgres(`alter table "${schema}".audit_events rename to audit_events_gone`);
      const requestId = `test-${randomUUID()}`;
      const response = await fetch(`${broken.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: admin, "x-request-id": requestId },
        body: JSON.stringify({ query: "query Audit { tenant { auditEvents { nodes { id } } } }" }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      const mine = logs.lines().filter((line) => line.reqId === requestId);
      const errors = mine.filter((line) => line.level === 50);
      expect(errors).toEqual([
        expect.objectContaining({
          msg: "internal error",
          at: "tenant.auditEvents",
          error: expect.objectContaining({
            name: expect.any(String),
            message: expect.stringContaining("audit_events"),
          }),
        }),
      ]);
      const access = mine.filter((line) => line.access === true);
      expect(access).toHaveLength(1);
      expect(access[0]?.errorCodes).toEqual(["INTERNAL_SERVER_ERROR"]);
    } finally {
      await broken.close();
      await dropSchema(schema);
    }
  });
});
