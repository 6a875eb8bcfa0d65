import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_PASSWORD } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import { emulatorOnFreePort, GATEHOUSE_API, postForm } from "./helpers.js";
import {
  authorize,
  codeOf,
  consentsOf,
  createUser,
  exchangeCode,
  hiddenState,
  locationOf,
  logIn,
  PARTNER,
  pkcePair,
  SPA,
  submitLogin,
  verifiedClaims,
  type Pkce,
} from "./user-login.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

function exchangeForSpa(code: string, pkce: Pkce, overrides: Record<string, string> = {}) {
  return exchangeCode(emulator, SPA, code, { code_verifier: pkce.verifier, ...overrides });
}

describe("login with the authorization code flow (first-party SPA, PKCE)", () => {
  it("Max logs in to Acme through the login form and the SPA gets tokens with org_id", async () => {
    const pkce = pkcePair();
    const started = await authorize(emulator, {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: SPA.callback,
      scope: "openid profile email offline_access read:users create:users delete:users",
      audience: GATEHOUSE_API,
      state: "spa-state-1",
      nonce: "nonce-1",
      organization: "org_acme",
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    });
    expect(started.status).toBe(302);
    const loginPage = locationOf(emulator, started);
    expect(loginPage.pathname).toBe("/u/login");
    expect(loginPage.searchParams.get("state")).toEqual(expect.any(String));

    const page = await fetch(loginPage);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/u/login">');
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).toContain("Acme Corp");

    const loggedIn = await postForm(`${emulator.url}/u/login`, {
      state: hiddenState(html),
      username: "manager@acme.test",
      password: SEED_PASSWORD,
    });
    expect(loggedIn.status).toBe(302);
    const callback = locationOf(emulator, loggedIn);
    expect(`${callback.origin}${callback.pathname}`).toBe(SPA.callback);
    expect([...callback.searchParams.keys()]).toEqual(["code", "state"]);
    expect(callback.searchParams.get("state")).toBe("spa-state-1");

    const response = await exchangeForSpa(codeOf(callback), pkce);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      id_token: expect.any(String),
      // delete:users is not among Max's permissions (user-manager).
      scope: "openid profile email offline_access read:users create:users",
      expires_in: 86400,
      token_type: "Bearer",
    });

    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access).toEqual({
      iss: emulator.issuer,
      sub: "auth0|acme-manager",
      aud: [GATEHOUSE_API, `${emulator.issuer}userinfo`],
      iat: expect.any(Number),
      exp: (access.iat as number) + 86400,
      org_id: "org_acme",
      scope: "openid profile email offline_access read:users create:users",
      azp: "gatehouse-spa",
      permissions: ["read:users", "create:users", "update:users", "read:roles"],
    });
    const id = await verifiedClaims(emulator, response.body.id_token as string, SPA.clientId);
    expect(id).toEqual({
      nickname: "manager",
      name: "Max Manager",
      picture: expect.any(String),
      updated_at: expect.any(String),
      email: "manager@acme.test",
      email_verified: true,
      iss: emulator.issuer,
      aud: "gatehouse-spa",
      sub: "auth0|acme-manager",
      iat: expect.any(Number),
      exp: (id.iat as number) + 36000,
      org_id: "org_acme",
      nonce: "nonce-1",
    });
  });

  it("the organization may be given by name", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "admin@globex.test",
      password: SEED_PASSWORD,
      scope: "read:users",
      organization: "globex",
      pkce,
    });
    const response = await exchangeForSpa(codeOf(callback), pkce);
    expect(response.status).toBe(200);
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.org_id).toBe("org_globex");
  });

  it("a user who is not a member of the organization is sent back with access_denied", async () => {
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "openid read:users",
      organization: "org_globex",
      state: "spa-state-2",
      pkce: pkcePair(),
    });
    expect(`${callback.origin}${callback.pathname}`).toBe(SPA.callback);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "access_denied",
      error_description: "user auth0|acme-member is not part of the org_globex organization",
      state: "spa-state-2",
    });
  });

  it("a wrong password shows the form again with the error, and the same login can then succeed", async () => {
    const pkce = pkcePair();
    const started = await authorize(emulator, {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: SPA.callback,
      scope: "read:users",
      audience: GATEHOUSE_API,
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    });
    const wrong = await submitLogin(
      emulator,
      locationOf(emulator, started),
      "member@acme.test",
      "wrong-password",
    );
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = wrong.body as unknown as string;
    expect(html).toContain("Wrong email or password");
    expect(html).toContain('value="member@acme.test"');

    const retried = await postForm(`${emulator.url}/u/login`, {
      state: hiddenState(html),
      username: "member@acme.test",
      password: SEED_PASSWORD,
    });
    expect(retried.status).toBe(302);
    const callback = locationOf(emulator, retried);
    expect(callback.searchParams.get("code")).toEqual(expect.any(String));
    // Without a `state` from the application there is none on the callback either.
    expect(callback.searchParams.has("state")).toBe(false);
  });

  it("a blocked user is sent back with unauthorized", async () => {
    const user = await createUser(emulator, { blocked: true, roles: ["rol_member"] });
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: user.email,
      password: user.password,
      scope: "read:users",
      pkce: pkcePair(),
    });
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "unauthorized",
      error_description: "user is blocked",
      state: "app-state",
    });
  });

  it("a code works once: the second exchange is 403 Invalid authorization code", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "read:users",
      pkce,
    });
    const code = codeOf(callback);
    expect((await exchangeForSpa(code, pkce)).status).toBe(200);
    const again = await exchangeForSpa(code, pkce);
    expect(again.status).toBe(403);
    expect(again.body).toEqual({ error: "invalid_grant", error_description: "Invalid authorization code" });
  });

  it("a code exchanged with another redirect_uri is 403 Invalid authorization code", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "read:users",
      pkce,
    });
    const response = await exchangeForSpa(codeOf(callback), pkce, {
      redirect_uri: "http://localhost:4000/callback",
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: "invalid_grant",
      error_description: "Invalid authorization code",
    });
  });

  it("a wrong code_verifier is 403 Failed to verify code verifier", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "read:users",
      pkce,
    });
    const response = await exchangeForSpa(codeOf(callback), pkcePair());
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      error: "invalid_grant",
      error_description: "Failed to verify code verifier",
    });
  });

  it("an expired code is 403 Invalid authorization code", async () => {
    const shortLived = await emulatorOnFreePort({ authorizationCodeSeconds: 1 });
    try {
      const pkce = pkcePair();
      const { callback } = await logIn(shortLived, {
        ...SPA,
        username: "member@acme.test",
        password: SEED_PASSWORD,
        scope: "read:users",
        pkce,
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const response = await exchangeCode(shortLived, SPA, codeOf(callback), {
        code_verifier: pkce.verifier,
      });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error: "invalid_grant",
        error_description: "Invalid authorization code",
      });
    } finally {
      await shortLived.close();
    }
  });

  it("a public client without a PKCE challenge is sent back with invalid_request", async () => {
    const response = await authorize(emulator, {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: SPA.callback,
      scope: "openid",
      state: "s",
    });
    expect(response.status).toBe(302);
    const callback = locationOf(emulator, response);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: code_challenge",
      state: "s",
    });
  });

  it("prompt=none cannot succeed without a session: login_required", async () => {
    const response = await authorize(emulator, {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: SPA.callback,
      scope: "openid",
      state: "s",
      prompt: "none",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    });
    expect(Object.fromEntries(locationOf(emulator, response).searchParams)).toEqual({
      error: "login_required",
      error_description: "Login required",
      state: "s",
    });
  });

  it("an unknown audience or organization is sent back to the application", async () => {
    const base = {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: SPA.callback,
      scope: "openid",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    };
    const unknownAudience = await authorize(emulator, { ...base, audience: "https://nowhere.example" });
    expect(Object.fromEntries(locationOf(emulator, unknownAudience).searchParams)).toEqual({
      error: "access_denied",
      error_description: "Service not found: https://nowhere.example",
    });
    const unknownOrganization = await authorize(emulator, { ...base, organization: "org_nowhere" });
    expect(Object.fromEntries(locationOf(emulator, unknownOrganization).searchParams)).toEqual({
      error: "invalid_request",
      error_description: "parameter organization is invalid",
    });
  });

  it("a redirect_uri that is not a registered callback gets an error page, never a redirect", async () => {
    const response = await authorize(emulator, {
      response_type: "code",
      client_id: SPA.clientId,
      redirect_uri: "https://evil.example/callback",
      scope: "openid",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain(
      "Callback URL mismatch. https://evil.example/callback is not in the list of allowed callback URLs",
    );

    const asJson = await fetch(
      `${emulator.url}/authorize?${new URLSearchParams({
        response_type: "code",
        client_id: "no-such-client",
        redirect_uri: SPA.callback,
      }).toString()}`,
      { headers: { accept: "application/json" }, redirect: "manual" },
    );
    expect(asJson.status).toBe(400);
    expect(await asJson.json()).toEqual({
      error: "invalid_request",
      error_description: "Unknown client: no-such-client",
    });
  });

  it("the login pages refuse an unknown state", async () => {
    const page = await fetch(`${emulator.url}/u/login?state=nope`, {
      headers: { accept: "application/json" },
    });
    expect(page.status).toBe(400);
    expect(await page.json()).toEqual({
      error: "invalid_request",
      error_description: "Invalid or expired state",
    });
    const posted = await postForm(`${emulator.url}/u/consent`, { state: "nope", action: "accept" });
    expect(posted.status).toBe(400);
  });
});

describe("consent for a third-party client", () => {
  it("Mia consents to Initech CMS in Acme once: the token holds what she may do there, and the next login skips consent", async () => {
    const pkce = pkcePair();
    const started = await authorize(emulator, {
      response_type: "code",
      client_id: PARTNER.clientId,
      redirect_uri: PARTNER.callback,
      scope: "openid read:users update:users offline_access",
      audience: GATEHOUSE_API,
      state: "cms-state-1",
      organization: "org_acme",
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    });
    const loggedIn = await submitLogin(
      emulator,
      locationOf(emulator, started),
      "member@acme.test",
      SEED_PASSWORD,
    );
    expect(loggedIn.status).toBe(302);
    const consentPage = locationOf(emulator, loggedIn);
    expect(consentPage.pathname).toBe("/u/consent");

    const page = await fetch(consentPage);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Initech CMS");
    expect([...html.matchAll(/data-scope="([^"]+)"/g)].map((match) => match[1])).toEqual([
      "openid",
      "read:users",
      "update:users",
      "offline_access",
    ]);
    expect(html).toContain('<button type="submit" name="action" value="accept">');
    expect(html).toContain('<button type="submit" name="action" value="deny">');

    const accepted = await postForm(`${emulator.url}/u/consent`, {
      state: hiddenState(html),
      action: "accept",
    });
    expect(accepted.status).toBe(302);
    const callback = locationOf(emulator, accepted);
    expect(`${callback.origin}${callback.pathname}`).toBe(PARTNER.callback);
    expect(callback.searchParams.get("state")).toBe("cms-state-1");

    const response = await exchangeCode(emulator, PARTNER, codeOf(callback), {
      code_verifier: pkce.verifier,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      id_token: expect.any(String),
      // update:users was consented and is in the client grant, but Mia (member in Acme) does not hold it.
      scope: "openid read:users offline_access",
      expires_in: 86400,
      token_type: "Bearer",
    });
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access).toEqual({
      iss: emulator.issuer,
      sub: "auth0|acme-member",
      aud: [GATEHOUSE_API, `${emulator.issuer}userinfo`],
      iat: expect.any(Number),
      exp: (access.iat as number) + 86400,
      org_id: "org_acme",
      scope: "openid read:users offline_access",
      azp: "initech-cms",
      permissions: ["read:users"],
    });
    const id = await verifiedClaims(emulator, response.body.id_token as string, PARTNER.clientId);
    expect(id).toEqual({
      iss: emulator.issuer,
      aud: "initech-cms",
      sub: "auth0|acme-member",
      iat: expect.any(Number),
      exp: (id.iat as number) + 36000,
      org_id: "org_acme",
    });

    // The consent is recorded as an Auth0 user grant, in the organization it was given in.
    expect(await consentsOf(emulator, "auth0|acme-member", PARTNER.clientId)).toEqual([
      {
        id: expect.any(String),
        clientID: "initech-cms",
        user_id: "auth0|acme-member",
        audience: GATEHOUSE_API,
        scope: ["openid", "read:users", "update:users", "offline_access"],
        organization_id: "org_acme",
      },
    ]);

    const second = await logIn(emulator, {
      ...PARTNER,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "openid read:users",
      organization: "org_acme",
      pkce,
    });
    expect(second.consentShown).toBe(false);
    expect(
      (await exchangeCode(emulator, PARTNER, codeOf(second.callback), { code_verifier: pkce.verifier }))
        .status,
    ).toBe(200);
  });

  it("asking for more than was consented shows the consent page again, and accepting widens the consent", async () => {
    const user = await createUser(emulator, { roles: ["rol_user_manager"], organization: "org_acme" });
    const first = await logIn(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "read:users",
      pkce: pkcePair(),
      consent: "accept",
    });
    expect(first.consentShown).toBe(true);
    const pkce = pkcePair();
    const wider = await logIn(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "read:users update:users delete:users",
      pkce,
      consent: "accept",
    });
    expect(wider.consentShown).toBe(true);
    const response = await exchangeCode(emulator, PARTNER, codeOf(wider.callback), {
      code_verifier: pkce.verifier,
    });
    // delete:users is outside Initech's client grant: never asked for, never granted.
    expect(response.body.scope).toBe("read:users update:users");
    const consents = await consentsOf(emulator, user.user_id, PARTNER.clientId);
    expect(consents.map((grant) => grant.scope)).toEqual([["read:users", "update:users"]]);
  });

  it("a user who declines is sent back with access_denied and no consent is recorded", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"], organization: "org_acme" });
    const { callback, consentShown } = await logIn(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "openid read:users",
      state: "cms-state-2",
      pkce: pkcePair(),
      consent: "deny",
    });
    expect(consentShown).toBe(true);
    expect(`${callback.origin}${callback.pathname}`).toBe(PARTNER.callback);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "access_denied",
      error_description: "User did not authorize the request",
      state: "cms-state-2",
    });
    expect(await consentsOf(emulator, user.user_id, PARTNER.clientId)).toEqual([]);
  });

  it("the partner must authenticate with its secret to exchange the code", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"], organization: "org_acme" });
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "read:users",
      pkce,
      consent: "accept",
    });
    const response = await exchangeCode(emulator, PARTNER, codeOf(callback), {
      client_secret: "wrong",
      code_verifier: pkce.verifier,
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "access_denied", error_description: "Unauthorized" });
  });

  it("prompt=consent asks again even when the consent covers the request", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"], organization: "org_acme" });
    await logIn(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "read:users",
      pkce: pkcePair(),
      consent: "accept",
    });
    const started = await authorize(emulator, {
      response_type: "code",
      client_id: PARTNER.clientId,
      redirect_uri: PARTNER.callback,
      scope: "read:users",
      audience: GATEHOUSE_API,
      prompt: "consent",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    });
    const loggedIn = await submitLogin(emulator, locationOf(emulator, started), user.email, user.password);
    expect(locationOf(emulator, loggedIn).pathname).toBe("/u/consent");
  });
});
