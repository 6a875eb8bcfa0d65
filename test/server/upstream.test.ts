import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function control(path: string, body: unknown): Promise<void> {
  await fetch(`${stack.emulator.url}/__emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("when Auth0 rate limits or fails", () => {
  it("a 429 that Auth0 lifts in time is retried and the request succeeds", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    await control("faults", {
      method: "GET",
      path: "/api/v2/organizations/*/members",
      status: 429,
      times: 1,
    });
    const response = await stack.graphql("{ users { totalCount } }", { authorization });
    expect(response.body).toEqual({ data: { users: { totalCount: 3 } } });
  });

  it("a field that still cannot be served is null with UPSTREAM_UNAVAILABLE, the rest intact", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    await control("faults", { method: "GET", path: "/api/v2/roles", status: 429, times: 3 });
    const response = await stack.graphql(
      '{ viewer { kind } user(id: "auth0|acme-member") { id email roles } }',
      {
        authorization,
      },
    );
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      viewer: { kind: "USER" },
      user: { id: "auth0|acme-member", email: "member@acme.test", roles: null },
    });
    expect(response.body.errors?.map((error) => [error.path?.join("."), error.extensions?.code])).toEqual([
      ["user.roles", "UPSTREAM_UNAVAILABLE"],
    ]);
  });
});
