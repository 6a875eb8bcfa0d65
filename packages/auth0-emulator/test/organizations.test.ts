import { randomUUID } from "node:crypto";
import type { OrganizationsClient } from "auth0/organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import {
  emulatorOnFreePort,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";

let emulator: RunningEmulator;
let organizations: OrganizationsClient;

beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  organizations = organizationsWith(await managementToken(emulator));
});
afterAll(async () => {
  await emulator.close();
});

function organizationsWith(token: string): OrganizationsClient {
  return managementClients(emulator, token).organizations;
}

function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh tenant and a fresh user of the emulator, created test-side so each test owns what it changes. */
async function createTenant(metadata: Record<string, string> = {}) {
  return organizations.create({ name: uniqueName("tenant"), display_name: "A tenant", metadata });
}

function createUser(name: string): string {
  const userId = `auth0|${uniqueName(name)}`;
  emulator.context.store.data.users[userId] = {
    user_id: userId,
    email: `${userId.slice(6)}@example.test`,
    email_verified: true,
    name,
    nickname: name,
    picture: "https://example.test/picture.png",
    blocked: false,
    connection: "Username-Password-Authentication",
    app_metadata: {},
    user_metadata: {},
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    logins_count: 0,
  };
  return userId;
}

const ACME = {
  id: "org_acme",
  name: "acme",
  display_name: "Acme Corp",
  metadata: { plan: "pro" },
  third_party_client_access: "allow",
};
const GLOBEX = {
  id: "org_globex",
  name: "globex",
  display_name: "Globex",
  metadata: { plan: "free" },
  third_party_client_access: "allow",
};
const NO_SUCH_ORGANIZATION = {
  statusCode: 404,
  body: {
    statusCode: 404,
    error: "Not Found",
    message: "No organization found by that id or name",
    errorCode: "inexistent_organization",
  },
};

describe("organizations", () => {
  it("the SDK's default list pages by checkpoint and includes the seeded tenants", async () => {
    const page = await organizations.list();

    expect(page.data).toContainEqual(ACME);
    expect(page.data).toContainEqual(GLOBEX);
    expect(Object.keys(page.response as object)).toEqual(["organizations"]);
  });

  it("checkpoint paging walks every tenant once, with no next cursor on the last page", async () => {
    const created = await Promise.all([createTenant(), createTenant(), createTenant()]);
    const everyId = Object.keys(emulator.context.store.data.organizations).sort();

    let page = await organizations.list({ take: 2 });
    const seen = [...page.data];
    expect(page.response).toEqual({ organizations: page.data, next: expect.any(String) });
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      seen.push(...page.data);
    }

    expect(seen.map((org) => org.id)).toEqual(everyId);
    expect(everyId).toEqual(expect.arrayContaining(created.map((org) => org.id)));
    expect(page.response).not.toHaveProperty("next");
  });

  it("offset paging with page and per_page answers start, limit and total", async () => {
    const total = Object.keys(emulator.context.store.data.organizations).length;

    const page = await organizations.list({ take: null }, { queryParams: { page: 1, per_page: 1 } });

    expect(page.response).toEqual({ start: 1, limit: 1, length: 1, total, organizations: [GLOBEX] });
  });

  it("gets a tenant by id and by name", async () => {
    expect(await organizations.get("org_acme")).toEqual(ACME);
    expect(await organizations.getByName("globex")).toEqual(GLOBEX);
  });

  it("an unknown tenant is 404 inexistent_organization, by id and by name", async () => {
    expect(await sdkRefusal(organizations.get("org_nope"))).toEqual(NO_SUCH_ORGANIZATION);
    expect(await sdkRefusal(organizations.getByName("nope"))).toEqual(NO_SUCH_ORGANIZATION);
    expect(await sdkRefusal(organizations.update("org_nope", { display_name: "x" }))).toEqual(
      NO_SUCH_ORGANIZATION,
    );
    expect(await sdkRefusal(organizations.delete("org_nope"))).toEqual(NO_SUCH_ORGANIZATION);
  });

  it("creates a tenant with an Auth0-style id, then finds it by name", async () => {
    const name = uniqueName("initrode");

    const created = await organizations.create({
      name,
      display_name: "Initrode",
      metadata: { plan: "free" },
    });

    expect(created).toEqual({
      id: expect.stringMatching(/^org_[A-Za-z0-9]{16}$/),
      name,
      display_name: "Initrode",
      metadata: { plan: "free" },
      // Auth0's default: third-party applications may not log users in through it.
      third_party_client_access: "block",
    });
    expect(await organizations.getByName(name)).toEqual(created);
  });

  it("a duplicate name is 409, a name outside Auth0's pattern or non-string metadata is 400", async () => {
    const duplicate = await sdkRefusal(organizations.create({ name: "acme" }));
    expect(duplicate).toEqual({
      statusCode: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message: "An organization with this name already exists",
        errorCode: "conflict",
      },
    });

    const badName = await sdkRefusal(organizations.create({ name: "Acme Corp" }));
    expect(badName.statusCode).toBe(400);
    expect(badName.body).toMatchObject({ error: "Bad Request", errorCode: "invalid_body" });

    const badMetadata = await sdkRefusal(
      organizations.create({ name: uniqueName("x"), metadata: { seats: 5 as unknown as string } }),
    );
    expect(badMetadata).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message:
          "Payload validation error: 'Expected type string but found type integer' on property metadata.seats.",
        errorCode: "invalid_body",
      },
    });
  });

  it("an update renames, and merges metadata: sent keys are set, null removes a key", async () => {
    const tenant = await createTenant({ plan: "pro", region: "eu" });
    const name = uniqueName("renamed");

    const updated = await organizations.update(String(tenant.id), {
      name,
      display_name: "Renamed",
      metadata: { plan: "enterprise", region: null },
    });

    expect(updated).toEqual({
      id: tenant.id,
      name,
      display_name: "Renamed",
      metadata: { plan: "enterprise" },
      third_party_client_access: "block",
    });
    expect(await organizations.get(String(tenant.id))).toEqual(updated);
    expect((await sdkRefusal(organizations.update(String(tenant.id), { name: "globex" }))).statusCode).toBe(
      409,
    );
  });

  it("deleting a tenant removes it and its memberships", async () => {
    const tenant = await createTenant();
    const userId = createUser("leaver");
    await organizations.members.create(String(tenant.id), { members: [userId] });

    await organizations.delete(String(tenant.id));

    expect(await sdkRefusal(organizations.get(String(tenant.id)))).toEqual(NO_SUCH_ORGANIZATION);
    expect(emulator.context.store.organizationsOf(userId)).toEqual([]);
  });

  it("third_party_client_access is set at creation, changed by an update, and only allow or block", async () => {
    const open = await organizations.create({ name: uniqueName("open"), third_party_client_access: "allow" });
    expect(open.third_party_client_access).toBe("allow");

    const closed = await organizations.update(String(open.id), { third_party_client_access: "block" });
    expect(closed.third_party_client_access).toBe("block");
    expect((await organizations.get(String(open.id))).third_party_client_access).toBe("block");

    const refused = await sdkRefusal(
      organizations.update(String(open.id), {
        third_party_client_access: "sometimes" as unknown as "allow",
      }),
    );
    expect(refused).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message:
          "Payload validation error: 'No enum match for: \"sometimes\"' on property third_party_client_access.",
        errorCode: "invalid_body",
      },
    });
  });

  it("a token narrowed to read:organizations reads but cannot create: 403 insufficient_scope", async () => {
    const readOnly = organizationsWith(await managementToken(emulator, { scope: "read:organizations" }));

    expect((await readOnly.get("org_acme")).name).toBe("acme");
    expect(await sdkRefusal(readOnly.create({ name: uniqueName("nope") }))).toEqual(
      insufficientScope("create:organizations"),
    );
  });
});

describe("organization members", () => {
  it("lists the seeded members of acme with their profile fields", async () => {
    const page = await organizations.members.list("org_acme");

    expect(page.response).toEqual({
      members: [
        {
          user_id: "auth0|acme-admin",
          email: "admin@acme.test",
          name: "Ada Admin",
          picture: expect.stringMatching(/^https:\/\//),
        },
        {
          user_id: "auth0|acme-manager",
          email: "manager@acme.test",
          name: "Max Manager",
          picture: expect.stringMatching(/^https:\/\//),
        },
        {
          user_id: "auth0|acme-member",
          email: "member@acme.test",
          name: "Mia Member",
          picture: expect.stringMatching(/^https:\/\//),
        },
        {
          user_id: "auth0|consultant",
          email: "consultant@example.test",
          name: "Cara Consultant",
          picture: expect.stringMatching(/^https:\/\//),
        },
      ],
    });
    const globex = await organizations.members.list("org_globex");
    // The SDK pages by checkpoint, which lists in id order.
    expect(globex.data.map((member) => member.user_id)).toEqual([
      "auth0|consultant",
      "auth0|globex-admin",
      "auth0|globex-member",
    ]);
  });

  it("pages members by checkpoint (take/from) and by offset (page/per_page)", async () => {
    const first = await organizations.members.list("org_acme", { take: 2, fields: "user_id" });
    expect(first.response).toEqual({
      members: [{ user_id: "auth0|acme-admin" }, { user_id: "auth0|acme-manager" }],
      next: expect.any(String),
    });
    const second = await first.getNextPage();
    expect(second.response).toEqual({
      members: [{ user_id: "auth0|acme-member" }, { user_id: "auth0|consultant" }],
    });

    const offset = await organizations.members.list(
      "org_acme",
      { take: null, fields: "user_id" },
      { queryParams: { page: 1, per_page: 3 } },
    );
    expect(offset.response).toEqual({
      start: 3,
      limit: 3,
      length: 1,
      total: 4,
      members: [{ user_id: "auth0|consultant" }],
    });
  });

  it("adds and removes members; adding an unknown user is 400", async () => {
    const tenant = await createTenant();
    const first = createUser("first");
    const second = createUser("second");

    await organizations.members.create(String(tenant.id), { members: [first, second] });
    await organizations.members.create(String(tenant.id), { members: [first] });
    const afterAdding = await organizations.members.list(String(tenant.id), { fields: "user_id" });
    expect(afterAdding.data).toEqual([{ user_id: first }, { user_id: second }]);

    await organizations.members.delete(String(tenant.id), { members: [first] });
    const afterRemoving = await organizations.members.list(String(tenant.id), { fields: "user_id" });
    expect(afterRemoving.data).toEqual([{ user_id: second }]);

    expect(
      await sdkRefusal(organizations.members.create(String(tenant.id), { members: ["auth0|ghost"] })),
    ).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "One or more users do not exist: auth0|ghost",
        errorCode: "invalid_body",
      },
    });
    expect((await sdkRefusal(organizations.members.list("org_nope"))).statusCode).toBe(404);
  });

  it("a token narrowed to read:organization_members cannot add members", async () => {
    const readOnly = organizationsWith(
      await managementToken(emulator, { scope: "read:organization_members" }),
    );

    expect((await readOnly.members.list("org_globex")).data).toHaveLength(3);
    const refused = await sdkRefusal(readOnly.members.create("org_globex", { members: ["auth0|operator"] }));
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatchObject({
      message: "Insufficient scope, expected any of: create:organization_members",
      errorCode: "insufficient_scope",
    });
  });
});

describe("organization member roles", () => {
  it("assigns, lists and removes a member's roles in one tenant, and fields=roles shows them", async () => {
    const tenant = await createTenant();
    const userId = createUser("role-holder");
    await organizations.members.create(String(tenant.id), { members: [userId] });

    await organizations.members.roles.assign(String(tenant.id), userId, {
      roles: ["rol_member", "rol_user_manager"],
    });

    const roles = await organizations.members.roles.list(String(tenant.id), userId);
    expect(roles.response).toEqual({
      start: 0,
      limit: 50,
      length: 2,
      total: 2,
      roles: [
        { id: "rol_member", name: "member", description: "Reads the users of their tenant" },
        {
          id: "rol_user_manager",
          name: "user-manager",
          description: "Reads and manages the users of their tenant",
        },
      ],
    });
    const members = await organizations.members.list(String(tenant.id), { fields: "user_id,roles" });
    expect(members.data).toEqual([
      {
        user_id: userId,
        roles: [
          { id: "rol_member", name: "member" },
          { id: "rol_user_manager", name: "user-manager" },
        ],
      },
    ]);

    await organizations.members.roles.delete(String(tenant.id), userId, { roles: ["rol_member"] });
    const after = await organizations.members.roles.list(String(tenant.id), userId);
    expect(after.data.map((role) => role.id)).toEqual(["rol_user_manager"]);
  });

  it("a member who leaves loses their roles there; joining again starts with none", async () => {
    const tenant = await createTenant();
    const tenantId = String(tenant.id);
    const userId = createUser("returner");
    await organizations.members.create(tenantId, { members: [userId] });
    await organizations.members.roles.assign(tenantId, userId, { roles: ["rol_tenant_admin"] });

    await organizations.members.delete(tenantId, { members: [userId] });
    await organizations.members.create(tenantId, { members: [userId] });

    expect((await organizations.members.roles.list(tenantId, userId)).data).toEqual([]);
  });

  it("a member holds at most 50 roles in one organization: assigning a 51st is 400", async () => {
    const tenant = await createTenant();
    const tenantId = String(tenant.id);
    const userId = createUser("collector");
    await organizations.members.create(tenantId, { members: [userId] });
    // The emulated Management API cannot create roles (Gatehouse never does), so these are written into
    // its state, and removed again below.
    const roleIds = Array.from({ length: 51 }, (_, index) => {
      const id = `rol_${uniqueName("bulk")}_${index}`;
      emulator.context.store.data.roles[id] = { id, name: id, description: "", permissions: [] };
      return id;
    });
    try {
      await organizations.members.roles.assign(tenantId, userId, { roles: roleIds.slice(0, 50) });

      const refused = await sdkRefusal(
        organizations.members.roles.assign(tenantId, userId, { roles: roleIds.slice(50) }),
      );

      expect(refused).toEqual({
        statusCode: 400,
        body: {
          statusCode: 400,
          error: "Bad Request",
          message: "A member can be assigned at most 50 roles in an organization",
          errorCode: "too_many_roles",
        },
      });
      // Assigning a role the member already holds is not a 51st.
      await organizations.members.roles.assign(tenantId, userId, { roles: [String(roleIds[0])] });
      const held = await organizations.members.roles.list(tenantId, userId, { per_page: 100 });
      expect(held.response).toMatchObject({ total: 50 });
    } finally {
      for (const id of roleIds) delete emulator.context.store.data.roles[id];
    }
  });

  it("member roles need a member, a known role and the member-roles scope", async () => {
    const outsider = await sdkRefusal(organizations.members.roles.list("org_acme", "auth0|globex-admin"));
    expect(outsider).toEqual({
      statusCode: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The user is not a member of the organization",
        errorCode: "inexistent_member",
      },
    });

    const unknownRole = await sdkRefusal(
      organizations.members.roles.assign("org_acme", "auth0|acme-member", { roles: ["rol_nope"] }),
    );
    expect(unknownRole.statusCode).toBe(400);
    expect(unknownRole.body).toMatchObject({ message: "One or more roles do not exist: rol_nope" });

    const membersOnly = organizationsWith(
      await managementToken(emulator, { scope: "read:organization_members" }),
    );
    const withRoles = await sdkRefusal(membersOnly.members.list("org_acme", { fields: "roles" }));
    expect(withRoles.statusCode).toBe(403);
    expect(withRoles.body).toMatchObject({
      message: "Insufficient scope, expected any of: read:organization_member_roles",
    });

    const readRoles = organizationsWith(
      await managementToken(emulator, { scope: "read:organization_member_roles" }),
    );
    const assign = await sdkRefusal(
      readRoles.members.roles.assign("org_acme", "auth0|acme-member", { roles: ["rol_member"] }),
    );
    expect(assign.statusCode).toBe(403);
    expect(assign.body).toMatchObject({
      message: "Insufficient scope, expected any of: create:organization_member_roles",
    });
    expect(
      await sdkRefusal(
        readRoles.members.roles.delete("org_acme", "auth0|acme-member", { roles: ["rol_member"] }),
      ),
    ).toEqual(insufficientScope("delete:organization_member_roles"));
    expect((await organizations.members.roles.list("org_acme", "auth0|acme-member")).data).toHaveLength(1);
  });
});
