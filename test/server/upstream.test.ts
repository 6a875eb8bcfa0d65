import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, bearer, startStack, type Stack } from "../support/stack.js";

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
    expect(response.body).toEqual({ data: { users: { totalCount: 4 } } });
  });

  it("a field that still cannot be served is null with UPSTREAM_UNAVAILABLE, the rest intact", async () => {
    const authorization = bearer(await stack.userToken("admin@acme.test"));
    await control("faults", {
      method: "GET",
      path: "/api/v2/organizations/*/members/*/roles",
      status: 429,
      times: 3,
    });
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

  it("credentials that cannot be checked because Auth0 fails get 503 with Retry-After, not a 401", async () => {
    const token = await stack.clientToken("globex-backend", "globex-backend-secret");
    await control("faults", { method: "GET", path: "/api/v2/clients/globex-backend", status: 503, times: 3 });
    const response = await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    // Once Auth0 answers again, the same token is served.
    expect((await stack.graphql("{ viewer { kind } }", { authorization: bearer(token) })).status).toBe(200);
  });

  it("an API key that cannot be exchanged because Auth0's token endpoint fails gets 503", async () => {
    await control("faults", { method: "POST", path: "/oauth/token", status: 503, times: 1 });
    const response = await stack.graphql("{ viewer { kind } }", {
      authorization: basic("acme-backend", "acme-backend-secret"),
    });
    expect(response.status).toBe(503);
    expect(response.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(
      (
        await stack.graphql("{ viewer { kind } }", {
          authorization: basic("acme-backend", "acme-backend-secret"),
        })
      ).status,
    ).toBe(200);
  });
});
