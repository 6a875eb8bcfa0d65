import type { Management } from "auth0";
import type { RolesClient } from "auth0/roles";
import type { UsersClient } from "auth0/users";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import {
  emulatorOnFreePort,
  GATEHOUSE_API,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";
import { passwordLogin } from "./user-login.js";

const CONNECTION = "Username-Password-Authentication";
const PASSWORD = "Users-test-pass-1";
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let emulator: RunningEmulator;
let users: UsersClient;
let roles: RolesClient;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  ({ users, roles } = managementClients(emulator));
});
afterAll(async () => {
  await emulator.close();
});

/** The SDK's users client on a Management token narrowed to `scope`. */
function usersClientWith(scope: string): UsersClient {
  return managementClients(emulator, () => managementToken(emulator, { scope })).users;
}

let emailCounter = 0;
function uniqueEmail(label = "user"): string {
  emailCounter += 1;
  return `${label}${emailCounter}.${Date.now()}@users.test`;
}

async function createUser(fields: Partial<Management.CreateUserRequestContent> = {}) {
  return users.create({ connection: CONNECTION, email: uniqueEmail(), password: PASSWORD, ...fields });
}

function badRequest(message: string, errorCode = "invalid_body") {
  return { statusCode: 400, body: { statusCode: 400, error: "Bad Request", message, errorCode } };
}

const NO_SUCH_USER = {
  statusCode: 404,
  body: {
    statusCode: 404,
    error: "Not Found",
    message: "The user does not exist.",
    errorCode: "inexistent_user",
  },
};

describe("creating users", () => {
  it("an admin creates a user and gets Auth0's user back, without the password", async () => {
    const email = uniqueEmail("Dana");
    const created = await users.create({
      connection: CONNECTION,
      email,
      password: PASSWORD,
      name: "Dana Developer",
      app_metadata: { tenant_id: "org_acme" },
      user_metadata: { lang: "en" },
    });

    const userId = String(created.user_id);
    expect(userId).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(created).toEqual({
      user_id: userId,
      email: email.toLowerCase(),
      email_verified: false,
      name: "Dana Developer",
      nickname: email.toLowerCase().split("@")[0],
      picture: expect.stringMatching(/^https:\/\/s\.gravatar\.com\/avatar\/[0-9a-f]{32}\?/),
      identities: [
        {
          connection: CONNECTION,
          user_id: userId.slice("auth0|".length),
          provider: "auth0",
          isSocial: false,
        },
      ],
      created_at: expect.stringMatching(ISO_TIME),
      updated_at: created.created_at,
      logins_count: 0,
      app_metadata: { tenant_id: "org_acme" },
      user_metadata: { lang: "en" },
    });
    expect(await users.get(userId)).toEqual(created);
  });

  it("the new user can log in with the password given at creation", async () => {
    const created = await createUser();

    expect((await passwordLogin(emulator, String(created.email), PASSWORD)).status).toBe(200);
    expect((await passwordLogin(emulator, String(created.email), "Not-the-password-1")).status).toBe(403);
  });

  it("a user created blocked, verified and with an id of our choosing keeps them", async () => {
    const localId = `chosen-${Date.now()}`;
    const created = await createUser({
      user_id: localId,
      blocked: true,
      email_verified: true,
      nickname: "chosen",
    });

    expect(created).toMatchObject({
      user_id: `auth0|${localId}`,
      identities: [{ user_id: localId }],
      blocked: true,
      email_verified: true,
      nickname: "chosen",
    });
  });

  it("a second user with the same email is 409 The user already exists", async () => {
    const created = await createUser();

    expect(await sdkRefusal(createUser({ email: String(created.email).toUpperCase() }))).toEqual({
      statusCode: 409,
      body: {
        statusCode: 409,
        error: "Conflict",
        message: "The user already exists.",
        errorCode: "auth0_idp_error",
      },
    });
  });

  it("a weak password is refused with Auth0's PasswordStrengthError", async () => {
    expect(await sdkRefusal(createUser({ password: "password" }))).toEqual(
      badRequest("PasswordStrengthError: Password is too weak"),
    );
  });

  it("a request without a connection, with another connection, a bad email or no password is 400", async () => {
    const email = uniqueEmail();
    expect(
      await sdkRefusal(users.create({ email, password: PASSWORD } as Management.CreateUserRequestContent)),
    ).toEqual(badRequest("Payload validation error: 'Missing required property: connection'."));
    expect(
      await sdkRefusal(users.create({ connection: "google-oauth2", email, password: PASSWORD })),
    ).toEqual(badRequest("The connection does not exist.", "inexistent_connection"));
    expect(
      await sdkRefusal(users.create({ connection: CONNECTION, email: "not-an-email", password: PASSWORD })),
    ).toEqual(
      badRequest(
        "Payload validation error: 'Object didn't pass validation for format email: not-an-email' on property email.",
      ),
    );
    expect(await sdkRefusal(users.create({ connection: CONNECTION, email }))).toEqual(
      badRequest("Payload validation error: 'Missing required property: password'."),
    );
    expect(
      await sdkRefusal(
        users.create({
          connection: CONNECTION,
          email,
          password: PASSWORD,
          blocked: "yes" as unknown as boolean,
        }),
      ),
    ).toEqual(
      badRequest(
        "Payload validation error: 'Expected type boolean but found type string' on property blocked.",
      ),
    );
  });

  it("a property Auth0 does not know is refused, and one the emulator does not keep is refused by name", async () => {
    const email = uniqueEmail();
    expect(
      await sdkRefusal(
        users.create({
          connection: CONNECTION,
          email,
          password: PASSWORD,
          role: "admin",
        } as Management.CreateUserRequestContent),
      ),
    ).toEqual(badRequest("Payload validation error: 'Additional properties not allowed: role'."));
    expect(
      await sdkRefusal(
        users.create({ connection: CONNECTION, email, password: PASSWORD, given_name: "Dana" }),
      ),
    ).toEqual(badRequest("The emulator does not support the property given_name"));
  });
});

describe("reading users", () => {
  it("a seeded user is found by an id containing |, which the SDK URL-encodes", async () => {
    const ada = await users.get("auth0|acme-admin");
    expect(ada).toEqual({
      user_id: "auth0|acme-admin",
      email: "admin@acme.test",
      email_verified: true,
      name: "Ada Admin",
      nickname: "admin",
      picture: expect.stringMatching(/^https:\/\//),
      identities: [{ connection: CONNECTION, user_id: "acme-admin", provider: "auth0", isSocial: false }],
      created_at: "2026-01-01T00:00:00.000Z",
      updated_at: expect.stringMatching(ISO_TIME),
      logins_count: expect.any(Number),
    });

    const raw = await fetch(`${emulator.url}/api/v2/users/auth0%7Cacme-admin`, {
      headers: { authorization: `Bearer ${await managementToken(emulator)}` },
    });
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { user_id: string }).user_id).toBe("auth0|acme-admin");
  });

  it("fields and include_fields choose what comes back", async () => {
    expect(await users.get("auth0|acme-member", { fields: "user_id,email", include_fields: true })).toEqual({
      user_id: "auth0|acme-member",
      email: "member@acme.test",
    });
    const without = await users.get("auth0|acme-member", {
      fields: "identities,picture",
      include_fields: false,
    });
    expect(without).not.toHaveProperty("identities");
    expect(without).not.toHaveProperty("picture");
    expect(without).toHaveProperty("email", "member@acme.test");
  });

  it("an unknown user is 404 The user does not exist", async () => {
    expect(await sdkRefusal(users.get("auth0|nobody"))).toEqual(NO_SUCH_USER);
  });
});

describe("listing users", () => {
  it("the SDK's default include_totals=true gets Auth0's totals object", async () => {
    const page = await users.list({ q: "email:admin@acme.test", search_engine: "v3" });

    expect(page.response).toEqual({
      start: 0,
      limit: 50,
      length: 1,
      total: 1,
      users: [expect.objectContaining({ user_id: "auth0|acme-admin" })],
    });
  });

  it("page and per_page walk through a search; the SDK's iterator visits every page", async () => {
    const tag = `paging${Date.now()}`;
    const created = [];
    for (let i = 0; i < 5; i += 1) {
      created.push(await createUser({ email: `${tag}.${i}@users.test` }));
    }
    const q = `email:${tag}*`;

    const second = await users.list({ q, search_engine: "v3", page: 1, per_page: 2, sort: "email:1" });
    expect(second.response).toMatchObject({ start: 2, limit: 2, length: 2, total: 5 });
    expect(second.data.map((user) => user.email)).toEqual([`${tag}.2@users.test`, `${tag}.3@users.test`]);

    const seen: string[] = [];
    for await (const user of await users.list({ q, search_engine: "v3", per_page: 2, sort: "email:1" })) {
      seen.push(String(user.email));
    }
    expect(seen).toEqual(created.map((user) => user.email));
  });

  it("sort orders by a field either way", async () => {
    const tag = `sorting${Date.now()}`;
    await createUser({ email: `${tag}.b@users.test`, name: "Bea" });
    await createUser({ email: `${tag}.a@users.test`, name: "Cal" });
    await createUser({ email: `${tag}.c@users.test`, name: "Abe" });
    const q = `email:${tag}*`;

    const byEmailDown = await users.list({ q, search_engine: "v3", sort: "email:-1" });
    expect(byEmailDown.data.map((user) => user.email)).toEqual([
      `${tag}.c@users.test`,
      `${tag}.b@users.test`,
      `${tag}.a@users.test`,
    ]);
    const byNameUp = await users.list({ q, search_engine: "v3", sort: "name:1" });
    expect(byNameUp.data.map((user) => user.name)).toEqual(["Abe", "Bea", "Cal"]);
    const byCreation = await users.list({ q, search_engine: "v3", sort: "created_at:1" });
    expect(byCreation.data.map((user) => user.name)).toEqual(["Bea", "Cal", "Abe"]);
  });

  it("an unknown sort field or a malformed sort is 400", async () => {
    expect(await sdkRefusal(users.list({ sort: "app_metadata.plan:1" }))).toEqual(
      badRequest("Query validation error: 'sort' must be <field>:1 or <field>:-1", "invalid_query_string"),
    );
    expect(await sdkRefusal(users.list({ sort: "password_hash:1" }))).toEqual(
      badRequest("Sorting by password_hash is not supported", "invalid_query_string"),
    );
  });

  it("fields apply to every listed user", async () => {
    const page = await users.list({
      q: 'user_id:("auth0|acme-admin" OR "auth0|globex-admin")',
      search_engine: "v3",
      fields: "user_id,name",
      include_fields: true,
    });
    expect(page.data).toEqual([
      { user_id: "auth0|acme-admin", name: "Ada Admin" },
      { user_id: "auth0|globex-admin", name: "Gus Admin" },
    ]);
  });

  it("without include_totals the answer is a bare array, as Auth0's", async () => {
    const response = await fetch(
      `${emulator.url}/api/v2/users?q=${encodeURIComponent('user_id:"auth0|operator"')}&search_engine=v3`,
      { headers: { authorization: `Bearer ${await managementToken(emulator)}` } },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user_id: string }[];
    expect(body.map((user) => user.user_id)).toEqual(["auth0|operator"]);
  });

  it("the v1-only connection filter is refused rather than ignored", async () => {
    expect(await sdkRefusal(users.list({ connection: CONNECTION }))).toEqual(
      badRequest(
        'The connection parameter applies to search_engine=v1 only; use q=identities.connection:"…"',
        "invalid_query_string",
      ),
    );
  });
});

describe("updating users", () => {
  it("PATCH changes the profile and merges metadata one level deep, null removing a key", async () => {
    const created = await createUser({
      app_metadata: { tenant_id: "org_acme", plan: { tier: "pro", seats: 3 } },
      user_metadata: { lang: "en", theme: "dark" },
    });
    const userId = String(created.user_id);

    const updated = await users.update(userId, {
      name: "Renamed",
      nickname: "ren",
      picture: "https://example.test/ren.png",
      email_verified: true,
      app_metadata: { plan: { tier: "free" } },
      user_metadata: { theme: null, tz: "Europe/Paris" } as Management.UserMetadata,
    });

    expect(updated).toEqual({
      ...created,
      name: "Renamed",
      nickname: "ren",
      picture: "https://example.test/ren.png",
      email_verified: true,
      updated_at: expect.stringMatching(ISO_TIME),
      app_metadata: { tenant_id: "org_acme", plan: { tier: "free" } },
      user_metadata: { lang: "en", tz: "Europe/Paris" },
    });
    expect(await users.get(userId)).toEqual(updated);
  });

  it("an empty metadata object clears it", async () => {
    const created = await createUser({ user_metadata: { lang: "en" } });

    const updated = await users.update(String(created.user_id), { user_metadata: {} });

    expect(updated).not.toHaveProperty("user_metadata");
  });

  it("blocking shows blocked: true, and unblocking takes it away again", async () => {
    const userId = String((await createUser()).user_id);

    expect(await users.update(userId, { blocked: true })).toHaveProperty("blocked", true);
    expect(await users.update(userId, { blocked: false })).not.toHaveProperty("blocked");
  });

  it("a new password must pass the policy, and then it is the one that logs in", async () => {
    const created = await createUser();
    const userId = String(created.user_id);

    expect(await sdkRefusal(users.update(userId, { password: "weak" }))).toEqual(
      badRequest("PasswordStrengthError: Password is too weak"),
    );
    await users.update(userId, { password: "Changed-pass-2" });

    expect((await passwordLogin(emulator, String(created.email), "Changed-pass-2")).status).toBe(200);
    expect((await passwordLogin(emulator, String(created.email), PASSWORD)).status).toBe(403);
  });

  it("a new email is stored in lower case and unverified; one that is taken is refused", async () => {
    const created = await createUser({ email_verified: true });
    const other = await createUser();
    const userId = String(created.user_id);

    expect(
      await sdkRefusal(users.update(userId, { email: String(other.email), connection: CONNECTION })),
    ).toEqual(badRequest("The specified new email already exists", "email_already_exists"));
    const newEmail = uniqueEmail("Moved");
    const updated = await users.update(userId, { email: newEmail, connection: CONNECTION });
    expect(updated).toMatchObject({ email: newEmail.toLowerCase(), email_verified: false });
    expect(
      await sdkRefusal(users.update(userId, { email: uniqueEmail(), password: "Changed-pass-2" })),
    ).toEqual(badRequest("Cannot update password and email simultaneously"));
  });

  it("updating an unknown user is 404", async () => {
    expect(await sdkRefusal(users.update("auth0|nobody", { name: "x" }))).toEqual(NO_SUCH_USER);
  });
});

describe("deleting users", () => {
  it("DELETE removes the user and their role assignments", async () => {
    const userId = String((await createUser()).user_id);
    const stayingId = String((await createUser()).user_id);
    await users.roles.assign(userId, { roles: ["rol_member"] });
    await users.roles.assign(stayingId, { roles: ["rol_member"] });

    await users.delete(userId);

    expect(await sdkRefusal(users.get(userId))).toEqual(NO_SUCH_USER);
    const holders = [];
    for await (const holder of await roles.users.list("rol_member")) holders.push(holder.user_id);
    expect(holders).toContain(stayingId);
    expect(holders).not.toContain(userId);
  });

  it("DELETE of a user who does not exist is 204, as at Auth0", async () => {
    const response = await fetch(`${emulator.url}/api/v2/users/auth0%7Cnobody`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await managementToken(emulator)}` },
    });
    expect(response.status).toBe(204);
  });
});

describe("a user's roles", () => {
  it("roles are listed, assigned and removed", async () => {
    const userId = String((await createUser()).user_id);
    expect((await users.roles.list(userId)).data).toEqual([]);

    await users.roles.assign(userId, { roles: ["rol_member", "rol_user_manager"] });
    await users.roles.assign(userId, { roles: ["rol_member"] });
    const assigned = await users.roles.list(userId);
    expect(assigned.response).toEqual({
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

    await users.roles.delete(userId, { roles: ["rol_member"] });
    expect((await users.roles.list(userId)).data.map((role) => role.id)).toEqual(["rol_user_manager"]);
  });

  it("roles are paged", async () => {
    const userId = String((await createUser()).user_id);
    await users.roles.assign(userId, { roles: ["rol_member", "rol_user_manager", "rol_tenant_admin"] });

    const second = await users.roles.list(userId, { page: 1, per_page: 2 });
    expect(second.data.map((role) => role.id)).toEqual(["rol_tenant_admin"]);
    expect(second.response).toMatchObject({ start: 2, limit: 2, total: 3 });
  });

  it("assigning a role that does not exist is 404 and assigns nothing", async () => {
    const userId = String((await createUser()).user_id);

    expect(
      await sdkRefusal(users.roles.assign(userId, { roles: ["rol_member", "rol_nonexistent"] })),
    ).toEqual({
      statusCode: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The role does not exist.",
        errorCode: "inexistent_role",
      },
    });
    expect((await users.roles.list(userId)).data).toEqual([]);
  });

  it("an empty role list is 400, and an unknown user 404", async () => {
    const userId = String((await createUser()).user_id);

    expect(await sdkRefusal(users.roles.assign(userId, { roles: [] }))).toEqual(
      badRequest("Payload validation error: 'Array is too short (0), minimum 1' on property roles."),
    );
    expect(await sdkRefusal(users.roles.list("auth0|nobody"))).toEqual(NO_SUCH_USER);
    expect(await sdkRefusal(users.roles.assign("auth0|nobody", { roles: ["rol_member"] }))).toEqual(
      NO_SUCH_USER,
    );
    expect(await sdkRefusal(users.roles.delete("auth0|nobody", { roles: ["rol_member"] }))).toEqual(
      NO_SUCH_USER,
    );
  });
});

describe("a user's permissions and organizations", () => {
  it("permissions are the union of the roles' permissions, each naming the roles it comes from", async () => {
    const userId = String((await createUser()).user_id);
    await users.roles.assign(userId, { roles: ["rol_member", "rol_user_manager"] });

    const permissions = await users.permissions.list(userId);

    expect(permissions.data).toEqual(
      ["read:users", "create:users", "update:users", "read:roles"].map((name) => ({
        permission_name: name,
        description: name,
        resource_server_name: "Gatehouse API",
        resource_server_identifier: GATEHOUSE_API,
        sources: [
          ...(name === "read:users"
            ? [{ source_id: "rol_member", source_name: "member", source_type: "ROLE" }]
            : []),
          { source_id: "rol_user_manager", source_name: "user-manager", source_type: "ROLE" },
        ],
      })),
    );
    expect(permissions.response).toMatchObject({ start: 0, limit: 50, total: 4 });
  });

  it("a seeded user belongs to their tenant's organization", async () => {
    const organizations = await users.organizations.list("auth0|acme-member");

    expect(organizations.response).toEqual({
      start: 0,
      limit: 50,
      length: 1,
      total: 1,
      organizations: [{ id: "org_acme", name: "acme", display_name: "Acme Corp", metadata: { plan: "pro" } }],
    });
    expect((await users.organizations.list("auth0|operator")).data).toEqual([]);
    expect(await sdkRefusal(users.organizations.list("auth0|nobody"))).toEqual(NO_SUCH_USER);
    expect(await sdkRefusal(users.permissions.list("auth0|nobody"))).toEqual(NO_SUCH_USER);
  });
});

describe("scopes", () => {
  it("a token with only read:roles cannot read, create, update or delete users", async () => {
    const rolesOnly = usersClientWith("read:roles");

    expect(await sdkRefusal(rolesOnly.list())).toEqual(insufficientScope("read:users"));
    expect(await sdkRefusal(rolesOnly.get("auth0|acme-admin"))).toEqual(insufficientScope("read:users"));
    expect(
      await sdkRefusal(
        rolesOnly.create({ connection: CONNECTION, email: uniqueEmail(), password: PASSWORD }),
      ),
    ).toEqual(insufficientScope("create:users"));
    expect(await sdkRefusal(rolesOnly.update("auth0|acme-admin", { name: "x" }))).toEqual(
      insufficientScope("update:users"),
    );
    expect(await sdkRefusal(rolesOnly.delete("auth0|acme-admin"))).toEqual(insufficientScope("delete:users"));
    expect(await sdkRefusal(rolesOnly.permissions.list("auth0|acme-admin"))).toEqual(
      insufficientScope("read:users"),
    );
    expect(await sdkRefusal(rolesOnly.roles.assign("auth0|acme-admin", { roles: ["rol_member"] }))).toEqual(
      insufficientScope("update:users,create:role_members"),
    );
    expect(await sdkRefusal(rolesOnly.roles.delete("auth0|acme-admin", { roles: ["rol_member"] }))).toEqual(
      insufficientScope("update:users,delete:role_members"),
    );
  });

  it("read:roles alone is enough to list a user's roles; read:organizations alone their organizations", async () => {
    // Olga holds the seed's one tenant-level role; the others' roles are organization member roles.
    expect(
      (await usersClientWith("read:roles").roles.list("auth0|operator")).data.map((role) => role.id),
    ).toEqual(["rol_platform_operator"]);
    expect(
      (await usersClientWith("read:organizations").organizations.list("auth0|acme-admin")).data.map(
        (org) => org.id,
      ),
    ).toEqual(["org_acme"]);
    expect(await sdkRefusal(usersClientWith("read:clients").roles.list("auth0|acme-admin"))).toEqual(
      insufficientScope("read:users,read:roles,read:role_members"),
    );
    expect(await sdkRefusal(usersClientWith("read:clients").organizations.list("auth0|acme-admin"))).toEqual(
      insufficientScope("read:users,read:organizations"),
    );
  });
});
