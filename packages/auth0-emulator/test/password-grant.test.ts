import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PASSWORD } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import { emulatorOnFreePort, GATEHOUSE_API, managementClients, tokenRequest } from "./helpers.js";
import { createUser, passwordLogin, verifiedClaims } from "./user-login.js";

const PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

describe("password grant", () => {
  it("Ada logs in to the SPA with her password and gets Auth0-shaped access and ID tokens, without permissions", async () => {
    const response = await passwordLogin(emulator, "admin@acme.test", SEED_PASSWORD, {
      scope: "openid profile email read:users delete:users read:tenants",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      // Every API scope is dropped: the password grant has no organization, so only tenant-level roles
      // count, and Ada's tenant-admin role is hers as a member of Acme.
      scope: "openid profile email",
      expires_in: 86400,
      token_type: "Bearer",
    });

    const accessToken = response.body.access_token as string;
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: "RS256", typ: "JWT", kid: expect.any(String) });
    const access = await verifiedClaims(emulator, accessToken, GATEHOUSE_API);
    expect(access).toEqual({
      iss: emulator.issuer,
      sub: "auth0|acme-admin",
      aud: [GATEHOUSE_API, `${emulator.issuer}userinfo`],
      iat: expect.any(Number),
      exp: (access.iat as number) + 86400,
      scope: "openid profile email",
      gty: "password",
      azp: "gatehouse-spa",
      permissions: [],
    });

    const id = await verifiedClaims(emulator, response.body.id_token as string, "gatehouse-spa");
    expect(id).toEqual({
      nickname: "admin",
      name: "Ada Admin",
      picture: expect.stringMatching(/^https:\/\/s\.gravatar\.com\/avatar\//),
      updated_at: expect.any(String),
      email: "admin@acme.test",
      email_verified: true,
      iss: emulator.issuer,
      aud: "gatehouse-spa",
      sub: "auth0|acme-admin",
      iat: expect.any(Number),
      exp: (id.iat as number) + 36000,
    });
  });

  it("each login is counted on the user's profile", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"] });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await passwordLogin(emulator, user.email, user.password);
      expect(response.status).toBe(200);
    }
    const profile = await managementClients(emulator).users.get(user.user_id);
    expect(profile.logins_count).toBe(2);
    expect(Date.now() - Date.parse(profile.last_login as string)).toBeLessThan(10_000);
  });

  it("password-realm names the database connection, and without openid the token is for the API alone", async () => {
    // A user with a tenant-level role: the password grant counts no organization's member roles.
    const user = await createUser(emulator, { roles: ["rol_member"] });
    const response = await tokenRequest(emulator, {
      grant_type: PASSWORD_REALM,
      realm: "Username-Password-Authentication",
      client_id: "gatehouse-spa",
      username: user.email,
      password: user.password,
      audience: GATEHOUSE_API,
      scope: "read:users update:users",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      scope: "read:users",
      expires_in: 86400,
      token_type: "Bearer",
    });
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access).toEqual({
      iss: emulator.issuer,
      sub: user.user_id,
      aud: GATEHOUSE_API,
      iat: expect.any(Number),
      exp: (access.iat as number) + 86400,
      scope: "read:users",
      gty: "password",
      azp: "gatehouse-spa",
      permissions: ["read:users"],
    });
  });

  it("without an audience the tenant's default audience, the Gatehouse API, is used", async () => {
    const response = await tokenRequest(emulator, {
      grant_type: "password",
      client_id: "gatehouse-spa",
      username: "operator@gatehouse.test",
      password: SEED_PASSWORD,
      scope: "read:users",
    });
    expect(response.status).toBe(200);
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.aud).toBe(GATEHOUSE_API);
    expect(access.scope).toBe("read:users");
  });

  it("password-realm with a realm that is not a connection is 400", async () => {
    const response = await tokenRequest(emulator, {
      grant_type: PASSWORD_REALM,
      realm: "Some-Other-Connection",
      client_id: "gatehouse-spa",
      username: "member@acme.test",
      password: SEED_PASSWORD,
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: "invalid_request",
      error_description: "the connection was not found",
    });
  });

  it("a wrong password, or an unknown email, is 403 Wrong email or password.", async () => {
    const wrongPassword = await passwordLogin(emulator, "admin@acme.test", "not-the-password");
    expect(wrongPassword.status).toBe(403);
    expect(wrongPassword.body).toEqual({
      error: "invalid_grant",
      error_description: "Wrong email or password.",
    });

    const unknownEmail = await passwordLogin(emulator, "nobody@acme.test", SEED_PASSWORD);
    expect(unknownEmail.status).toBe(403);
    expect(unknownEmail.body).toEqual({
      error: "invalid_grant",
      error_description: "Wrong email or password.",
    });
  });

  it("a blocked user is 401 user is blocked, and the login is not counted", async () => {
    const user = await createUser(emulator, { blocked: true, roles: ["rol_member"] });
    const response = await passwordLogin(emulator, user.email, user.password);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "unauthorized", error_description: "user is blocked" });
    expect((await managementClients(emulator).users.get(user.user_id)).logins_count).toBe(0);
  });

  it("a machine client without the password grant type is 403 unauthorized_client", async () => {
    const response = await tokenRequest(emulator, {
      grant_type: "password",
      client_id: "acme-backend",
      client_secret: "acme-backend-secret",
      username: "admin@acme.test",
      password: SEED_PASSWORD,
      audience: GATEHOUSE_API,
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: "unauthorized_client",
      error_description: "Grant type 'password' not allowed for the client.",
    });
  });

  it("a confidential client must still present its secret", async () => {
    const response = await tokenRequest(emulator, {
      grant_type: "password",
      client_id: "acme-backend",
      username: "admin@acme.test",
      password: SEED_PASSWORD,
      audience: GATEHOUSE_API,
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "access_denied", error_description: "Unauthorized" });
  });

  it("missing credentials are 400 invalid_request", async () => {
    const response = await tokenRequest(emulator, {
      grant_type: "password",
      client_id: "gatehouse-spa",
      username: "admin@acme.test",
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: password",
    });
  });

  it("an unknown audience is 403 Service not found", async () => {
    const response = await passwordLogin(emulator, "admin@acme.test", SEED_PASSWORD, {
      audience: "https://nowhere.example",
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: "access_denied",
      error_description: "Service not found: https://nowhere.example",
    });
  });

  it("a user never gets Management API scopes from a login", async () => {
    const response = await passwordLogin(emulator, "operator@gatehouse.test", SEED_PASSWORD, {
      audience: emulator.context.managementAudience,
      scope: "read:resource_servers",
    });
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("");
    const servers = await fetch(`${emulator.url}/api/v2/resource-servers`, {
      headers: { authorization: `Bearer ${response.body.access_token as string}` },
    });
    expect(servers.status).toBe(403);
  });
});
