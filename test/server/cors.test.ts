import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatehouse: { corsOrigins: ["https://app.example.com"] } });
});
afterAll(async () => {
  await stack?.close();
});

function preflight(origin: string) {
  return fetch(`${stack.url}/graphql`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });
}

describe("browsers on other origins", () => {
  it("the configured SPA origin may call the API with a bearer token", async () => {
    const response = await preflight("https://app.example.com");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();

    const call = await fetch(`${stack.url}/graphql`, {
      method: "POST",
      headers: { origin: "https://app.example.com", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { kind } }" }),
    });
    expect(call.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(await call.json()).toEqual({ data: { viewer: { kind: "ANONYMOUS" } } });
  });

  it("any other origin is not allowed", async () => {
    const response = await preflight("https://evil.example.com");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
