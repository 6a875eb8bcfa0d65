import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

// Its own stack: forced JWKS refreshes are throttled per verifier, so no other test may have just caused one.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("the issuer's key rotation", () => {
  it("a token signed with a key the issuer just rotated in is accepted at once (one JWKS refresh)", async () => {
    const before = await stack.userToken("admin@acme.test");
    expect((await stack.graphql("{ viewer { kind } }", { authorization: bearer(before) })).status).toBe(200);
    const rotated = await fetch(`${stack.emulator.url}/__emulator/rotate-keys`, { method: "POST" });
    expect(rotated.status).toBe(200);
    const after = await stack.userToken("manager@acme.test");
    const response = await stack.graphql("{ viewer { subject } }", { authorization: bearer(after) });
    expect(response.body).toEqual({ data: { viewer: { subject: "auth0|acme-manager" } } });
    // The old key stays published for its grace period, so tokens it signed still verify.
    const again = await stack.userToken("member@acme.test");
    expect((await stack.graphql("{ viewer { kind } }", { authorization: bearer(again) })).status).toBe(200);
  });
});
