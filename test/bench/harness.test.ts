// Keeps `npm run bench`'s comparison honest: the contenders answer the benchmark's query with the same data as
// Gatehouse itself, and the usual shield setup refuses exactly what Gatehouse refuses, so no contender is
// faster for doing less.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startContender,
  type ContenderName,
  type RunningContender,
} from "../../bench/alternatives/contenders.js";
import {
  BENCH_PASSWORD,
  fillTenant,
  ROLELESS_EMAIL,
  snapshotTenant,
  TENANT_ID,
  TENANT_SIZE,
  USERS_QUERY,
} from "../../bench/alternatives/tenant.js";
import { managementApi } from "../../bench/support.js";
import { organizationLogin } from "../../src/dev/login.js";
import { bearer, GATEHOUSE_API, SPA_CALLBACK, startStack, type Stack } from "../support/stack.js";

interface Answer {
  status: number;
  data: unknown;
  /** Where each error is and its code, in path order: what a client can tell of a refusal. */
  errors: { path: string; code: unknown }[];
}

let stack: Stack;
const contenders = new Map<ContenderName, RunningContender>();
const tokens: Record<"admin" | "member" | "roleless", string> = { admin: "", member: "", roleless: "" };

async function answer(url: string, authorization: string | undefined, query = USERS_QUERY): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as {
    data?: unknown;
    errors?: { path?: (string | number)[]; extensions?: { code?: unknown } }[];
  };
  return {
    status: response.status,
    data: body.data ?? null,
    errors: (body.errors ?? [])
      .map((error) => ({ path: (error.path ?? []).join("."), code: error.extensions?.code }))
      .sort((a, b) => a.path.localeCompare(b.path)),
  };
}

const gatehouse = (authorization?: string, query?: string) =>
  answer(`${stack.url}/graphql`, authorization, query);
const contender = (name: ContenderName, authorization?: string, query?: string) =>
  answer(contenders.get(name)?.url ?? "", authorization, query);

async function login(email: string): Promise<string> {
  const response = await organizationLogin({
    issuer: stack.emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-spa",
    callback: SPA_CALLBACK,
    email,
    password: email === ROLELESS_EMAIL ? BENCH_PASSWORD : "Gatehouse-dev-1",
    scope: "openid",
    organization: TENANT_ID,
  });
  return bearer(response.access_token);
}

beforeAll(async () => {
  stack = await startStack();
  const call = await managementApi(stack.emulator.url, stack.emulator.issuer);
  await fillTenant(call);
  // Logging in changes a user's last login: every login happens before the rows are taken and synced.
  tokens.admin = await login("admin@acme.test");
  tokens.member = await login("member@acme.test");
  tokens.roleless = await login(ROLELESS_EMAIL);
  const rows = await snapshotTenant(call);
  await stack.syncDirectory();
  for (const name of ["bare", "shield", "authz", "rules"] as const) {
    contenders.set(name, await startContender(name, { issuer: stack.emulator.issuer, rows }));
  }
}, 60_000);

afterAll(async () => {
  for (const running of contenders.values()) await running.close();
  await stack?.close();
});

describe("the benchmark's contenders", () => {
  it("answer an admin's list of the tenant's 50 users with exactly Gatehouse's data", async () => {
    const expected = await gatehouse(tokens.admin);
    expect(expected.errors).toEqual([]);
    const nodes = (expected.data as { users: { nodes: { roles: string[]; lastLogin: string | null }[] } })
      .users.nodes;
    expect(nodes).toHaveLength(TENANT_SIZE);
    // The guarded fields carry data, so that a contender leaving them out could not pass.
    expect(nodes.filter((user) => user.roles.length > 0).length).toBeGreaterThan(TENANT_SIZE / 2);
    expect(nodes.filter((user) => user.lastLogin !== null)).toHaveLength(3);
    for (const name of ["bare", "shield", "authz", "rules"] as const) {
      expect({ name, ...(await contender(name, tokens.admin)) }).toEqual({ name, ...expected });
    }
  });

  it("refuse a member the roles and last logins of others, as Gatehouse does, and show them their own", async () => {
    const expected = await gatehouse(tokens.member);
    // A member holds read:users only: roles and lastLogin of the 49 others are refused, field by field.
    expect(expected.errors).toHaveLength(2 * (TENANT_SIZE - 1));
    expect(new Set(expected.errors.map((error) => error.code))).toEqual(new Set(["FORBIDDEN"]));
    for (const name of ["shield", "authz", "rules"] as const) {
      expect({ name, ...(await contender(name, tokens.member)) }).toEqual({ name, ...expected });
    }
  });

  it("refuse the list to a member without read:users, as Gatehouse does", async () => {
    const expected = await gatehouse(tokens.roleless);
    expect(expected).toEqual({
      status: 200,
      data: { users: null },
      errors: [{ path: "users", code: "FORBIDDEN" }],
    });
    for (const name of ["shield", "authz", "rules"] as const) {
      expect({ name, ...(await contender(name, tokens.roleless)) }).toEqual({ name, ...expected });
    }
  });

  it("refuse anonymous callers and forged tokens, as Gatehouse does", async () => {
    const anonymous = await gatehouse(undefined);
    expect(anonymous.errors).toEqual([{ path: "users", code: "FORBIDDEN" }]);
    const [header, , signature] = tokens.admin.replace("Bearer ", "").split(".");
    const forged = bearer(
      `${header}.${Buffer.from(JSON.stringify({ sub: "auth0|acme-admin", permissions: ["read:users"] })).toString("base64url")}.${signature}`,
    );
    expect((await gatehouse(forged)).status).toBe(401);
    for (const name of ["shield", "authz", "rules"] as const) {
      expect({ name, ...(await contender(name, undefined)) }).toEqual({ name, ...anonymous });
      expect((await contender(name, forged)).status).toBe(401);
    }
  });
});
