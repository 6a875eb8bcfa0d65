// People in several tenants: one Auth0 account, a membership with its own roles in each tenant. What one
// tenant's admin does must never reach into another tenant through the shared account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnerTokensFor } from "../support/partner-login.js";
import { bearer, SEED_PASSWORD, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
  // Globex enables an integration below, which its seeded free plan does not include.
  await stack.setTenantPlan("org_globex", "pro");
});
afterAll(async () => {
  await stack?.close();
});

let people = 0;

/** A new person, a member of each tenant given with the member roles given there (role ids). */
async function createPerson(memberRoles: Record<string, string[]>): Promise<{ id: string; email: string }> {
  const { users, organizations } = stack.management();
  people += 1;
  const email = `person${people}-${Date.now()}@example.test`;
  const user = await users.create({
    connection: "Username-Password-Authentication",
    email,
    password: SEED_PASSWORD,
    name: `Person ${people}`,
  });
  const id = String(user.user_id);
  for (const [tenantId, roles] of Object.entries(memberRoles)) {
    await organizations.members.create(tenantId, { members: [id] });
    if (roles.length > 0) await organizations.members.roles.assign(tenantId, id, { roles });
  }
  // Made straight in Auth0 (no event stream here): the directory's pass brings them in.
  await stack.syncDirectory();
  return { id, email };
}

async function viewerOf(token: string) {
  const response = await stack.graphql("{ viewer { tenant { id } permissions } }", {
    authorization: bearer(token),
  });
  return response.body.data?.viewer as { tenant: { id: string } | null; permissions: string[] };
}

const USER_MANAGER = ["create:users", "read:roles", "read:users", "update:users"];
const TENANT_ADMIN = [
  "assign:roles",
  "create:users",
  "delete:users",
  "manage:api_keys",
  "manage:integrations",
  "read:api_keys",
  "read:audit",
  "read:integrations",
  "read:roles",
  "read:tenant",
  "read:users",
  "update:tenant",
  "update:users",
];

describe("an organization login carries the member roles of that organization", () => {
  it.each([
    ["admin@acme.test", "org_acme", TENANT_ADMIN],
    ["manager@acme.test", "org_acme", USER_MANAGER],
    ["member@acme.test", "org_acme", ["read:users"]],
    ["admin@globex.test", "org_globex", TENANT_ADMIN],
    ["member@globex.test", "org_globex", ["read:users"]],
    ["consultant@example.test", "org_acme", USER_MANAGER],
    ["consultant@example.test", "org_globex", ["read:users"]],
  ])("%s in %s", async (email, organization, permissions) => {
    const viewer = await viewerOf(await stack.userToken(email, { organization }));
    expect(viewer).toEqual({ tenant: { id: organization }, permissions });
  });

  it("the platform operator logs in without an organization and carries platform-operator's permissions", async () => {
    const viewer = await viewerOf(await stack.userToken("operator@gatehouse.test"));
    expect(viewer.tenant).toBeNull();
    expect(viewer.permissions).toHaveLength(15);
    expect(viewer.permissions).toContain("manage:tenants");
  });

  it("a tenant user's login without an organization carries no permissions", async () => {
    const viewer = await viewerOf(await stack.userToken("admin@acme.test", { organization: null }));
    expect(viewer).toEqual({ tenant: { id: "org_acme" }, permissions: [] });
  });

  it("someone in two tenants who logs in without an organization is refused, with a message saying so", async () => {
    const token = await stack.userToken("consultant@example.test", { organization: null });
    const response = await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.message).toContain("several tenants");
    expect(response.headers.get("www-authenticate")).toContain("several tenants");
  });
});

describe("one account, separate memberships", () => {
  it("User.roles shows the roles in the tenant being looked at", async () => {
    const query = '{ user(id: "auth0|consultant") { roles tenant { id } } }';
    const fromAcme = await stack.graphql(query, {
      authorization: bearer(await stack.userToken("admin@acme.test")),
    });
    expect(fromAcme.body).toEqual({
      data: { user: { roles: ["user-manager"], tenant: { id: "org_acme" } } },
    });
    const fromGlobex = await stack.graphql(query, {
      authorization: bearer(await stack.userToken("admin@globex.test")),
    });
    expect(fromGlobex.body).toEqual({ data: { user: { roles: ["member"], tenant: { id: "org_globex" } } } });
  });

  it("the takeover story: Acme's admin cannot reach the consultant's Globex account, and removes them from Acme only", async () => {
    const cara = await createPerson({ org_acme: ["rol_user_manager"], org_globex: ["rol_member"] });
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));

    // Making them a tenant admin in Acme gives them nothing in Globex.
    const assigned = await stack.graphql(
      `mutation { assignRoles(userId: "${cara.id}", roles: ["tenant-admin"]) { roles tenant { id } } }`,
      { authorization: acmeAdmin },
    );
    expect(assigned.body).toEqual({
      data: { assignRoles: { roles: ["tenant-admin", "user-manager"], tenant: { id: "org_acme" } } },
    });
    expect(
      (await viewerOf(await stack.userToken(cara.email, { organization: "org_globex" }))).permissions,
    ).toEqual(["read:users"]);
    const globexKey = await stack.graphql(
      'mutation { createApiKey(name: "x", scopes: ["read:users"]) { clientId } }',
      {
        authorization: bearer(await stack.userToken(cara.email, { organization: "org_globex" })),
      },
    );
    expect(globexKey.body.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      missingPermission: "manage:api_keys",
    });

    // The account is Globex's too: its email, its block and its deletion are out of Acme's reach.
    for (const mutation of [
      `updateUser(id: "${cara.id}", input: { email: "mine@evil.test" }) { id }`,
      `updateUser(id: "${cara.id}", input: { name: "Renamed by Acme" }) { id }`,
      `setUserBlocked(id: "${cara.id}", blocked: true) { id }`,
      `deleteUser(id: "${cara.id}")`,
    ]) {
      const response = await stack.graphql(`mutation { ${mutation} }`, { authorization: acmeAdmin });
      expect(response.body.data, mutation).toBeNull();
      expect(response.body.errors?.[0]?.extensions?.code, mutation).toBe("FORBIDDEN");
      expect(response.body.errors?.[0]?.message, mutation).toContain("another tenant");
      expect(response.body.errors?.[0]?.message, mutation).toContain("removeFromTenant");
    }
    const account = await stack.management().users.get(cara.id);
    expect([account.email, account.name, account.blocked ?? false]).toEqual([cara.email, "Person 1", false]);

    // removeFromTenant ends the Acme membership alone.
    const removed = await stack.graphql(`mutation { removeFromTenant(userId: "${cara.id}") }`, {
      authorization: acmeAdmin,
    });
    expect(removed.body).toEqual({ data: { removeFromTenant: cara.id } });
    const acmeList = await stack.graphql("{ users(first: 100) { nodes { id } } }", {
      authorization: acmeAdmin,
    });
    expect(
      (acmeList.body.data?.users as { nodes: { id: string }[] }).nodes.map((user) => user.id),
    ).not.toContain(cara.id);
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    const globexView = await stack.graphql(`{ user(id: "${cara.id}") { roles tenant { id } } }`, {
      authorization: globexAdmin,
    });
    expect(globexView.body).toEqual({ data: { user: { roles: ["member"], tenant: { id: "org_globex" } } } });
    const acmeView = await stack.graphql(`{ user(id: "${cara.id}") { id } }`, { authorization: acmeAdmin });
    expect(acmeView.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("someone who administers both tenants may change the shared account", async () => {
    const cara = await createPerson({ org_acme: ["rol_user_manager"], org_globex: ["rol_member"] });
    const bothAdmin = await createPerson({
      org_acme: ["rol_tenant_admin"],
      org_globex: ["rol_tenant_admin"],
    });
    const authorization = bearer(await stack.userToken(bothAdmin.email, { organization: "org_acme" }));
    const response = await stack.graphql(
      `mutation { setUserBlocked(id: "${cara.id}", blocked: true) { blocked } }`,
      { authorization },
    );
    expect(response.body).toEqual({ data: { setUserBlocked: { blocked: true } } });
  });

  it("an admin of both tenants still cannot change someone who outranks them in the other one", async () => {
    const target = await createPerson({ org_acme: ["rol_member"], org_globex: ["rol_tenant_admin"] });
    const acmeAdminGlobexManager = await createPerson({
      org_acme: ["rol_tenant_admin"],
      org_globex: ["rol_user_manager"],
    });
    const authorization = bearer(
      await stack.userToken(acmeAdminGlobexManager.email, { organization: "org_acme" }),
    );
    const response = await stack.graphql(
      `mutation { updateUser(id: "${target.id}", input: { name: "x" }) { id } }`,
      {
        authorization,
      },
    );
    expect(response.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("deleteUser of someone only in the caller's tenant deletes them; removeFromTenant leaves the account", async () => {
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    const onlyAcme = await createPerson({ org_acme: ["rol_member"] });
    const deleted = await stack.graphql(`mutation { deleteUser(id: "${onlyAcme.id}") }`, {
      authorization: acmeAdmin,
    });
    expect(deleted.body).toEqual({ data: { deleteUser: onlyAcme.id } });
    await expect(stack.management().users.get(onlyAcme.id)).rejects.toMatchObject({ statusCode: 404 });

    const leaving = await createPerson({ org_acme: ["rol_member"] });
    await stack.graphql(`mutation { removeFromTenant(userId: "${leaving.id}") }`, {
      authorization: acmeAdmin,
    });
    expect((await stack.management().users.get(leaving.id)).email).toBe(leaving.email);
  });

  it("removeRoles takes a role away in the caller's tenant, never one carrying more than the caller holds", async () => {
    const person = await createPerson({
      org_acme: ["rol_member", "rol_user_manager"],
      org_globex: ["rol_member"],
    });
    const manager = bearer(await stack.userToken("admin@acme.test"));
    const removed = await stack.graphql(
      `mutation { removeRoles(userId: "${person.id}", roles: ["user-manager"]) { roles } }`,
      { authorization: manager },
    );
    expect(removed.body).toEqual({ data: { removeRoles: { roles: ["member"] } } });

    const admin = await createPerson({ org_acme: ["rol_tenant_admin"] });
    const userManager = bearer(await stack.userToken("manager@acme.test"));
    const refused = await stack.graphql(
      `mutation { removeRoles(userId: "${admin.id}", roles: ["tenant-admin"]) { roles } }`,
      { authorization: userManager },
    );
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("a platform role is never given as a tenant role", async () => {
    const person = await createPerson({ org_acme: [] });
    const operator = bearer(await stack.userToken("operator@gatehouse.test"));
    const response = await stack.graphql(
      `mutation { assignRoles(userId: "${person.id}", roles: ["platform-operator"], tenantId: "org_acme") { roles } }`,
      { authorization: operator },
    );
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "roles" });
  });

  it("Acme's admin sees the consultant's consents only through Acme, never Globex's integration", async () => {
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    const enabled = await stack.graphql(
      'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }',
      { authorization: globexAdmin },
    );
    const globexIntegration = (enabled.body.data?.enableIntegration as { id: string }).id;
    const partner = await partnerTokensFor(stack.emulator, "consultant@example.test", "read:users", {
      organization: "org_globex",
    });
    // The partner acts for the consultant; Gatehouse learns of the consent from that first request.
    const acting = await stack.graphql("{ viewer { kind } }", { authorization: bearer(partner.accessToken) });
    expect(acting.body).toEqual({ data: { viewer: { kind: "PARTNER" } } });

    const fromGlobex = await stack.graphql('{ user(id: "auth0|consultant") { integrations { id } } }', {
      authorization: globexAdmin,
    });
    expect(fromGlobex.body).toEqual({ data: { user: { integrations: [{ id: globexIntegration }] } } });
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    const fromAcme = await stack.graphql(
      '{ user(id: "auth0|consultant") { integrations { id tenant { id } } } }',
      {
        authorization: acmeAdmin,
      },
    );
    expect(fromAcme.body).toEqual({ data: { user: { integrations: [] } } });
  });
});
