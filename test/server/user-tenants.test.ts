import { UsersClient } from "auth0/users";
import { OrganizationsClient } from "auth0/organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, logIn, pkcePair, SPA } from "../emulator/user-login.js";
import { partnerTokensFor } from "../support/partner-login.js";
import { bearer, GATEHOUSE_API, SEED_PASSWORD, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function managementToken(): Promise<string> {
  const response = await fetch(`${stack.emulator.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "gatehouse-server",
      client_secret: "gatehouse-server-secret",
      audience: stack.emulator.context.managementAudience,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A consultant who works for both tenants: a member of org_acme and org_globex. */
async function createConsultant(): Promise<string> {
  const options = { baseUrl: `${stack.emulator.url}/api/v2`, token: managementToken };
  const users = new UsersClient(options);
  const organizations = new OrganizationsClient(options);
  const user = await users.create({
    connection: "Username-Password-Authentication",
    email: "consultant@example.test",
    password: SEED_PASSWORD,
    name: "Cora Consultant",
  });
  const userId = String(user.user_id);
  await users.roles.assign(userId, { roles: ["rol_member"] });
  await organizations.members.create("org_acme", { members: [userId] });
  await organizations.members.create("org_globex", { members: [userId] });
  return userId;
}

describe("a user in several tenants", () => {
  let consultant: string;
  beforeAll(async () => {
    consultant = await createConsultant();
  });

  it("is refused without an organization in the token, with a message saying so", async () => {
    const token = await stack.userToken("consultant@example.test");
    const response = await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.message).toContain("several tenants");
    expect(response.headers.get("www-authenticate")).toContain("several tenants");
  });

  it("acts in the tenant its token names with org_id", async () => {
    const pkce = pkcePair();
    const { callback } = await logIn(stack.emulator, {
      clientId: SPA.clientId,
      callback: SPA.callback,
      username: "consultant@example.test",
      password: SEED_PASSWORD,
      scope: "openid read:users",
      audience: GATEHOUSE_API,
      organization: "org_globex",
      pkce,
    });
    const exchanged = await fetch(`${stack.emulator.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: SPA.clientId,
        code: codeOf(callback),
        redirect_uri: SPA.callback,
        code_verifier: pkce.verifier,
      }),
    });
    const { access_token: token } = (await exchanged.json()) as { access_token: string };
    const response = await stack.graphql("{ viewer { subject tenant { id } } users { totalCount } }", {
      authorization: bearer(token),
    });
    expect(response.body).toEqual({
      data: { viewer: { subject: consultant, tenant: { id: "org_globex" } }, users: { totalCount: 3 } },
    });
  });

  it("Acme's admin sees the user's consents only through Acme, never Globex's integration", async () => {
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    const enabled = await stack.graphql(
      'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }',
      {
        authorization: globexAdmin,
      },
    );
    const globexIntegration = (enabled.body.data?.enableIntegration as { id: string }).id;
    await partnerTokensFor(stack.emulator, "consultant@example.test", "read:users");

    const fromGlobex = await stack.graphql(`{ user(id: "${consultant}") { integrations { id } } }`, {
      authorization: globexAdmin,
    });
    expect(fromGlobex.body).toEqual({ data: { user: { integrations: [{ id: globexIntegration }] } } });
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    const fromAcme = await stack.graphql(
      `{ user(id: "${consultant}") { integrations { id tenant { id } } } }`,
      {
        authorization: acmeAdmin,
      },
    );
    expect(fromAcme.body).toEqual({ data: { user: { integrations: [] } } });
  });
});
