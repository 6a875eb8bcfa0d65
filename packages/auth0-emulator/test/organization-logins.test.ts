import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS, PLATFORM_PERMISSIONS } from "./fixture.js";
import { SEED_PASSWORD } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import { emulatorOnFreePort, GATEHOUSE_API, managementClients } from "./helpers.js";
import {
  authorize,
  codeOf,
  consentsOf,
  createUser,
  exchangeCode,
  locationOf,
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

const EVERY_PERMISSION = PERMISSIONS.join(" ");
const TENANT_ADMIN = PERMISSIONS.filter((permission) => !PLATFORM_PERMISSIONS.includes(permission));
const USER_MANAGER = ["read:users", "create:users", "update:users", "read:roles"];
const MEMBER = ["read:users"];

/** The SPA's authorization-code login (with PKCE) asking for every permission; the access token's claims. */
async function spaLogin(username: string, password: string, organization?: string) {
  const tokens = await tokensFromLogin(emulator, {
    ...SPA,
    username,
    password,
    scope: EVERY_PERMISSION,
    ...(organization ? { organization } : {}),
    pkce: pkcePair(),
  });
  return verifiedClaims(emulator, tokens.access_token as string, GATEHOUSE_API);
}

describe("a login through an organization carries the roles the user holds as its member", () => {
  it.each([
    { user: "admin@acme.test", organization: "org_acme", permissions: TENANT_ADMIN },
    { user: "manager@acme.test", organization: "org_acme", permissions: USER_MANAGER },
    { user: "member@acme.test", organization: "org_acme", permissions: MEMBER },
    { user: "admin@globex.test", organization: "org_globex", permissions: TENANT_ADMIN },
    { user: "member@globex.test", organization: "org_globex", permissions: MEMBER },
  ])("$user logging in to $organization gets exactly their member roles' permissions", async (seeded) => {
    const access = await spaLogin(seeded.user, SEED_PASSWORD, seeded.organization);

    expect(access.org_id).toBe(seeded.organization);
    expect(access.permissions).toEqual(seeded.permissions);
    expect(access.scope).toBe(seeded.permissions.join(" "));
  });

  it("Cara the consultant manages users in Acme but only reads them in Globex", async () => {
    const inAcme = await spaLogin("consultant@example.test", SEED_PASSWORD, "org_acme");
    const inGlobex = await spaLogin("consultant@example.test", SEED_PASSWORD, "org_globex");

    expect(inAcme).toMatchObject({ sub: "auth0|consultant", org_id: "org_acme", permissions: USER_MANAGER });
    expect(inGlobex).toMatchObject({ sub: "auth0|consultant", org_id: "org_globex", permissions: MEMBER });
  });

  it("Olga the operator logs in without an organization and gets her tenant-level role's permissions", async () => {
    const access = await spaLogin("operator@gatehouse.test", SEED_PASSWORD);

    expect(access).not.toHaveProperty("org_id");
    expect(access.permissions).toEqual([...PERMISSIONS]);
    expect(access.permissions).toHaveLength(15);
  });

  it("tenant-level roles do not count in an organization login, and member roles not outside one", async () => {
    const user = await createUser(emulator, { roles: ["rol_tenant_admin"], organization: "org_acme" });
    await managementClients(emulator).organizations.members.roles.assign("org_acme", user.user_id, {
      roles: ["rol_member"],
    });

    const inAcme = await spaLogin(user.email, user.password, "org_acme");
    const withoutOrganization = await spaLogin(user.email, user.password);

    expect(inAcme.permissions).toEqual(MEMBER);
    expect(withoutOrganization.permissions).toEqual(TENANT_ADMIN);
  });

  it("the password grant has no organization: Ada's password login carries no permissions", async () => {
    const response = await passwordLogin(emulator, "admin@acme.test", SEED_PASSWORD, {
      scope: EVERY_PERMISSION,
    });

    expect(response.status).toBe(200);
    expect(response.body.scope).toBe("");
    const access = await verifiedClaims(emulator, response.body.access_token as string, GATEHOUSE_API);
    expect(access).not.toHaveProperty("org_id");
    expect(access.permissions).toEqual([]);
  });
});

describe("third-party applications and organizations", () => {
  it("a third-party application must use PKCE even though it has a secret", async () => {
    const response = await authorize(emulator, {
      response_type: "code",
      client_id: PARTNER.clientId,
      redirect_uri: PARTNER.callback,
      scope: "openid read:users",
      audience: GATEHOUSE_API,
      organization: "org_acme",
      state: "no-pkce",
    });

    expect(response.status).toBe(302);
    const callback = locationOf(emulator, response);
    expect(`${callback.origin}${callback.pathname}`).toBe(PARTNER.callback);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: code_challenge",
      state: "no-pkce",
    });
  });

  it("Cara's consent to Initech CMS in Acme does not cover Globex: she is asked again there", async () => {
    const asCara = { ...PARTNER, username: "consultant@example.test", password: SEED_PASSWORD };
    try {
      const inAcme = await logIn(emulator, {
        ...asCara,
        scope: "read:users update:users",
        organization: "org_acme",
        pkce: pkcePair(),
        consent: "accept",
      });
      expect(inAcme.consentShown).toBe(true);

      const pkce = pkcePair();
      const inGlobex = await logIn(emulator, {
        ...asCara,
        scope: "read:users update:users",
        organization: "org_globex",
        pkce,
        consent: "accept",
      });
      expect(inGlobex.consentShown).toBe(true);
      const globexTokens = await exchangeCode(emulator, PARTNER, codeOf(inGlobex.callback), {
        code_verifier: pkce.verifier,
      });
      const access = await verifiedClaims(emulator, globexTokens.body.access_token as string, GATEHOUSE_API);
      // Consented to update:users, but in Globex she is a member: the token holds what she may do there.
      expect(access).toMatchObject({ org_id: "org_globex", scope: "read:users", permissions: MEMBER });

      const backInAcme = await logIn(emulator, {
        ...asCara,
        scope: "read:users",
        organization: "org_acme",
        pkce: pkcePair(),
      });
      expect(backInAcme.consentShown).toBe(false);
      const consents = await consentsOf(emulator, "auth0|consultant", PARTNER.clientId);
      expect(consents.map((consent) => consent.organization_id).sort()).toEqual(["org_acme", "org_globex"]);
    } finally {
      await managementClients(emulator).userGrants.deleteByUserId({ user_id: "auth0|consultant" });
    }
  });

  it("a third-party login without an organization still works, consented without one, on tenant-level roles", async () => {
    const user = await createUser(emulator, { roles: ["rol_member"], organization: "org_acme" });
    const tokens = await tokensFromLogin(emulator, {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "read:users",
      pkce: pkcePair(),
      consent: "accept",
    });

    const access = await verifiedClaims(emulator, tokens.access_token as string, GATEHOUSE_API);
    expect(access).not.toHaveProperty("org_id");
    expect(access.permissions).toEqual(MEMBER);
    const [consent] = await consentsOf(emulator, user.user_id, PARTNER.clientId);
    expect(consent).not.toHaveProperty("organization_id");
  });

  it("an organization that blocks third-party applications refuses the login, and a refresh once it blocks again", async () => {
    const { organizations } = managementClients(emulator);
    const tenant = await organizations.create({ name: `closed-${Date.now()}`, display_name: "Closed" });
    const tenantId = String(tenant.id);
    expect(tenant.third_party_client_access).toBe("block");
    const user = await createUser(emulator, { organization: tenantId });
    await organizations.members.roles.assign(tenantId, user.user_id, { roles: ["rol_member"] });
    const login = {
      ...PARTNER,
      username: user.email,
      password: user.password,
      scope: "offline_access read:users",
      organization: tenantId,
    };

    const refused = await authorize(emulator, {
      response_type: "code",
      client_id: PARTNER.clientId,
      redirect_uri: PARTNER.callback,
      scope: login.scope,
      audience: GATEHOUSE_API,
      organization: tenantId,
      state: "blocked",
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
    });
    const callback = locationOf(emulator, refused);
    expect(`${callback.origin}${callback.pathname}`).toBe(PARTNER.callback);
    expect(Object.fromEntries(callback.searchParams)).toEqual({
      error: "access_denied",
      error_description: `the ${tenantId} organization does not allow access to third-party applications`,
      state: "blocked",
    });

    await organizations.update(tenantId, { third_party_client_access: "allow" });
    const tokens = await tokensFromLogin(emulator, { ...login, pkce: pkcePair(), consent: "accept" });
    expect(tokens.scope).toBe("offline_access read:users");

    await organizations.update(tenantId, { third_party_client_access: "block" });
    const refreshed = await refresh(emulator, PARTNER, tokens.refresh_token as string);
    expect({ status: refreshed.status, body: refreshed.body }).toEqual({
      status: 403,
      body: {
        error: "access_denied",
        error_description: `the ${tenantId} organization does not allow access to third-party applications`,
      },
    });
  });

  it("first-party applications are not affected by an organization's third-party setting", async () => {
    const { organizations } = managementClients(emulator);
    const tenant = await organizations.create({ name: `firstparty-${Date.now()}` });
    const user = await createUser(emulator, { organization: String(tenant.id) });

    const access = await spaLogin(user.email, user.password, String(tenant.id));

    expect(access.org_id).toBe(tenant.id);
  });
});
