import { ManagementError } from "auth0";
import { ResourceServersClient } from "auth0/resourceServers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/server.js";
import { clientCredentialsToken, emulatorOnFreePort, GATEHOUSE_API, managementToken } from "./helpers.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

function resourceServersWith(target: RunningEmulator, token: string): ResourceServersClient {
  // No retries: a refused token is refused again, and the test wants the first answer.
  return new ResourceServersClient({ baseUrl: `${target.url}/api/v2`, token, maxRetries: 0 });
}

/** The SDK's error for a refused call, or a failure of the test when the call went through. */
async function refusal(call: Promise<unknown>): Promise<{ statusCode?: number; body?: unknown }> {
  const error: unknown = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManagementError);
  const { statusCode, body } = error as ManagementError;
  return { statusCode, body };
}

describe("Management API authentication", () => {
  it("a request without a bearer token is 401 Missing authentication, with the rate-limit headers", async () => {
    const response = await fetch(`${emulator.url}/api/v2/resource-servers`);

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      statusCode: 401,
      error: "Unauthorized",
      message: "Missing authentication",
    });
    expect(response.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
  });

  it("a token for the Gatehouse API is not a Management token: 401 Bad audience", async () => {
    const apiToken = await clientCredentialsToken(
      emulator,
      "acme-backend",
      "acme-backend-secret",
      GATEHOUSE_API,
    );

    expect(await refusal(resourceServersWith(emulator, apiToken).list())).toEqual({
      statusCode: 401,
      body: { statusCode: 401, error: "Unauthorized", message: `Bad audience: ${GATEHOUSE_API}` },
    });
  });

  it("a token whose signature was tampered with is 401 Invalid token", async () => {
    const [header, payload, signature = ""] = (await managementToken(emulator)).split(".");
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === "A" ? "B" : "A";
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;

    expect(await refusal(resourceServersWith(emulator, tampered).list())).toEqual({
      statusCode: 401,
      body: { statusCode: 401, error: "Unauthorized", message: "Invalid token" },
    });
  });

  it("a token issued by another Auth0 is 401 Invalid token", async () => {
    const elsewhere = await emulatorOnFreePort();
    try {
      const foreign = await managementToken(elsewhere);
      expect(await refusal(resourceServersWith(emulator, foreign).list())).toEqual({
        statusCode: 401,
        body: { statusCode: 401, error: "Unauthorized", message: "Invalid token" },
      });
    } finally {
      await elsewhere.close();
    }
  });

  it("a token narrowed to a scope the endpoint does not accept is 403 insufficient_scope", async () => {
    const narrowed = await managementToken(emulator, { scope: "read:users" });

    expect(await refusal(resourceServersWith(emulator, narrowed).get("rs_gatehouse"))).toEqual({
      statusCode: 403,
      body: {
        statusCode: 403,
        error: "Forbidden",
        message: "Insufficient scope, expected any of: read:resource_servers",
        errorCode: "insufficient_scope",
      },
    });
  });
});

describe("Management API token expiry", () => {
  let shortLived: RunningEmulator;
  beforeAll(async () => {
    shortLived = await emulatorOnFreePort({ tokenLifetimeSeconds: 1 });
  });
  afterAll(async () => {
    await shortLived.close();
  });

  it("an expired token is 401 Expired token, though it was good when issued", async () => {
    const token = await managementToken(shortLived);
    const resourceServers = resourceServersWith(shortLived, token);
    expect((await resourceServers.get("rs_gatehouse")).identifier).toBe(GATEHOUSE_API);

    await new Promise((resolve) => setTimeout(resolve, 2100));

    expect(await refusal(resourceServers.get("rs_gatehouse"))).toEqual({
      statusCode: 401,
      body: {
        statusCode: 401,
        error: "Unauthorized",
        message: "Expired token received for JSON Web Token validation",
      },
    });
  });
});
