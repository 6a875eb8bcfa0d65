import type { RolesClient } from "auth0/roles";
import type { UsersClient } from "auth0/users";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS } from "./fixture.js";
import type { RunningEmulator } from "../src/server.js";
import {
  emulatorOnFreePort,
  GATEHOUSE_API,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";

const MEMBER = { id: "rol_member", name: "member", description: "Reads the users of their tenant" };
const USER_MANAGER = {
  id: "rol_user_manager",
  name: "user-manager",
  description: "Reads and manages the users of their tenant",
};
const TENANT_ADMIN = {
  id: "rol_tenant_admin",
  name: "tenant-admin",
  description: "Administers their tenant",
};
const PLATFORM_OPERATOR = {
  id: "rol_platform_operator",
  name: "platform-operator",
  description: "Operates the whole platform",
};

let emulator: RunningEmulator;
let roles: RolesClient;
let users: UsersClient;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  ({ roles, users } = managementClients(emulator));
});
afterAll(async () => {
  await emulator.close();
});

/** The SDK's roles client on a Management token narrowed to `scope`. */
function rolesClientWith(scope: string): RolesClient {
  return managementClients(emulator, () => managementToken(emulator, { scope })).roles;
}

let userCounter = 0;
/** A new user holding the given roles. */
async function userWithRoles(roleIds: string[]): Promise<string> {
  userCounter += 1;
  const created = await users.create({
    connection: "Username-Password-Authentication",
    email: `holder${userCounter}.${Date.now()}@roles.test`,
    password: "Roles-test-pass-1",
  });
  const userId = String(created.user_id);
  await users.roles.assign(userId, { roles: roleIds });
  return userId;
}

const NO_SUCH_ROLE = {
  statusCode: 404,
  body: {
    statusCode: 404,
    error: "Not Found",
    message: "The role does not exist.",
    errorCode: "inexistent_role",
  },
};

describe("roles", () => {
  it("the seeded roles are listed with Auth0's totals", async () => {
    const page = await roles.list();

    expect(page.response).toEqual({
      start: 0,
      limit: 50,
      length: 4,
      total: 4,
      roles: [MEMBER, USER_MANAGER, TENANT_ADMIN, PLATFORM_OPERATOR],
    });
  });

  it("name_filter matches part of the name, without regard to case", async () => {
    expect((await roles.list({ name_filter: "ADMIN" })).data).toEqual([TENANT_ADMIN]);
    expect((await roles.list({ name_filter: "er" })).data).toEqual([MEMBER, USER_MANAGER, PLATFORM_OPERATOR]);
    expect((await roles.list({ name_filter: "auditor" })).data).toEqual([]);
  });

  it("page and per_page page through the roles", async () => {
    const second = await roles.list({ page: 1, per_page: 3 });

    expect(second.response).toEqual({ start: 3, limit: 3, length: 1, total: 4, roles: [PLATFORM_OPERATOR] });
  });

  it("a role is read by id; an unknown id is 404", async () => {
    expect(await roles.get("rol_user_manager")).toEqual(USER_MANAGER);
    expect(await sdkRefusal(roles.get("rol_nonexistent"))).toEqual(NO_SUCH_ROLE);
  });
});

describe("a role's permissions", () => {
  it("each permission names its API", async () => {
    const page = await roles.permissions.list("rol_member");

    expect(page.response).toEqual({
      start: 0,
      limit: 50,
      length: 1,
      total: 1,
      permissions: [
        {
          resource_server_identifier: GATEHOUSE_API,
          permission_name: "read:users",
          resource_server_name: "Gatehouse API",
          description: "read:users",
        },
      ],
    });
  });

  it("the SDK's iterator pages through all of the platform operator's permissions", async () => {
    const names: string[] = [];
    for await (const permission of await roles.permissions.list("rol_platform_operator", { per_page: 4 })) {
      names.push(String(permission.permission_name));
    }

    expect(names).toEqual([...PERMISSIONS]);
  });

  it("an unknown role is 404", async () => {
    expect(await sdkRefusal(roles.permissions.list("rol_nonexistent"))).toEqual(NO_SUCH_ROLE);
  });
});

describe("a role's users", () => {
  it("from/take checkpoint paging hands out a next cursor until the last page", async () => {
    // The seed's user-managers hold the role as Acme members, not at tenant level: only these are listed.
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push(await userWithRoles(["rol_user_manager"]));
    const holders = created.sort();

    const first = await roles.users.list("rol_user_manager", { take: 2 });
    expect(first.response).toEqual({
      users: holders.slice(0, 2).map((user_id) => ({
        user_id,
        picture: expect.any(String),
        name: expect.any(String),
        email: expect.any(String),
      })),
      next: expect.any(String),
    });
    const last = await roles.users.list("rol_user_manager", { take: 2, from: String(first.response.next) });
    expect(last.response).toEqual({ users: [expect.objectContaining({ user_id: holders[2] })] });
  });

  it("the SDK's iterator follows the cursors through every holder", async () => {
    const created = [];
    for (let i = 0; i < 3; i += 1) created.push(await userWithRoles(["rol_tenant_admin"]));

    const seen: string[] = [];
    for await (const user of await roles.users.list("rol_tenant_admin", { take: 2 }))
      seen.push(String(user.user_id));

    expect(seen).toEqual(created.sort());
  });

  it("a seeded holder is listed with Auth0's fields", async () => {
    const page = await roles.users.list("rol_platform_operator");

    expect(page.data).toEqual([
      {
        user_id: "auth0|operator",
        picture: expect.stringMatching(/^https:\/\//),
        name: "Olga Operator",
        email: "operator@gatehouse.test",
      },
    ]);
  });

  it("page/per_page paging works on a role's users too", async () => {
    await userWithRoles(["rol_member"]);
    const response = await fetch(
      `${emulator.url}/api/v2/roles/rol_member/users?page=0&per_page=1&include_totals=true`,
      {
        headers: { authorization: `Bearer ${await managementToken(emulator)}` },
      },
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      start: 0,
      limit: 1,
      length: 1,
      total: expect.any(Number),
      users: [expect.objectContaining({ user_id: expect.any(String) })],
    });
  });

  it("a cursor that is not one the emulator gave is 400, and an unknown role 404", async () => {
    expect(await sdkRefusal(roles.users.list("rol_member", { from: "not a cursor!" }))).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "Query validation error: 'from' is not a valid checkpoint",
        errorCode: "invalid_query_string",
      },
    });
    expect(await sdkRefusal(roles.users.list("rol_nonexistent"))).toEqual(NO_SUCH_ROLE);
  });
});

describe("scopes", () => {
  it("a token with only read:users cannot read roles or their permissions", async () => {
    const usersOnly = rolesClientWith("read:users");

    expect(await sdkRefusal(usersOnly.list())).toEqual(insufficientScope("read:roles"));
    expect(await sdkRefusal(usersOnly.get("rol_member"))).toEqual(insufficientScope("read:roles"));
    expect(await sdkRefusal(usersOnly.permissions.list("rol_member"))).toEqual(
      insufficientScope("read:roles"),
    );
  });

  it("a role's users need read:users, read:roles or read:role_members", async () => {
    for (const scope of ["read:users", "read:roles", "read:role_members"]) {
      const page = await rolesClientWith(scope).users.list("rol_platform_operator");
      expect(page.data.map((user) => user.user_id)).toEqual(["auth0|operator"]);
    }
    expect(await sdkRefusal(rolesClientWith("read:clients").users.list("rol_member"))).toEqual(
      insufficientScope("read:users,read:roles,read:role_members"),
    );
  });

  it("a token with only read:roles reads roles and permissions", async () => {
    const rolesOnly = rolesClientWith("read:roles");

    expect((await rolesOnly.list()).data).toHaveLength(4);
    expect(await rolesOnly.get("rol_member")).toEqual(MEMBER);
    expect((await rolesOnly.permissions.list("rol_member")).data).toHaveLength(1);
  });
});
