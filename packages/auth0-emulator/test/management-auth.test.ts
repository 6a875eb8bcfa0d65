import type { ResourceServersClient } from "auth0/resourceServers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import {
  clientCredentialsToken,
  emulatorOnFreePort,
  GATEHOUSE_API,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

function resourceServersWith(target: RunningEmulator, token: string): ResourceServersClient {
  return managementClients(target, token).resourceServers;
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

    expect(await sdkRefusal(resourceServersWith(emulator, apiToken).list())).toEqual({
      statusCode: 401,
      body: { statusCode: 401, error: "Unauthorized", message: `Bad audience: ${GATEHOUSE_API}` },
    });
  });

  it("a token whose signature was tampered with is 401 Invalid token", async () => {
    const [header, payload, signature = ""] = (await managementToken(emulator)).split(".");
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === "A" ? "B" : "A";
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;

    expect(await sdkRefusal(resourceServersWith(emulator, tampered).list())).toEqual({
      statusCode: 401,
      body: { statusCode: 401, error: "Unauthorized", message: "Invalid token" },
    });
  });

  it("a token issued by another Auth0 is 401 Invalid token", async () => {
    const elsewhere = await emulatorOnFreePort();
    try {
      const foreign = await managementToken(elsewhere);
      expect(await sdkRefusal(resourceServersWith(emulator, foreign).list())).toEqual({
        statusCode: 401,
        body: { statusCode: 401, error: "Unauthorized", message: "Invalid token" },
      });
    } finally {
      await elsewhere.close();
    }
  });

  it("a token narrowed to a scope the endpoint does not accept is 403 insufficient_scope", async () => {
    const narrowed = await managementToken(emulator, { scope: "read:users" });

    expect(await sdkRefusal(resourceServersWith(emulator, narrowed).get("rs_gatehouse"))).toEqual(
      insufficientScope("read:resource_servers"),
    );
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

    expect(await sdkRefusal(resourceServers.get("rs_gatehouse"))).toEqual({
      statusCode: 401,
      body: {
        statusCode: 401,
        error: "Unauthorized",
        message: "Expired token received for JSON Web Token validation",
      },
    });
  });
});
