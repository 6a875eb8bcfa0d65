import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import { emulatorOnFreePort } from "./helpers.js";
import { passwordLogin } from "./user-login.js";

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
});
afterAll(async () => {
  await emulator.close();
});

async function adaToken(scope: string): Promise<string> {
  const response = await passwordLogin(emulator, "admin@acme.test", "Gatehouse-dev-1", { scope });
  expect(response.status).toBe(200);
  return response.body.access_token as string;
}

function userinfo(authorization?: string) {
  return fetch(`${emulator.url}/userinfo`, { headers: authorization ? { authorization } : {} });
}

describe("GET /userinfo", () => {
  it("answers the claims the token's scope releases", async () => {
    const response = await userinfo(`Bearer ${await adaToken("openid profile email")}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      sub: "auth0|acme-admin",
      nickname: "admin",
      name: "Ada Admin",
      picture: expect.stringMatching(/^https:\/\//),
      updated_at: expect.any(String),
      email: "admin@acme.test",
      email_verified: true,
    });
    const openidOnly = await userinfo(`Bearer ${await adaToken("openid")}`);
    expect(await openidOnly.json()).toEqual({ sub: "auth0|acme-admin" });
  });

  it("refuses a token without the userinfo audience, and no token, with a bare 401", async () => {
    for (const authorization of [`Bearer ${await adaToken("read:users")}`, undefined, "Bearer not-a-token"]) {
      const response = await userinfo(authorization);
      expect(response.status).toBe(401);
      expect(await response.text()).toBe("Unauthorized");
    }
  });
});
