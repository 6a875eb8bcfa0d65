// Token enrichment: an organization login's access token carries the tenant's stable, licence-derived claims,
// which an Auth0 post-login Action (played here by the emulator's post-login hook) asks Gatehouse for. When
// Gatehouse cannot answer, the login goes on without them, and Gatehouse still enforces licences itself.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { request as httpRequest, createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/app.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { organizationLogin } from "../../src/dev/login.js";
import { CLAIM_NAMESPACE, POST_LOGIN_CLAIMS_PATH } from "../../src/http/post-login-claims.js";
import {
  bearer,
  GATEHOUSE_API,
  SEED_PASSWORD,
  SPA_CALLBACK,
  startStack,
  type Stack,
} from "../support/stack.js";

const SECRET = `post-login-${randomBytes(24).toString("hex")}`;
const LIMITS = { perSource: 10, overall: 15, windowMs: 60_000 };
/** The endpoint limiter's clock: frozen, moved by the tests (each test starts in a fresh window). */
let clockMs = Date.parse("2030-01-01T00:00:00Z");

const ACME_CLAIMS = {
  [`${CLAIM_NAMESPACE}plan`]: "pro",
  [`${CLAIM_NAMESPACE}features`]: ["api_keys", "audit_log", "integrations", "sso"],
};
const GLOBEX_CLAIMS = {
  [`${CLAIM_NAMESPACE}plan`]: "free",
  [`${CLAIM_NAMESPACE}features`]: ["api_keys"],
};

let stack: Stack;
let endpoint: string;
let operator: string;
beforeAll(async () => {
  stack = await startStack({
    gatehouse: { postLogin: { secret: SECRET, limits: LIMITS, now: () => clockMs } },
  });
  endpoint = `${stack.url}${POST_LOGIN_CLAIMS_PATH}`;
  operator = bearer(await stack.userToken("operator@gatehouse.test"));
});
beforeEach(async () => {
  clockMs += 3_600_000;
  stack.emulator.setPostLoginHook({ url: endpoint, secret: SECRET });
  await stack.resetStats();
});
afterEach(() => {
  stack.emulator.setPostLoginHook(undefined);
});
afterAll(async () => {
  await stack?.close();
});

/** Gatehouse's claims in an access token: the namespaced ones, nothing else. */
function gatehouseClaimsOf(accessToken: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(decodeJwt(accessToken)).filter(([name]) => name.startsWith(CLAIM_NAMESPACE)),
  );
}

function login(email: string, organization: string | undefined, scope = "openid") {
  return organizationLogin({
    issuer: stack.emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-spa",
    callback: SPA_CALLBACK,
    email,
    password: SEED_PASSWORD,
    scope,
    ...(organization ? { organization } : {}),
  });
}

async function refresh(refreshToken: string): Promise<string> {
  const response = await fetch(`${stack.emulator.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      client_id: "gatehouse-spa",
      refresh_token: refreshToken,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token as string;
}

interface EndpointAnswer {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/** POST to the claims endpoint as an Action would, from a chosen loopback address (the "source"). */
function askForClaims(
  body: unknown,
  {
    authorization = `Bearer ${SECRET}`,
    from = "127.0.0.1",
  }: { authorization?: string | null; from?: string } = {},
): Promise<EndpointAnswer> {
  const url = new URL(endpoint);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress: from,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...(authorization ? { authorization } : {}),
        },
      },
      (response: IncomingMessage) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers["retry-after"] as string | undefined,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

const ENABLE_INTEGRATION = `mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }`;

/** A server that accepts connections and never answers: a Gatehouse that hangs. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${POST_LOGIN_CLAIMS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("token enrichment through the post-login hook", () => {
  it("gives an organization login the claims the endpoint returned for its tenant", async () => {
    const acme = await login("admin@acme.test", "org_acme");
    const globex = await login("admin@globex.test", "org_globex");
    expect(gatehouseClaimsOf(acme.access_token)).toEqual(ACME_CLAIMS);
    expect(gatehouseClaimsOf(globex.access_token)).toEqual(GLOBEX_CLAIMS);
    // Exactly what the endpoint answers for the same user and organization.
    const answered = await askForClaims({ user_id: "auth0|acme-admin", organization_id: "org_acme" });
    expect(answered).toMatchObject({ status: 200, body: { claims: ACME_CLAIMS } });
    // The claims come on top of Auth0's own, which stay as they were.
    expect(decodeJwt(acme.access_token)).toMatchObject({ sub: "auth0|acme-admin", org_id: "org_acme" });
    expect((await stack.stats()).postLoginHook).toEqual({ calls: 2, failures: 0 });
  });

  it("does not call the hook for a login outside any organization", async () => {
    const tokens = await login("operator@gatehouse.test", undefined);
    expect(gatehouseClaimsOf(tokens.access_token)).toEqual({});
    expect((await stack.stats()).postLoginHook).toEqual({ calls: 0, failures: 0 });
  });

  it("gives a refreshed token the claims as they are now", async () => {
    const tokens = await login("admin@globex.test", "org_globex", "openid offline_access");
    expect(gatehouseClaimsOf(tokens.access_token)).toEqual(GLOBEX_CLAIMS);
    expect(tokens.refresh_token).toBeDefined();
    const granted = await stack.graphql(
      `mutation { grantLicence(tenantId: "org_globex", feature: "integrations") { id } }`,
      { authorization: operator },
    );
    expect(granted.body.errors).toBeUndefined();
    const licenceId = (granted.body.data?.grantLicence as { id: string }).id;
    try {
      expect(gatehouseClaimsOf(await refresh(tokens.refresh_token as string))).toEqual({
        [`${CLAIM_NAMESPACE}plan`]: "free",
        [`${CLAIM_NAMESPACE}features`]: ["api_keys", "integrations"],
      });
    } finally {
      const revoked = await stack.graphql(
        `mutation($id: ID!) { revokeLicence(tenantId: "org_globex", licenceId: $id) }`,
        { authorization: operator, variables: { id: licenceId } },
      );
      expect(revoked.body.errors).toBeUndefined();
    }
    expect((await stack.stats()).postLoginHook).toEqual({ calls: 2, failures: 0 });
  });

  it.each([
    ["refuses the secret", () => ({ url: endpoint, secret: `wrong-${SECRET}` })],
    ["is down", () => ({ url: `${stack.url}/no-such-endpoint`, secret: SECRET })],
  ])(
    "lets the login go on without claims when the endpoint %s, and the API still enforces licences",
    async (_case, hook) => {
      stack.emulator.setPostLoginHook(hook());
      const globex = await login("admin@globex.test", "org_globex");
      expect(gatehouseClaimsOf(globex.access_token)).toEqual({});
      expect((await stack.stats()).postLoginHook).toEqual({ calls: 1, failures: 1 });

      const refused = await stack.graphql(ENABLE_INTEGRATION, { authorization: bearer(globex.access_token) });
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors).toEqual([
        expect.objectContaining({
          path: ["enableIntegration"],
          extensions: expect.objectContaining({ code: "LICENCE_REQUIRED", feature: "integrations" }),
        }),
      ]);
    },
  );

  it("lets the login go on without claims when the endpoint does not answer in time", async () => {
    const hanging = await silentServer();
    try {
      stack.emulator.setPostLoginHook({ url: hanging.url, secret: SECRET, timeoutMs: 300 });
      const acme = await login("admin@acme.test", "org_acme");
      expect(gatehouseClaimsOf(acme.access_token)).toEqual({});
      expect((await stack.stats()).postLoginHook).toEqual({ calls: 1, failures: 1 });
      // The token works as any other: what the tenant may use is read at request time.
      const plan = await stack.graphql("{ tenant { plan { name features } } }", {
        authorization: bearer(acme.access_token),
      });
      expect(plan.body).toEqual({
        data: { tenant: { plan: { name: "pro", features: ACME_CLAIMS[`${CLAIM_NAMESPACE}features`] } } },
      });
    } finally {
      await hanging.close();
    }
  });
});

type PostLoginAction = (event: unknown, api: unknown) => Promise<void>;

/** The Action script of docs/, run with only what Auth0's runtime gives it; answers the claims it set. */
async function runActionScript(event: Record<string, unknown>): Promise<Record<string, unknown>> {
  const source = readFileSync(new URL("../../docs/auth0-post-login-action.js", import.meta.url), "utf8");
  const exports: { onExecutePostLogin?: PostLoginAction } = {};
  runInNewContext(source, { exports, fetch, AbortSignal, URL, console: { log: () => undefined } });
  const set: Record<string, unknown> = {};
  const api = { accessToken: { setCustomClaim: (name: string, value: unknown) => (set[name] = value) } };
  await (exports.onExecutePostLogin as PostLoginAction)(event, api);
  return set;
}

describe("the Action script in docs/", () => {
  const loginEvent = (secret: string, organization: { id: string } | undefined) => ({
    user: { user_id: "auth0|acme-admin" },
    ...(organization ? { organization } : {}),
    secrets: { GATEHOUSE_URL: stack.url, GATEHOUSE_ACTION_SECRET: secret },
  });

  it("sets the claims the endpoint returned, and nothing when it is refused or there is no organization", async () => {
    expect(await runActionScript(loginEvent(SECRET, { id: "org_acme" }))).toEqual(ACME_CLAIMS);
    expect(await runActionScript(loginEvent(`wrong-${SECRET}`, { id: "org_acme" }))).toEqual({});
    expect(await runActionScript(loginEvent(SECRET, { id: "org_globex" }))).toEqual({});
    expect(await runActionScript(loginEvent(SECRET, undefined))).toEqual({});
  });
});

describe("the post-login claims endpoint", () => {
  const acmeAdmin = { user_id: "auth0|acme-admin", organization_id: "org_acme" };

  it("is not there when Gatehouse has no secret for it", async () => {
    // On Postgres: PGlite's start holds this process's event loop for seconds, and the token request sent
    // right after it was seen to fail with ECONNRESET (likely a keep-alive connection to the in-process
    // emulator closed meanwhile; directory-resume.test.ts fails the same way on PGlite).
    const schema = randomSchema();
    const withoutSecret = await createGatehouse({
      store: { databaseUrl, schema },
      issuer: stack.emulator.issuer,
      audience: GATEHOUSE_API,
      clientId: "gatehouse-server",
      clientSecret: "gatehouse-server-secret",
      directory: { fullPassIntervalMs: 3_600_000, changedUsersIntervalMs: 3_600_000 },
    });
    try {
      const answer = await withoutSecret.app.inject({
        method: "POST",
        url: POST_LOGIN_CLAIMS_PATH,
        headers: { authorization: `Bearer ${SECRET}` },
        payload: acmeAdmin,
      });
      expect(answer.statusCode).toBe(404);
    } finally {
      await withoutSecret.close();
      await dropSchema(schema);
    }
  });

  it("refuses a request without the secret, or with another", async () => {
    for (const authorization of [null, `Bearer ${SECRET.slice(0, -1)}x`, `Bearer ${SECRET}x`, SECRET]) {
      const answer = await askForClaims(acmeAdmin, { authorization });
      expect(answer, String(authorization)).toMatchObject({ status: 401, body: { error: "unauthorized" } });
    }
    expect(await askForClaims(acmeAdmin)).toMatchObject({ status: 200, body: { claims: ACME_CLAIMS } });
  });

  it("answers 404, the same for each, for a non-member, an unknown organization and an unknown user", async () => {
    const answers = await Promise.all([
      askForClaims({ user_id: "auth0|acme-admin", organization_id: "org_globex" }),
      askForClaims({ user_id: "auth0|acme-admin", organization_id: "org_nosuchtenant" }),
      askForClaims({ user_id: "auth0|nobody", organization_id: "org_acme" }),
    ]);
    for (const answer of answers)
      expect(answer).toEqual({ status: 404, retryAfter: undefined, body: { error: "not_a_member" } });
  });

  it("refuses a malformed body with 400", async () => {
    for (const body of [
      {},
      { user_id: "auth0|acme-admin" },
      { user_id: "auth0|acme-admin", organization_id: "acme" },
      { user_id: "auth0|acme admin", organization_id: "org_acme" },
      { user_id: "x".repeat(513), organization_id: "org_acme" },
    ]) {
      expect((await askForClaims(body)).status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });

  it("throttles each source, and all sources together, with Retry-After", async () => {
    // One source: 10 requests a minute, whatever they answer; the 11th is refused until the window ends.
    for (let i = 0; i < 5; i++) expect((await askForClaims(acmeAdmin)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await askForClaims(acmeAdmin, { authorization: "Bearer guess" })).status).toBe(401);
    }
    expect(await askForClaims(acmeAdmin)).toMatchObject({ status: 429, retryAfter: "60" });
    expect(await askForClaims(acmeAdmin, { authorization: null })).toMatchObject({ status: 429 });
    clockMs += 30_000;
    expect(await askForClaims(acmeAdmin)).toMatchObject({ status: 429, retryAfter: "30" });

    // Another source has its own 10, but all sources together have 15 a minute.
    for (let i = 0; i < 5; i++)
      expect((await askForClaims(acmeAdmin, { from: "127.0.0.2" })).status).toBe(200);
    expect(await askForClaims(acmeAdmin, { from: "127.0.0.2" })).toMatchObject({
      status: 429,
      retryAfter: "30",
    });
    expect(await askForClaims(acmeAdmin, { from: "127.0.0.3" })).toMatchObject({
      status: 429,
      retryAfter: "30",
    });

    clockMs += 30_000;
    expect(await askForClaims(acmeAdmin)).toMatchObject({ status: 200, body: { claims: ACME_CLAIMS } });
    expect(await askForClaims(acmeAdmin, { from: "127.0.0.2" })).toMatchObject({ status: 200 });
  });
});
