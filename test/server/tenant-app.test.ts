import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, bearer, errorsByPath, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("a tenant's back end", () => {
  it("by bearer token sees itself as TENANT_APP of its tenant with its grant's scopes", async () => {
    const token = await stack.clientToken("acme-backend", "acme-backend-secret");
    const response = await stack.graphql(
      "{ viewer { kind subject clientId permissions tenant { id name displayName } user { id } } }",
      {
        authorization: bearer(token),
      },
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        viewer: {
          kind: "TENANT_APP",
          subject: "acme-backend@clients",
          clientId: "acme-backend",
          permissions: ["create:users", "read:users"],
          tenant: { id: "org_acme", name: "acme", displayName: "Acme Corp" },
          user: null,
        },
      },
    });
  });

  it("by Basic credentials reads its tenant's users but not their roles or login details", async () => {
    const response = await stack.graphql("{ users { totalCount nodes { id email roles blocked } } }", {
      authorization: basic("acme-backend", "acme-backend-secret"),
    });
    expect(response.status).toBe(200);
    const users =
      (response.body.data?.users as { totalCount: number; nodes: { id: string; email: string }[] }) ?? null;
    expect(users.totalCount).toBe(4);
    expect(users.nodes.map((user) => user.email).sort()).toEqual([
      "admin@acme.test",
      "consultant@example.test",
      "manager@acme.test",
      "member@acme.test",
    ]);
    const errors = errorsByPath(response);
    // roles and blocked of each of the four members
    expect(Object.keys(errors).length).toBe(8);
    for (const [path, code] of Object.entries(errors)) {
      expect(path).toMatch(/^users\.nodes\.\d\.(roles|blocked)$/);
      expect(code).toBe("FORBIDDEN");
    }
  });

  it("by a native key is a TENANT_APP of the key's tenant with the key's scopes, and can create users", async () => {
    const created = await stack.graphql(
      'mutation { createApiKey(name: "Native back end", scopes: ["read:users", "create:users"]) { clientId clientSecret } }',
      { authorization: bearer(await stack.userToken("admin@acme.test")) },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    const viewer = await stack.graphql(
      "{ viewer { kind subject clientId permissions tenant { id } user { id } } }",
      {
        authorization: bearer(key.clientSecret),
      },
    );
    expect(viewer.body).toEqual({
      data: {
        viewer: {
          kind: "TENANT_APP",
          subject: key.clientId,
          clientId: key.clientId,
          permissions: ["create:users", "read:users"],
          tenant: { id: "org_acme" },
          user: null,
        },
      },
    });
    const user = await stack.graphql(
      'mutation { createUser(input: { email: "made-by-native-key@acme.test", password: "Str0ng-Passw0rd!" }) { email } }',
      { authorization: bearer(key.clientSecret) },
    );
    expect(user.body).toEqual({ data: { createUser: { email: "made-by-native-key@acme.test" } } });
    // It acts in its own tenant only: Globex's users are not its to read.
    const globex = await stack.graphql('{ tenant(id: "org_globex") { id } }', {
      authorization: bearer(key.clientSecret),
    });
    expect(globex.body.data).toEqual({ tenant: null });
    expect(globex.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "read:tenants",
    });
  });
});
