// A rule that fails because of a bug or a failing part is loud: INTERNAL_SERVER_ERROR to the client and its
// cause in the server's log — never a quiet FORBIDDEN, and never an allow.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseUrl, dropSchema, queryPostgres, randomSchema } from "../store/databases.js";
import { bearer, startStack, type Stack } from "../support/stack.js";

const schema = randomSchema();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatehouse: { store: { databaseUrl, schema } } });
});
afterAll(async () => {
  await stack?.close();
  await dropSchema(schema);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("a rule that throws", () => {
  it("answers INTERNAL_SERVER_ERROR at its field, logs the cause, and changes nothing", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
      logged.push(parts.map(String).join(" "));
    });
    // The roles the rule checks cannot be read (a broken migration, a revoked grant): that is no denial.
    await queryPostgres(`alter table "${schema}".directory_roles rename to directory_roles_unreadable`);
    let response;
    try {
      response = await stack.graphql(
        'mutation { assignRoles(userId: "auth0|acme-member", roles: ["user-manager"]) { roles } }',
        { authorization },
      );
    } finally {
      await queryPostgres(`alter table "${schema}".directory_roles_unreadable rename to directory_roles`);
    }
    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: "Internal server error",
        path: ["assignRoles"],
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      }),
    ]);
    const ruleFailure = logged.find((line) => line.includes("grantsOnlyHeldPermissions"));
    expect(ruleFailure).toContain("directory_roles");
    expect(logged.join("\n")).not.toContain(authorization.slice(7, 40));

    const member = await stack.graphql('{ user(id: "auth0|acme-member") { roles } }', { authorization });
    expect(member.body).toEqual({ data: { user: { roles: ["member"] } } });
  });
});
