import { ResourceServersClient } from "auth0/resourceServers";
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import {
  acmeBackendToken,
  emulatorControl,
  emulatorOnFreePort,
  GATEHOUSE_API,
  managementToken,
} from "./helpers.js";

/** A fresh verifier, as a service that has not cached the JWKS yet (or whose cache expired). */
function verifyAgainstJwks(emulator: RunningEmulator, token: string) {
  const jwks = createRemoteJWKSet(new URL(`${emulator.url}/.well-known/jwks.json`));
  return jwtVerify(token, jwks, { issuer: emulator.issuer, audience: GATEHOUSE_API });
}

async function publishedKids(emulator: RunningEmulator): Promise<string[]> {
  const response = await fetch(`${emulator.url}/.well-known/jwks.json`);
  const { keys } = (await response.json()) as { keys: { kid: string }[] };
  return keys.map((key) => key.kid);
}

async function rotateKeys(emulator: RunningEmulator): Promise<{ kid: string; previousKid: string }> {
  const response = await emulatorControl(emulator, "POST", "rotate-keys");
  expect(response.status).toBe(200);
  return response.body as { kid: string; previousKid: string };
}

describe("key rotation with the default grace period", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await emulatorOnFreePort();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("a new key signs new tokens while tokens signed by the old one keep verifying", async () => {
    const before = await acmeBackendToken(emulator);
    const oldKid = decodeProtectedHeader(before).kid;

    const rotation = await rotateKeys(emulator);

    expect(rotation.previousKid).toBe(oldKid);
    expect(rotation.kid).not.toBe(oldKid);
    const after = await acmeBackendToken(emulator);
    expect(decodeProtectedHeader(after).kid).toBe(rotation.kid);
    expect(await publishedKids(emulator)).toEqual([rotation.kid, oldKid]);
    await expect(verifyAgainstJwks(emulator, before)).resolves.toMatchObject({
      protectedHeader: { kid: oldKid },
      payload: { sub: "acme-backend@clients" },
    });
    await expect(verifyAgainstJwks(emulator, after)).resolves.toMatchObject({
      protectedHeader: { kid: rotation.kid },
    });
  });

  it("the Management API still accepts a token signed before the rotation", async () => {
    const token = await managementToken(emulator);
    await rotateKeys(emulator);
    const resourceServers = new ResourceServersClient({ baseUrl: `${emulator.url}/api/v2`, token });

    const server = await resourceServers.get("rs_gatehouse");

    expect(server.identifier).toBe(GATEHOUSE_API);
  });
});

describe("key rotation with no grace period", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await emulatorOnFreePort({ keyGraceSeconds: 0 });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("the old key leaves the JWKS at once and the tokens it signed stop verifying", async () => {
    const before = await acmeBackendToken(emulator);

    const rotation = await rotateKeys(emulator);

    expect(await publishedKids(emulator)).toEqual([rotation.kid]);
    await expect(verifyAgainstJwks(emulator, before)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(verifyAgainstJwks(emulator, await acmeBackendToken(emulator))).resolves.toBeDefined();
  });

  it("the Management API refuses a token signed by the retired key", async () => {
    const token = await managementToken(emulator);
    await rotateKeys(emulator);

    const response = await fetch(`${emulator.url}/api/v2/resource-servers`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      statusCode: 401,
      error: "Unauthorized",
      message: "Invalid token",
    });
  });
});
