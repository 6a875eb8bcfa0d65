import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorData } from "../src/model.js";
import { SEED_PASSWORD } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import { emulatorOnFreePort, GATEHOUSE_API, managementClients } from "./helpers.js";
import {
  codeOf,
  consentsOf,
  createPartner,
  createUser,
  exchangeCode,
  logIn,
  PARTNER,
  passwordLogin,
  pkcePair,
  refresh,
  SPA,
  tokensFromLogin,
  verifiedClaims,
} from "./user-login.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

async function spaPasswordLogin(username: string, password: string, scope: string, audience = GATEHOUSE_API) {
  const response = await passwordLogin(emulator, username, password, { audience, scope });
  if (response.status !== 200) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

const UNKNOWN_REFRESH_TOKEN = {
  error: "invalid_grant",
  error_description: "Unknown or invalid refresh token.",
};

describe("refresh tokens", () => {
  // Olga: a password login has no organization, so only tenant-level roles count, and she is the seeded
  // user who holds one.
  it("the SPA refreshes Olga's tokens: same claims, new times, no gty, and the refresh token stays the same", async () => {
    const login = await spaPasswordLogin(
      "operator@gatehouse.test",
      SEED_PASSWORD,
      "openid offline_access read:users",
    );
    expect(login.refresh_token).toEqual(expect.any(String));
    expect(login.scope).toBe("openid offline_access read:users");

    const response = await refresh(emulator, SPA, login.refresh_token as string);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      scope: "openid offline_access read:users",
      expires_in: 86400,
      token_type: "Bearer",
    });
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access).toEqual({
      iss: emulator.issuer,
      sub: "auth0|operator",
      aud: [GATEHOUSE_API, `${emulator.issuer}userinfo`],
      iat: expect.any(Number),
      exp: (access.iat as number) + 86400,
      scope: "openid offline_access read:users",
      azp: "gatehouse-spa",
      permissions: expect.arrayContaining(["read:users", "delete:users", "read:audit"]),
    });
    const id = await verifiedClaims(emulator, response.body.id_token as string, SPA.clientId);
    expect(id.sub).toBe("auth0|operator");

    // Usable again: without rotation a refresh token lasts until revoked.
    expect((await refresh(emulator, SPA, login.refresh_token as string)).status).toBe(200);
  });

  it("only a hash of the refresh token is written to the state file", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-refresh-"));
    const persistent = await emulatorOnFreePort({ dataDir });
    try {
      const response = await passwordLogin(persistent, "member@acme.test", SEED_PASSWORD, {
        scope: "offline_access read:users",
      });
      const refreshToken = response.body.refresh_token as string;
      const state = await readFile(join(dataDir, "emulator-state.json"), "utf8");
      expect(state).not.toContain(refreshToken);
      const id = createHash("sha256").update(refreshToken).digest("hex");
      expect((JSON.parse(state) as EmulatorData).refreshTokens[id]).toEqual({
        id,
        client_id: "gatehouse-spa",
        user_id: "auth0|acme-member",
        audience: GATEHOUSE_API,
        scope: ["offline_access", "read:users"],
        created_at: expect.any(String),
      });
    } finally {
      await persistent.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("an organization login's refresh keeps its org_id", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: "member@globex.test",
      password: SEED_PASSWORD,
      scope: "offline_access read:users",
      organization: "org_globex",
      pkce,
    });
    const login = await exchangeCode(emulator, SPA, codeOf(callback), { code_verifier: pkce.verifier });
    const response = await refresh(emulator, SPA, login.body.refresh_token as string);
    expect(response.status).toBe(200);
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.org_id).toBe("org_globex");
  });

  it("a refresh recomputes permissions from the user's current roles", async () => {
    const user = await createUser(emulator, { roles: ["rol_user_manager"], organization: "org_acme" });
    const login = await spaPasswordLogin(user.email, user.password, "offline_access read:users update:users");
    expect(login.scope).toBe("offline_access read:users update:users");

    // Demoted from user-manager to member after the login.
    const { users } = managementClients(emulator);
    await users.roles.delete(user.user_id, { roles: ["rol_user_manager"] });
    await users.roles.assign(user.user_id, { roles: ["rol_member"] });

    const response = await refresh(emulator, SPA, login.refresh_token as string);
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("offline_access read:users");
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.permissions).toEqual(["read:users"]);
  });

  it("an organization login's refresh recomputes permissions from the member's current roles there", async () => {
    const user = await createUser(emulator, { organization: "org_acme" });
    const { organizations } = managementClients(emulator);
    await organizations.members.roles.assign("org_acme", user.user_id, {
      roles: ["rol_member", "rol_user_manager"],
    });
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...SPA,
      username: user.email,
      password: user.password,
      scope: "offline_access read:users update:users",
      organization: "org_acme",
      pkce,
    });
    const login = await exchangeCode(emulator, SPA, codeOf(callback), { code_verifier: pkce.verifier });
    expect(login.body.scope).toBe("offline_access read:users update:users");

    await organizations.members.roles.delete("org_acme", user.user_id, { roles: ["rol_user_manager"] });

    const response = await refresh(emulator, SPA, login.body.refresh_token as string);
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("offline_access read:users");
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.org_id).toBe("org_acme");
    expect(access.permissions).toEqual(["read:users"]);
  });

  it("scope may narrow a refresh, never widen it", async () => {
    const login = await spaPasswordLogin(
      "operator@gatehouse.test",
      SEED_PASSWORD,
      "offline_access read:users update:users",
    );
    const response = await refresh(emulator, SPA, login.refresh_token as string, {
      scope: "read:users create:users",
    });
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("read:users");
  });

  it("no refresh token without offline_access, or for an API that does not allow offline access", async () => {
    const online = await spaPasswordLogin("member@acme.test", SEED_PASSWORD, "openid read:users");
    expect(online.refresh_token).toBeUndefined();

    const management = await spaPasswordLogin(
      "member@acme.test",
      SEED_PASSWORD,
      "openid offline_access",
      emulator.context.managementAudience,
    );
    expect(management.refresh_token).toBeUndefined();
    expect(management.scope).toBe("openid");
  });

  it("a refresh token is bound to its client, and an unknown one is refused", async () => {
    const login = await spaPasswordLogin("member@acme.test", SEED_PASSWORD, "offline_access read:users");
    const stolen = await refresh(emulator, PARTNER, login.refresh_token as string);
    expect(stolen.status).toBe(403);
    expect(stolen.body).toEqual(UNKNOWN_REFRESH_TOKEN);

    const unknown = await refresh(emulator, SPA, "v1.not-a-token");
    expect(unknown.status).toBe(403);
    expect(unknown.body).toEqual(UNKNOWN_REFRESH_TOKEN);
  });

  it("a refresh for a user blocked since the login is 401 user is blocked", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"] });
    const login = await spaPasswordLogin(user.email, user.password, "offline_access read:users");
    await managementClients(emulator).users.update(user.user_id, { blocked: true });
    const response = await refresh(emulator, SPA, login.refresh_token as string);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: "unauthorized", error_description: "user is blocked" });
  });

  it("Initech CMS refreshes Mia's token until she withdraws her consent, then the refresh token is dead", async () => {
    // Initech CMS logs Mia in to Acme, with consent, asking for offline access.
    const login = await tokensFromLogin(emulator, {
      ...PARTNER,
      username: "member@acme.test",
      password: SEED_PASSWORD,
      scope: "openid read:users update:users offline_access",
      organization: "org_acme",
      pkce: pkcePair(),
      consent: "accept",
    });
    expect(login.scope).toBe("openid read:users offline_access");

    const refreshed = await refresh(emulator, PARTNER, login.refresh_token as string);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe("openid read:users offline_access");
    const access = await verifiedClaims(emulator, refreshed.body.access_token as string, GATEHOUSE_API);
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

    const [consent] = await consentsOf(emulator, "auth0|acme-member", PARTNER.clientId);
    if (!consent?.id) throw new Error("the consent was not recorded");
    await managementClients(emulator).userGrants.delete(consent.id);

    const revoked = await refresh(emulator, PARTNER, login.refresh_token as string);
    expect(revoked.status).toBe(403);
    expect(revoked.body).toEqual(UNKNOWN_REFRESH_TOKEN);
  });

  it("a third-party refresh follows the client grant as it is now", async () => {
    const partner = await createPartner(emulator, ["read:users", "update:users"]);
    const user = await createUser(emulator, { roles: ["rol_user_manager"], organization: "org_acme" });
    const pkce = pkcePair();
    const { callback } = await logIn(emulator, {
      ...partner,
      username: user.email,
      password: user.password,
      scope: "offline_access read:users update:users",
      pkce,
      consent: "accept",
    });
    const login = await exchangeCode(emulator, partner, codeOf(callback), { code_verifier: pkce.verifier });
    expect(login.body.scope).toBe("offline_access read:users update:users");

    await managementClients(emulator).clientGrants.update(partner.clientGrantId, { scope: ["read:users"] });

    const response = await refresh(emulator, partner, login.body.refresh_token as string);
    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("offline_access read:users");
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access.permissions).toEqual(["read:users"]);
  });
});
