// A rule that fails because of a bug or a misconfiguration is loud: INTERNAL_SERVER_ERROR to the client and
// its cause in the server's log — never a quiet FORBIDDEN, and never an allow.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fetch(`${stack.emulator.url}/__emulator/faults`, { method: "DELETE" });
});

describe("a rule that throws", () => {
  it("answers INTERNAL_SERVER_ERROR at its field, logs the cause, and changes nothing", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    // Auth0 refusing Gatehouse's own Management token (a client grant missing a scope) is no client's fault:
    // the role check cannot run, which must not read as "you may not".
    await fetch(`${stack.emulator.url}/__emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "GET", path: "/api/v2/roles", status: 403, times: 5 }),
    });
    const logged: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
      logged.push(parts.map(String).join(" "));
    });

    const response = await stack.graphql(
      'mutation { assignRoles(userId: "auth0|acme-member", roles: ["user-manager"]) { roles } }',
      { authorization },
    );
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
    expect(ruleFailure).toContain("HTTP 403");
    expect(logged.join("\n")).not.toContain(authorization.slice(7, 40));

    const member = await stack.graphql('{ user(id: "auth0|acme-member") { roles } }', { authorization });
    expect(member.body).toEqual({ data: { user: { roles: ["member"] } } });
  });
});
