import { ResourceServersClient } from "auth0/resourceServers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Stats } from "../src/controls.js";
import type { RunningEmulator } from "../src/server.js";
import {
  clientCredentialsRequest,
  emulatorControl,
  emulatorOnFreePort,
  GATEHOUSE_API,
  managementToken,
  tokenRequest,
} from "./helpers.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterEach(async () => {
  await emulatorControl(emulator, "DELETE", "faults");
  await emulatorControl(emulator, "POST", "rate-limit", { enabled: false });
});
afterAll(async () => {
  await emulator.close();
});

/** A Management client on one token fetched up front, so that only the calls a test makes are counted. */
async function resourceServersClient(): Promise<ResourceServersClient> {
  const token = await managementToken(emulator);
  return new ResourceServersClient({ baseUrl: `${emulator.url}/api/v2`, token });
}

async function stats(): Promise<Stats> {
  const response = await emulatorControl(emulator, "GET", "stats");
  expect(response.status).toBe(200);
  return response.body as Stats;
}

async function resetStats(): Promise<void> {
  expect((await emulatorControl(emulator, "DELETE", "stats")).status).toBe(204);
}

async function addFault(spec: Record<string, unknown>): Promise<void> {
  const response = await emulatorControl(emulator, "POST", "faults", spec);
  expect(response).toEqual({ status: 201, body: { id: expect.any(Number) } });
}

function clientCredentials(clientId: string, clientSecret: string) {
  return clientCredentialsRequest(emulator, clientId, clientSecret);
}

async function getJson(url: string, token: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

describe("stats", () => {
  it("count token requests by grant type, tokens by client, failures, and Management calls by route", async () => {
    const resourceServers = await resourceServersClient();
    await resetStats();

    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
    expect((await clientCredentials("acme-backend", "wrong-secret")).status).toBe(401);
    expect((await clientCredentials("globex-backend", "globex-backend-secret")).status).toBe(200);
    expect((await tokenRequest(emulator, { grant_type: "urn:nonsense" })).status).toBe(400);
    await resourceServers.list();
    await resourceServers.get("rs_gatehouse");
    await resourceServers.get("rs_management");

    expect(await stats()).toEqual({
      tokenRequests: { client_credentials: 4, "urn:nonsense": 1 },
      tokensIssued: {
        "acme-backend": { client_credentials: 2 },
        "globex-backend": { client_credentials: 1 },
      },
      tokenFailures: { "acme-backend": 1, unknown: 1 },
      management: { "GET /api/v2/resource-servers": 1, "GET /api/v2/resource-servers/:id": 2 },
      rateLimited: 0,
      rateLimitedByBucket: {},
      faulted: 0,
      postLoginHook: { calls: 0, failures: 0 },
    });
  });

  it("DELETE /__emulator/stats starts the counts again from zero", async () => {
    await clientCredentials("acme-backend", "acme-backend-secret");
    await resetStats();
    expect(await stats()).toEqual({
      tokenRequests: {},
      tokensIssued: {},
      tokenFailures: {},
      management: {},
      rateLimited: 0,
      rateLimitedByBucket: {},
      faulted: 0,
      postLoginHook: { calls: 0, failures: 0 },
    });
  });
});

describe("faults", () => {
  it("a Management fault answers the next `times` matching requests with an Auth0 error, then service resumes", async () => {
    const token = await managementToken(emulator);
    await resetStats();
    await addFault({ method: "get", path: "/api/v2/resource-servers/*", status: 500, times: 2 });
    const url = `${emulator.url}/api/v2/resource-servers/rs_gatehouse`;

    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await getJson(url, token)).toMatchObject({
        status: 500,
        body: {
          statusCode: 500,
          error: "Internal Server Error",
          message: "Injected fault",
          errorCode: "injected_fault",
        },
      });
    }
    expect(await getJson(url, token)).toMatchObject({
      status: 200,
      body: { id: "rs_gatehouse", identifier: GATEHOUSE_API },
    });
    expect((await stats()).faulted).toBe(2);
  });

  it("a fault on the token endpoint answers in OAuth's error shape, or with the body given", async () => {
    await addFault({ method: "POST", path: "/oauth/token", status: 503 });
    await addFault({ path: "/oauth/token", status: 429, body: { error: "too_many_requests" } });

    expect(await clientCredentials("acme-backend", "acme-backend-secret")).toMatchObject({
      status: 503,
      body: { error: "server_error", error_description: "Injected fault" },
    });
    expect(await clientCredentials("acme-backend", "acme-backend-secret")).toMatchObject({
      status: 429,
      body: { error: "too_many_requests" },
    });
    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
  });

  it("a fault applies only to its method, `*` stays within a path segment and `**` crosses them", async () => {
    const token = await managementToken(emulator);
    await addFault({ method: "GET", path: "/oauth/token", status: 500 });
    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
    await emulatorControl(emulator, "DELETE", "faults");

    await addFault({ path: "/api/v2/*", status: 502 });
    expect((await getJson(`${emulator.url}/api/v2/resource-servers/rs_gatehouse`, token)).status).toBe(200);
    expect((await getJson(`${emulator.url}/api/v2/resource-servers`, token)).status).toBe(502);

    await addFault({ path: "/api/v2/**", status: 504 });
    expect((await getJson(`${emulator.url}/api/v2/resource-servers/rs_gatehouse`, token)).status).toBe(504);
    expect((await getJson(`${emulator.url}/api/v2/resource-servers/rs_gatehouse`, token)).status).toBe(200);
  });

  it("a delay-only fault serves the request late but normally", async () => {
    await addFault({ method: "GET", path: "/.well-known/jwks.json", delayMs: 300 });
    const started = performance.now();
    const response = await fetch(`${emulator.url}/.well-known/jwks.json`);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [expect.objectContaining({ kty: "RSA" })] });
    // Timers may fire a millisecond early; the point is that the answer waited for the delay.
    expect(elapsed).toBeGreaterThanOrEqual(295);
  });

  it("an answer-delay fault serves the request at once and holds its answer back: a lost answer", async () => {
    const token = await managementToken(emulator);
    const created = await fetch(`${emulator.url}/api/v2/clients`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Rotated, answer lost", app_type: "non_interactive" }),
    });
    const client = (await created.json()) as { client_id: string; client_secret: string };
    await addFault({ method: "POST", path: "/api/v2/clients/*/rotate-secret", answerDelayMs: 1_000 });
    const lost = await fetch(`${emulator.url}/api/v2/clients/${client.client_id}/rotate-secret`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(200),
    }).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Error);
    // The caller never saw the answer, yet the secret was rotated.
    const read = await fetch(`${emulator.url}/api/v2/clients/${client.client_id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const now = (await read.json()) as { client_secret: string };
    expect(now.client_secret).toEqual(expect.any(String));
    expect(now.client_secret).not.toBe(client.client_secret);
  });

  it("DELETE /__emulator/faults disarms every fault", async () => {
    await addFault({ path: "/oauth/token", status: 500, times: 5 });
    expect((await emulatorControl(emulator, "DELETE", "faults")).status).toBe(204);
    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
  });

  it.each([
    [{ status: 500 }, "a fault needs a path pattern starting with /"],
    [{ path: "oauth/token", status: 500 }, "a fault needs a path pattern starting with /"],
    [
      { path: "/oauth/token" },
      "a fault needs a status, a delayMs, an answerDelayMs, or a status and a delayMs",
    ],
    [
      { path: "/oauth/token", answerDelayMs: 0 },
      "answerDelayMs must be a positive whole number of milliseconds",
    ],
    [
      { path: "/oauth/token", answerDelayMs: 100, status: 500 },
      "answerDelayMs holds back the answer of a request that is served: give no status with it",
    ],
    [{ path: "/oauth/token", status: 99 }, "status must be an HTTP status code (100-599)"],
    [{ path: "/oauth/token", status: "500" }, "status must be an HTTP status code (100-599)"],
    [{ path: "/oauth/token", delayMs: -5 }, "delayMs must be a whole number of milliseconds"],
    [{ path: "/oauth/token", status: 500, times: 0 }, "times must be a positive whole number"],
    [{ path: "/oauth/token", status: 500, method: "GET /x" }, "method must be an HTTP method such as GET"],
  ])("a fault spec that makes no sense is refused with 400: %j", async (spec, message) => {
    expect(await emulatorControl(emulator, "POST", "faults", spec)).toEqual({
      status: 400,
      body: { error: "invalid_fault", message },
    });
    expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
  });

  it("the auth0 SDK retries a 503 by itself, and the call succeeds", async () => {
    const resourceServers = await resourceServersClient();
    await resetStats();
    await addFault({ method: "GET", path: "/api/v2/resource-servers", status: 503, times: 1 });

    const page = await resourceServers.list();

    expect(page.data.map((server) => server.identifier)).toContain(GATEHOUSE_API);
    const counted = await stats();
    expect(counted.management).toEqual({ "GET /api/v2/resource-servers": 2 });
    expect(counted.faulted).toBe(1);
  });
});

describe("rate limit", () => {
  it("every Management response carries the x-ratelimit headers, also with no limit set", async () => {
    const token = await managementToken(emulator);
    const before = Math.floor(Date.now() / 1000);
    const response = await getJson(`${emulator.url}/api/v2/resource-servers`, token);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ratelimit-limit")).toBe("1000");
    expect(response.headers.get("x-ratelimit-remaining")).toBe("999");
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(before);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it("past the bucket a Management call is 429 as Auth0 answers it, until the limit is switched off", async () => {
    const token = await managementToken(emulator);
    await resetStats();
    // One token back every 1000 s: nothing refills during the test.
    expect(
      await emulatorControl(emulator, "POST", "rate-limit", { limit: 2, refillPerSecond: 0.001 }),
    ).toEqual({ status: 204, body: undefined });
    const url = `${emulator.url}/api/v2/resource-servers`;

    const first = await getJson(url, token);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    const second = await getJson(url, token);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-ratelimit-remaining")).toBe("0");

    const refusedAt = Date.now();
    const refused = await getJson(url, token);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: "Too Many Requests",
      message: "Global limit has been reached",
      errorCode: "too_many_requests",
    });
    expect(refused.headers.get("x-ratelimit-limit")).toBe("2");
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    // The reset is the epoch second at which the next token is back: about 1000 s from now.
    const reset = Number(refused.headers.get("x-ratelimit-reset"));
    expect(reset * 1000).toBeGreaterThan(refusedAt + 990_000);
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 1_001_000);
    expect((await stats()).rateLimited).toBe(1);

    expect(await emulatorControl(emulator, "POST", "rate-limit", { enabled: false })).toEqual({
      status: 204,
      body: undefined,
    });
    const afterwards = await getJson(url, token);
    expect(afterwards.status).toBe(200);
    expect(afterwards.headers.get("x-ratelimit-limit")).toBe("1000");
  });

  it("the token endpoint is outside the Management API's bucket", async () => {
    await emulatorControl(emulator, "POST", "rate-limit", { limit: 1, refillPerSecond: 0.001 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await clientCredentials("acme-backend", "acme-backend-secret")).status).toBe(200);
    }
  });

  it.each([{ limit: 0, refillPerSecond: 1 }, { limit: 5 }, { limit: 5, refillPerSecond: -1 }, {}])(
    "a rate-limit spec that makes no sense is refused with 400: %j",
    async (spec) => {
      expect(await emulatorControl(emulator, "POST", "rate-limit", spec)).toEqual({
        status: 400,
        body: {
          error: "invalid_rate_limit",
          message: "give limit >= 1 and refillPerSecond > 0, or enabled: false",
        },
      });
    },
  );

  it("a client that waits exactly until x-ratelimit-reset is served", async () => {
    const token = await managementToken(emulator);
    await emulatorControl(emulator, "POST", "rate-limit", { limit: 1, refillPerSecond: 1 });
    const url = `${emulator.url}/api/v2/resource-servers`;

    expect((await getJson(url, token)).status).toBe(200);
    const refused = await getJson(url, token);
    expect(refused.status).toBe(429);
    // What the auth0 SDK computes before it retries: the reset must not lie in the past.
    const wait = Number(refused.headers.get("x-ratelimit-reset")) * 1000 - Date.now();
    expect(wait).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, wait));
    expect((await getJson(url, token)).status).toBe(200);
  });

  it("the auth0 SDK waits until x-ratelimit-reset and its retry succeeds", async () => {
    const resourceServers = await resourceServersClient();
    await resetStats();
    await emulatorControl(emulator, "POST", "rate-limit", { limit: 1, refillPerSecond: 1 });

    await resourceServers.list();
    const secondStarted = performance.now();
    const page = await resourceServers.list();
    const secondTook = performance.now() - secondStarted;

    expect(page.data.map((server) => server.identifier)).toContain(GATEHOUSE_API);
    const counted = await stats();
    expect(counted.rateLimited).toBeGreaterThanOrEqual(1);
    expect(counted.management["GET /api/v2/resource-servers"]).toBe(2 + counted.rateLimited);
    // Refused right after the first call, the retry had to wait for the bucket's next token (about 1 s).
    expect(secondTook).toBeGreaterThanOrEqual(500);
  });
});
