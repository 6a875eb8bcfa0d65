import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import { clientCredentialsRequest, emulatorOnFreePort, GATEHOUSE_API, tokenRequest } from "./helpers.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

describe("client credentials", () => {
  it("a tenant's back end gets a token whose claims are Auth0's, verifiable against the JWKS", async () => {
    const response = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      scope: "read:users create:users",
      expires_in: 86400,
      token_type: "Bearer",
    });
    const token = response.body.access_token as string;
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", typ: "JWT", kid: expect.any(String) });
    const jwks = createRemoteJWKSet(new URL(`${emulator.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: emulator.issuer, audience: GATEHOUSE_API });
    expect(payload).toEqual({
      iss: emulator.issuer,
      sub: "acme-backend@clients",
      aud: GATEHOUSE_API,
      iat: expect.any(Number),
      exp: (payload.iat as number) + 86400,
      scope: "read:users create:users",
      gty: "client-credentials",
      azp: "acme-backend",
      permissions: ["read:users", "create:users"],
    });
  });

  it("accepts a JSON body and client_secret_basic", async () => {
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from("globex-backend:globex-backend-secret").toString("base64")}`,
      },
      body: JSON.stringify({
        grant_type: "client_credentials",
        audience: GATEHOUSE_API,
        scope: "read:users",
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ scope: "read:users", token_type: "Bearer" });
  });

  it("a wrong secret is 401 access_denied Unauthorized", async () => {
    const response = await clientCredentialsRequest(emulator, "acme-backend", "wrong");
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "access_denied", error_description: "Unauthorized" });
  });

  it("an API the client has no grant on is 403 asking for a client grant", async () => {
    const response = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret", {
      audience: emulator.context.managementAudience,
    });
    expect(response.status).toBe(403);
    expect(response.body.error).toBe("access_denied");
    expect(response.body.error_description).toContain(
      'You need to create a "client-grant" associated to this API',
    );
  });

  it("scope narrows to a subset, and a scope beyond the grant is refused", async () => {
    const narrowed = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret", {
      scope: "read:users",
    });
    expect(narrowed.body.scope).toBe("read:users");
    const beyond = await clientCredentialsRequest(emulator, "acme-backend", "acme-backend-secret", {
      scope: "read:users delete:users",
    });
    expect(beyond.status).toBe(403);
    expect(beyond.body).toEqual({
      error: "access_denied",
      error_description: "Client has not been granted scopes: delete:users",
    });
  });

  it("malformed requests are 400 invalid_request or unsupported_grant_type", async () => {
    const missing = await tokenRequest(emulator, { client_id: "acme-backend" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_request");
    const unsupported = await tokenRequest(emulator, { grant_type: "urn:nonsense" });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe("unsupported_grant_type");
  });
});
