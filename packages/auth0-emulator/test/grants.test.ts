import type { UserGrantsClient } from "auth0/userGrants";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredUserGrant } from "../src/model.js";
import { newId } from "../src/store.js";
import type { RunningEmulator } from "../src/server.js";
import {
  emulatorOnFreePort,
  GATEHOUSE_API,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
} from "./helpers.js";
import { createUser, PARTNER, pkcePair, refresh, tokensFromLogin } from "./user-login.js";

let emulator: RunningEmulator;
let userGrants: UserGrantsClient;

beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  userGrants = userGrantsWith(await managementToken(emulator));
});
afterAll(async () => {
  await emulator.close();
});

function userGrantsWith(token: string): UserGrantsClient {
  return managementClients(emulator, token).userGrants;
}

/** A consent written straight into the emulator's state, for tests of listing and filtering. */
function recordConsent(userId: string, clientId: string, audience: string, scope: string[]): StoredUserGrant {
  const grant: StoredUserGrant = { id: newId("cgr"), clientID: clientId, user_id: userId, audience, scope };
  emulator.context.store.data.userGrants[grant.id] = grant;
  return grant;
}

/** A fresh user logs in to Initech CMS, consents, and the CMS exchanges the code for tokens with a refresh token. */
async function partnerLoginWithConsent(): Promise<{ userId: string; refreshToken: string }> {
  const user = await createUser(emulator, { roles: ["rol_user_manager"], organization: "org_acme" });
  const tokens = await tokensFromLogin(emulator, {
    ...PARTNER,
    username: user.email,
    password: user.password,
    scope: "offline_access read:users",
    pkce: pkcePair(),
    consent: "accept",
  });
  return { userId: user.user_id, refreshToken: tokens.refresh_token as string };
}

const DEAD_REFRESH_TOKEN = {
  status: 403,
  body: { error: "invalid_grant", error_description: "Unknown or invalid refresh token." },
};

describe("user grants (consents)", () => {
  it("lists consents by user_id, client_id and audience, in Auth0's shape", async () => {
    const userId = `auth0|grants-${newId("")}`;
    const cms = recordConsent(userId, "initech-cms", GATEHOUSE_API, ["read:users"]);
    const other = recordConsent(userId, "gatehouse-spa", GATEHOUSE_API, ["read:users", "update:users"]);
    recordConsent("auth0|someone-else", "initech-cms", GATEHOUSE_API, ["read:users"]);

    const byUser = await userGrants.list({ user_id: userId });
    expect(byUser.response).toEqual({
      start: 0,
      limit: 50,
      length: 2,
      total: 2,
      grants: [
        {
          id: cms.id,
          clientID: "initech-cms",
          user_id: userId,
          audience: GATEHOUSE_API,
          scope: ["read:users"],
        },
        {
          id: other.id,
          clientID: "gatehouse-spa",
          user_id: userId,
          audience: GATEHOUSE_API,
          scope: ["read:users", "update:users"],
        },
      ],
    });
    const byClient = await userGrants.list({ user_id: userId, client_id: "initech-cms" });
    expect(byClient.data.map((grant) => grant.id)).toEqual([cms.id]);
    const byAudience = await userGrants.list({ user_id: userId, audience: "https://elsewhere.test" });
    expect(byAudience.data).toEqual([]);
  });

  it("pages consents with page and per_page", async () => {
    const userId = `auth0|paged-${newId("")}`;
    const grants = [1, 2, 3].map(() => recordConsent(userId, "initech-cms", GATEHOUSE_API, ["read:users"]));

    const second = await userGrants.list({ user_id: userId, page: 1, per_page: 2 });

    expect(second.response).toEqual({
      start: 2,
      limit: 2,
      length: 1,
      total: 3,
      grants: [expect.objectContaining({ id: grants[2]?.id })],
    });
  });

  it("deleting a consent revokes the refresh tokens issued under it", async () => {
    const { userId, refreshToken } = await partnerLoginWithConsent();
    expect((await refresh(emulator, PARTNER, refreshToken)).status).toBe(200);
    const [consent] = (await userGrants.list({ user_id: userId, client_id: "initech-cms" })).data;
    expect(consent).toMatchObject({ clientID: "initech-cms", user_id: userId, audience: GATEHOUSE_API });

    await userGrants.delete(String(consent?.id));

    const refused = await refresh(emulator, PARTNER, refreshToken);
    expect({ status: refused.status, body: refused.body }).toEqual(DEAD_REFRESH_TOKEN);
    expect((await userGrants.list({ user_id: userId })).data).toEqual([]);
    const leftOver = Object.values(emulator.context.store.data.refreshTokens).filter(
      (token) => token.user_id === userId,
    );
    expect(leftOver).toEqual([]);
  });

  it("deleting by user_id withdraws every consent of that user, and only theirs", async () => {
    const { userId, refreshToken } = await partnerLoginWithConsent();
    recordConsent(userId, "gatehouse-spa", GATEHOUSE_API, ["read:users"]);
    const bystander = recordConsent(`auth0|bystander-${newId("")}`, "initech-cms", GATEHOUSE_API, [
      "read:users",
    ]);

    await userGrants.deleteByUserId({ user_id: userId });

    expect((await userGrants.list({ user_id: userId })).data).toEqual([]);
    expect((await userGrants.list({ user_id: bystander.user_id })).data).toHaveLength(1);
    const refused = await refresh(emulator, PARTNER, refreshToken);
    expect({ status: refused.status, body: refused.body }).toEqual(DEAD_REFRESH_TOKEN);
  });

  it("deleting by user_id without a user_id is 400", async () => {
    const response = await fetch(`${emulator.url}/api/v2/grants`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${await managementToken(emulator)}` },
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: "Bad Request",
      message: "Query validation error: 'Missing required property: user_id'",
      errorCode: "invalid_query_string",
    });
  });

  it("a token narrowed to read:grants lists consents but cannot delete them", async () => {
    const userId = `auth0|narrow-${newId("")}`;
    const grant = recordConsent(userId, "initech-cms", GATEHOUSE_API, ["read:users"]);
    const readOnly = userGrantsWith(await managementToken(emulator, { scope: "read:grants" }));

    expect((await readOnly.list({ user_id: userId })).data).toHaveLength(1);
    expect(await sdkRefusal(readOnly.delete(grant.id))).toEqual(insufficientScope("delete:grants"));
    expect((await sdkRefusal(readOnly.deleteByUserId({ user_id: userId }))).statusCode).toBe(403);
    expect(emulator.context.store.data.userGrants[grant.id]).toBeDefined();
  });
});
