import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnerTokensFor } from "../support/partner-login.js";
import { basic, bearer, startStack, type GraphQLResponse, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

interface Identity {
  name: string;
  authorization: () => Promise<string>;
  /** The user's own id, for users. */
  self?: string;
}

const user = (email: string, self: string): Identity => ({
  name: email,
  self,
  authorization: async () => bearer(await stack.userToken(email)),
});
const appByBearer = (clientId: string): Identity => ({
  name: `${clientId} (Bearer)`,
  authorization: async () => bearer(await stack.clientToken(clientId, `${clientId}-secret`)),
});
const appByBasic = (clientId: string): Identity => ({
  name: `${clientId} (Basic)`,
  authorization: async () => basic(clientId, `${clientId}-secret`),
});

const LIST_USERS = "{ users { totalCount nodes { id email name roles blocked lastLogin loginsCount } } }";

/** Which fields of the user list came back, row by row: the value's presence, or the error code. */
function userListOutcome(response: GraphQLResponse): Record<string, Record<string, string>> {
  const nodes = ((response.body.data?.users as { nodes: Record<string, unknown>[] } | null)?.nodes ??
    []) as Record<string, unknown>[];
  const errors = new Map(
    (response.body.errors ?? []).map((error) => [error.path?.join("."), String(error.extensions?.code)]),
  );
  const outcome: Record<string, Record<string, string>> = {};
  nodes.forEach((node, index) => {
    const row: Record<string, string> = {};
    for (const field of ["email", "roles", "blocked", "lastLogin", "loginsCount"]) {
      row[field] = errors.get(`users.nodes.${index}.${field}`) ?? "ok";
    }
    outcome[String(node.id)] = row;
  });
  return outcome;
}

const OK = { email: "ok", roles: "ok", blocked: "ok", lastLogin: "ok", loginsCount: "ok" };
const EMAIL_ONLY = {
  email: "ok",
  roles: "FORBIDDEN",
  blocked: "FORBIDDEN",
  lastLogin: "FORBIDDEN",
  loginsCount: "FORBIDDEN",
};
const NO_ROLES = { ...OK, roles: "FORBIDDEN" };

const ACME = ["auth0|acme-admin", "auth0|acme-manager", "auth0|acme-member", "auth0|consultant"];
const GLOBEX = ["auth0|globex-admin", "auth0|globex-member", "auth0|consultant"];

function rows(
  ids: string[],
  row: Record<string, string>,
  overrides: Record<string, Record<string, string>> = {},
) {
  return Object.fromEntries(ids.map((id) => [id, overrides[id] ?? row]));
}

describe("each seeded identity sees exactly the fields its permissions allow", () => {
  const cases: [Identity, Record<string, Record<string, string>>][] = [
    [user("admin@acme.test", "auth0|acme-admin"), rows(ACME, OK)],
    [user("manager@acme.test", "auth0|acme-manager"), rows(ACME, OK)],
    [user("member@acme.test", "auth0|acme-member"), rows(ACME, EMAIL_ONLY, { "auth0|acme-member": OK })],
    [user("admin@globex.test", "auth0|globex-admin"), rows(GLOBEX, OK)],
    [
      user("member@globex.test", "auth0|globex-member"),
      rows(GLOBEX, EMAIL_ONLY, { "auth0|globex-member": OK }),
    ],
    [appByBearer("acme-backend"), rows(ACME, EMAIL_ONLY)],
    [appByBasic("acme-backend"), rows(ACME, EMAIL_ONLY)],
    [appByBearer("globex-backend"), rows(GLOBEX, NO_ROLES)],
    [appByBasic("globex-backend"), rows(GLOBEX, NO_ROLES)],
  ];

  it.each(cases)("$name lists their tenant's users", async (identity, expected) => {
    const response = await stack.graphql(LIST_USERS, { authorization: await identity.authorization() });
    expect(response.status).toBe(200);
    expect(userListOutcome(response)).toEqual(expected);
    const users = response.body.data?.users as { totalCount: number };
    expect(users.totalCount).toBe(Object.keys(expected).length);
  });

  it("the operator acts in no tenant, so lists a tenant's users through that tenant", async () => {
    const authorization = bearer(await stack.userToken("operator@gatehouse.test"));
    const own = await stack.graphql("{ users { totalCount } }", { authorization });
    expect(own.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const response = await stack.graphql(
      '{ tenant(id: "org_globex") { plan { name } users { totalCount nodes { id roles } } } }',
      {
        authorization,
      },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({
      tenant: {
        plan: { name: "free" },
        users: {
          totalCount: 3,
          nodes: [
            // The consultant is a user manager in Acme: here, their Globex roles.
            { id: "auth0|consultant", roles: ["member"] },
            { id: "auth0|globex-admin", roles: ["tenant-admin"] },
            { id: "auth0|globex-member", roles: ["member"] },
          ],
        },
      },
    });
  });
});

describe("a partner acting for a user", () => {
  it("gets no permissions while its integration is not enabled: every protected field is refused", async () => {
    const { accessToken } = await partnerTokensFor(stack.emulator, "member@acme.test", "read:users");
    const authorization = bearer(accessToken);
    const viewer = await stack.graphql("{ viewer { kind subject clientId permissions tenant { id } } }", {
      authorization,
    });
    expect(viewer.body).toEqual({
      data: {
        viewer: {
          kind: "PARTNER",
          subject: "auth0|acme-member",
          clientId: "initech-cms",
          permissions: [],
          tenant: { id: "org_acme" },
        },
      },
    });
    for (const query of [
      LIST_USERS,
      '{ user(id: "auth0|acme-member") { id } }',
      "{ tenant { plan { name } } }",
    ]) {
      const response = await stack.graphql(query, { authorization });
      expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
      expect(response.body.errors?.[0]?.message).toContain("integration is not enabled");
    }
  });
});

describe("tenants", () => {
  it("a tenant admin reads their own tenant's plan but not another tenant", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    const own = await stack.graphql("{ tenant { id name displayName plan { name } } }", {
      authorization,
    });
    expect(own.body).toEqual({
      data: { tenant: { id: "org_acme", name: "acme", displayName: "Acme Corp", plan: { name: "pro" } } },
    });
    const other = await stack.graphql('{ tenant(id: "org_globex") { id } }', { authorization });
    expect(other.body.data).toEqual({ tenant: null });
    expect(other.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "read:tenants",
    });
    const all = await stack.graphql("{ tenants { nodes { id } } }", { authorization });
    // Only the refused field is null; the response's data is there.
    expect(all.body.data).toEqual({ tenants: null });
    expect(all.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("a member cannot read the plan; the rest of the tenant comes back", async () => {
    const authorization = bearer(await stack.userToken("member@acme.test"));
    const response = await stack.graphql("{ tenant { id name plan { name } } }", { authorization });
    expect(response.body.data).toEqual({ tenant: { id: "org_acme", name: "acme", plan: null } });
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        path: ["tenant", "plan"],
        extensions: { code: "FORBIDDEN", missingPermission: "read:tenant" },
      }),
    ]);
  });

  it("the operator pages through every tenant", async () => {
    const authorization = bearer(await stack.userToken("operator@gatehouse.test"));
    const first = await stack.graphql(
      "{ tenants(first: 1) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }",
      { authorization },
    );
    const page = first.body.data?.tenants as {
      totalCount: number;
      nodes: { id: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    expect(page.totalCount).toBe(2);
    expect(page.nodes).toHaveLength(1);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const second = await stack.graphql(
      "query($after: String) { tenants(first: 5, after: $after) { nodes { id } pageInfo { hasNextPage } } }",
      {
        authorization,
        variables: { after: page.pageInfo.endCursor },
      },
    );
    const rest = second.body.data?.tenants as { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } };
    expect([...page.nodes, ...rest.nodes].map((tenant) => tenant.id).sort()).toEqual([
      "org_acme",
      "org_globex",
    ]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});

describe("users across tenants", () => {
  it("another tenant's user is NOT_FOUND, never FORBIDDEN, exactly like a user that does not exist", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    for (const id of ["auth0|globex-member", "auth0|nobody-at-all"]) {
      const response = await stack.graphql("query($id: ID!) { user(id: $id) { id email } }", {
        authorization,
        variables: { id },
      });
      expect(response.body.data).toEqual({ user: null });
      expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    }
  });

  it("a member may read themselves in full, and another member without login details", async () => {
    const authorization = bearer(await stack.userToken("member@acme.test"));
    const self = await stack.graphql(
      '{ user(id: "auth0|acme-member") { id email roles blocked loginsCount tenant { id } } }',
      {
        authorization,
      },
    );
    expect(self.body.errors).toBeUndefined();
    expect(self.body.data?.user).toMatchObject({
      id: "auth0|acme-member",
      email: "member@acme.test",
      roles: ["member"],
      blocked: false,
      tenant: { id: "org_acme" },
    });
    const other = await stack.graphql('{ user(id: "auth0|acme-admin") { id email blocked } }', {
      authorization,
    });
    expect(other.body.data).toEqual({
      user: { id: "auth0|acme-admin", email: "admin@acme.test", blocked: null },
    });
    expect(
      other.body.errors?.map((error) => [error.path?.join("."), error.extensions?.missingPermission]),
    ).toEqual([["user.blocked", "update:users"]]);
  });

  it("acme's back end creates a user in Acme by Basic credentials and cannot touch Globex", async () => {
    const authorization = basic("acme-backend", "acme-backend-secret");
    const created = await stack.graphql(
      'mutation { createUser(input: { email: "new.hire@acme.test", name: "New Hire", password: "Str0ng-Passw0rd!" }) { id email tenant { id } } }',
      { authorization },
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createUser).toMatchObject({
      email: "new.hire@acme.test",
      tenant: { id: "org_acme" },
    });

    const intoGlobex = await stack.graphql(
      'mutation { createUser(input: { email: "spy@globex.test", tenantId: "org_globex" }) { id } }',
      { authorization },
    );
    expect(intoGlobex.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "manage:tenants",
    });
    const read = await stack.graphql('{ user(id: "auth0|globex-member") { id } }', { authorization });
    expect(read.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const block = await stack.graphql(
      'mutation { setUserBlocked(id: "auth0|globex-member", blocked: true) { id } }',
      {
        authorization,
      },
    );
    expect(block.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });
  });

  it("globex's back end may block its own member but sees Acme's users as absent", async () => {
    const authorization = basic("globex-backend", "globex-backend-secret");
    const blocked = await stack.graphql(
      'mutation { setUserBlocked(id: "auth0|globex-member", blocked: true) { id blocked } }',
      {
        authorization,
      },
    );
    expect(blocked.body).toEqual({ data: { setUserBlocked: { id: "auth0|globex-member", blocked: true } } });
    await stack.graphql('mutation { setUserBlocked(id: "auth0|globex-member", blocked: false) { id } }', {
      authorization,
    });
    const acme = await stack.graphql(
      'mutation { setUserBlocked(id: "auth0|acme-member", blocked: true) { id } }',
      {
        authorization,
      },
    );
    expect(acme.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
  });
});

describe("mutations by role", () => {
  it("a member reads users but cannot update them; a user manager can", async () => {
    const member = bearer(await stack.userToken("member@acme.test"));
    const refused = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-manager", input: { name: "Renamed" }) { id name } }',
      {
        authorization: member,
      },
    );
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });

    const manager = bearer(await stack.userToken("manager@acme.test"));
    const updated = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Mia M. Member" }) { id name } }',
      {
        authorization: manager,
      },
    );
    expect(updated.body).toEqual({
      data: { updateUser: { id: "auth0|acme-member", name: "Mia M. Member" } },
    });
    await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Mia Member" }) { id } }',
      { authorization: manager },
    );
  });

  it("users change their own name and picture, but not their own email", async () => {
    const member = bearer(await stack.userToken("member@acme.test"));
    const own = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Mia", picture: "https://example.com/mia.png" }) { name picture } }',
      {
        authorization: member,
      },
    );
    expect(own.body).toEqual({
      data: { updateUser: { name: "Mia", picture: "https://example.com/mia.png" } },
    });
    const email = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { email: "mia@evil.test" }) { email } }',
      {
        authorization: member,
      },
    );
    expect(email.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });
    await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Mia Member" }) { id } }',
      { authorization: member },
    );
  });

  it("a user manager cannot change, block or delete someone who holds more than they do", async () => {
    const manager = bearer(await stack.userToken("manager@acme.test"));
    for (const mutation of [
      'updateUser(id: "auth0|acme-admin", input: { email: "max+owned@acme.test" }) { id }',
      'setUserBlocked(id: "auth0|acme-admin", blocked: true) { id }',
    ]) {
      const response = await stack.graphql(`mutation { ${mutation} }`, { authorization: manager });
      expect(response.body.data).toBeNull();
      expect(response.body.errors?.[0]?.extensions).toEqual({
        code: "FORBIDDEN",
        missingPermission: "delete:users",
      });
    }
    const admin = stack.emulator.context.store.data.users["auth0|acme-admin"];
    expect(admin?.email).toBe("admin@acme.test");
    expect(admin?.blocked).toBe(false);
  });

  it("a user may send email: null alongside their own name", async () => {
    const member = bearer(await stack.userToken("member@acme.test"));
    const response = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Mia Member", email: null }) { name } }',
      { authorization: member },
    );
    expect(response.body).toEqual({ data: { updateUser: { name: "Mia Member" } } });
  });

  it("seeing every tenant (read:tenants) is not changing every tenant (manage:tenants)", async () => {
    // An auditor role the seed does not have, set up directly in the emulator's state.
    const data = stack.emulator.context.store.data;
    data.roles.rol_auditor = {
      id: "rol_auditor",
      name: "auditor",
      description: "Reads every tenant",
      permissions: ["read:tenants", "read:users", "update:users", "delete:users", "read:roles"].map(
        (permission_name) => ({
          resource_server_identifier: "https://api.gatehouse.local",
          permission_name,
        }),
      ),
    };
    data.users["auth0|auditor"] = {
      ...data.users["auth0|operator"]!,
      user_id: "auth0|auditor",
      email: "auditor@gatehouse.test",
    };
    data.userRoles["auth0|auditor"] = ["rol_auditor"];
    const auditor = bearer(await stack.userToken("auditor@gatehouse.test"));
    const read = await stack.graphql('{ user(id: "auth0|globex-member") { email } }', {
      authorization: auditor,
    });
    expect(read.body).toEqual({ data: { user: { email: "member@globex.test" } } });
    const write = await stack.graphql(
      'mutation { setUserBlocked(id: "auth0|globex-member", blocked: true) { id } }',
      {
        authorization: auditor,
      },
    );
    expect(write.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "manage:tenants",
    });
    expect(data.users["auth0|globex-member"]?.blocked).toBe(false);

    const operator = bearer(await stack.userToken("operator@gatehouse.test"));
    const operated = await stack.graphql(
      'mutation { updateUser(id: "auth0|globex-member", input: { name: "Gia M." }) { name } }',
      {
        authorization: operator,
      },
    );
    expect(operated.body).toEqual({ data: { updateUser: { name: "Gia M." } } });
    await stack.graphql(
      'mutation { updateUser(id: "auth0|globex-member", input: { name: "Gia Member" }) { name } }',
      {
        authorization: operator,
      },
    );
  });

  it("nobody blocks or deletes themselves", async () => {
    const admin = bearer(await stack.userToken("admin@acme.test"));
    for (const mutation of [
      'setUserBlocked(id: "auth0|acme-admin", blocked: true) { id }',
      'deleteUser(id: "auth0|acme-admin")',
    ]) {
      const response = await stack.graphql(`mutation { ${mutation} }`, { authorization: admin });
      expect(response.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
  });

  it("nobody grants a role carrying a permission they do not hold", async () => {
    const admin = bearer(await stack.userToken("admin@acme.test"));
    const refused = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|acme-member", roles: ["platform-operator"]) { roles } }',
      {
        authorization: admin,
      },
    );
    expect(refused.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "read:tenants",
    });
    const granted = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|acme-member", roles: ["user-manager"]) { roles } }',
      {
        authorization: admin,
      },
    );
    expect(granted.body).toEqual({ data: { assignRoles: { roles: ["member", "user-manager"] } } });
    const unknown = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|acme-member", roles: ["wizard"]) { roles } }',
      {
        authorization: admin,
      },
    );
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
