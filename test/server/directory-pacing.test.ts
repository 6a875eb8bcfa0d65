// The directory's background reads of Auth0 share the Management API's rate limit with everything else on
// the tenant: they take at most a share of each bucket, so they never get a 429 and never leave the request
// path's writes without room.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ emulator: { rateLimitProfile: "essentials" } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe("the directory's sync under Auth0's essentials rate limits", () => {
  it("imports and passes again without a single rate-limited request, and writes still find room", async () => {
    const afterImport = await stack.stats();
    expect(afterImport.rateLimited).toBe(0);
    expect(Object.keys(afterImport.management).length).toBeGreaterThan(5);

    await stack.resetStats();
    const admin = bearer(await stack.userToken("admin@globex.test"));
    const [pass, write] = await Promise.all([
      stack.gatehouse.directory.leasedPass(),
      stack.graphql(
        'mutation { updateUser(id: "auth0|globex-member", input: { name: "Gia Paced" }) { name } }',
        {
          authorization: admin,
        },
      ),
    ]);
    expect(pass).not.toBeNull();
    expect(write.body).toEqual({ data: { updateUser: { name: "Gia Paced" } } });
    expect((await stack.stats()).rateLimited).toBe(0);
  }, 60_000);
});
