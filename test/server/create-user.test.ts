import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let manager: string;
beforeAll(async () => {
  stack = await startStack();
  manager = bearer(await stack.userToken("admin@acme.test"));
});
afterAll(async () => {
  await stack?.close();
});

const CREATE =
  "mutation($input: CreateUserInput!) { createUser(input: $input) { id email name roles tenant { id } } }";

async function emulatorUsersWithEmail(email: string): Promise<unknown[]> {
  return Object.values(stack.emulator.context.store.data.users).filter((user) => user.email === email);
}

async function injectFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${stack.emulator.url}/__emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  expect(response.status).toBe(201);
}

describe("createUser", () => {
  it("creates the user in the caller's tenant with the roles asked for", async () => {
    const response = await stack.graphql(CREATE, {
      authorization: manager,
      variables: {
        input: { email: "ann@acme.test", name: "Ann", password: "Str0ng-Passw0rd!", roles: ["member"] },
      },
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createUser).toMatchObject({
      email: "ann@acme.test",
      name: "Ann",
      roles: ["member"],
      tenant: { id: "org_acme" },
    });
  });

  it.each([
    ["an invalid email", { email: "not-an-email" }, "email"],
    ["a weak password", { email: "weak@acme.test", password: "abc" }, "password"],
    ["an unknown role", { email: "role@acme.test", roles: ["wizard"] }, "roles"],
    ["a duplicate email", { email: "member@acme.test", password: "Str0ng-Passw0rd!" }, "email"],
  ])("refuses %s as BAD_USER_INPUT and writes nothing", async (_name, input, field) => {
    const before = Object.keys(stack.emulator.context.store.data.users).length;
    const response = await stack.graphql(CREATE, { authorization: manager, variables: { input } });
    expect(response.body.data).toBeNull();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(Object.keys(stack.emulator.context.store.data.users).length).toBe(before);
  });

  it("leaves no half-made user behind when adding them to the tenant fails", async () => {
    await injectFault({ method: "POST", path: "/api/v2/organizations/*/members", status: 400, times: 1 });
    const response = await stack.graphql(CREATE, {
      authorization: manager,
      variables: { input: { email: "half@acme.test", password: "Str0ng-Passw0rd!" } },
    });
    expect(response.body.data).toBeNull();
    expect(response.body.errors).toHaveLength(1);
    expect(await emulatorUsersWithEmail("half@acme.test")).toEqual([]);
  });

  it("leaves no half-made user behind when assigning roles fails", async () => {
    // The roles are the new member's organization roles in the tenant.
    await injectFault({
      method: "POST",
      path: "/api/v2/organizations/*/members/*/roles",
      status: 503,
      times: 5,
    });
    const response = await stack.graphql(CREATE, {
      authorization: manager,
      variables: { input: { email: "norole@acme.test", password: "Str0ng-Passw0rd!", roles: ["member"] } },
    });
    expect(response.body.data).toBeNull();
    expect(response.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(await emulatorUsersWithEmail("norole@acme.test")).toEqual([]);
    const members = stack.emulator.context.store.data.members.org_acme ?? [];
    expect(members.every((id) => stack.emulator.context.store.data.users[id])).toBe(true);
  });
});
