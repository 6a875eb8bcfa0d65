import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnerTokensFor, refreshPartnerToken } from "../support/partner-login.js";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let acmeAdmin: string;
beforeAll(async () => {
  stack = await startStack();
  acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
});
afterAll(async () => {
  await stack?.close();
});

const ENABLE =
  'mutation($scopes: [String!]!) { enableIntegration(partnerId: "initech-cms", scopes: $scopes) { id status scopes partner { id name } tenant { id } enabledBy { id } } }';

describe("a partner acting for users of a tenant that enabled it", () => {
  let integrationId: string;
  let mia: { accessToken: string; refreshToken: string | undefined };

  it("any signed-in caller sees the partner catalogue", async () => {
    const response = await stack.graphql("{ partners { id name description scopes } }", {
      authorization: acmeAdmin,
    });
    expect(response.body).toEqual({
      data: {
        partners: [
          {
            id: "initech-cms",
            name: "Initech CMS",
            description: "Publishes content on behalf of your users",
            scopes: ["read:users", "update:users"],
          },
        ],
      },
    });
  });

  it("acme's admin enables initech-cms for Acme with read:users", async () => {
    const response = await stack.graphql(ENABLE, {
      authorization: acmeAdmin,
      variables: { scopes: ["read:users"] },
    });
    expect(response.body.errors).toBeUndefined();
    const integration = response.body.data?.enableIntegration as Record<string, unknown>;
    expect(integration).toMatchObject({
      status: "ACTIVE",
      scopes: ["read:users"],
      partner: { id: "initech-cms", name: "Initech CMS" },
      tenant: { id: "org_acme" },
      enabledBy: { id: "auth0|acme-admin" },
    });
    integrationId = String(integration.id);
  });

  it("enabling with a scope the partner does not offer is bad input", async () => {
    const response = await stack.graphql(ENABLE, {
      authorization: acmeAdmin,
      variables: { scopes: ["delete:users"] },
    });
    expect(response.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("Mia consents; the partner's token reads Acme's users but cannot update them or see Globex", async () => {
    mia = await partnerTokensFor(
      stack.emulator,
      "member@acme.test",
      "read:users update:users offline_access",
    );
    expect(mia.refreshToken).toBeDefined();
    const authorization = bearer(mia.accessToken);

    const viewer = await stack.graphql("{ viewer { kind subject clientId permissions tenant { id } } }", {
      authorization,
    });
    expect(viewer.body).toEqual({
      data: {
        viewer: {
          kind: "PARTNER",
          subject: "auth0|acme-member",
          clientId: "initech-cms",
          permissions: ["read:users"],
          tenant: { id: "org_acme" },
        },
      },
    });

    const users = await stack.graphql("{ users { totalCount } }", { authorization });
    expect(users.body).toEqual({ data: { users: { totalCount: 4 } } });

    const update = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-manager", input: { name: "Hacked" }) { id } }',
      {
        authorization,
      },
    );
    expect(update.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });

    const globexUser = await stack.graphql('{ user(id: "auth0|globex-member") { id } }', { authorization });
    expect(globexUser.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const globex = await stack.graphql('{ tenant(id: "org_globex") { id } }', { authorization });
    expect(globex.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("the partner never gets what Mia may do to herself: only its granted scopes", async () => {
    const authorization = bearer(mia.accessToken);
    const self = await stack.graphql(
      '{ user(id: "auth0|acme-member") { id email roles blocked loginsCount } }',
      {
        authorization,
      },
    );
    expect(self.body.data).toEqual({
      user: {
        id: "auth0|acme-member",
        email: "member@acme.test",
        roles: null,
        blocked: null,
        loginsCount: null,
      },
    });
    expect(
      self.body.errors?.map((error) => [error.path?.join("."), error.extensions?.missingPermission]),
    ).toEqual([
      ["user.roles", "read:roles"],
      ["user.blocked", "update:users"],
      ["user.loginsCount", "update:users"],
    ]);
    const update = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { picture: "https://evil.example/x.png" }) { id } }',
      { authorization },
    );
    expect(update.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });
  });

  it("a user who holds update:users still gets only the integration's scopes through the partner", async () => {
    const max = await partnerTokensFor(stack.emulator, "manager@acme.test", "read:users update:users");
    const authorization = bearer(max.accessToken);
    const viewer = await stack.graphql("{ viewer { permissions } }", { authorization });
    expect(viewer.body).toEqual({ data: { viewer: { permissions: ["read:users"] } } });
    const update = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "X" }) { id } }',
      {
        authorization,
      },
    );
    expect(update.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });
  });

  it("a Globex user's consent to the same partner gets nothing: the integration is not enabled in Globex", async () => {
    const gia = await partnerTokensFor(stack.emulator, "member@globex.test", "read:users");
    const response = await stack.graphql("{ viewer { kind permissions } users { totalCount } }", {
      authorization: bearer(gia.accessToken),
    });
    expect(response.body.data).toEqual({ viewer: { kind: "PARTNER", permissions: [] }, users: null });
    expect(response.body.errors?.[0]).toMatchObject({
      path: ["users"],
      message: expect.stringContaining("integration is not enabled"),
      extensions: { code: "FORBIDDEN" },
    });
  });

  it("the tenant admin lists the integration, and Mia sees the partner she consented to", async () => {
    const tenant = await stack.graphql("{ tenant { integrations { id status partner { id } } } }", {
      authorization: acmeAdmin,
    });
    expect(tenant.body).toEqual({
      data: {
        tenant: { integrations: [{ id: integrationId, status: "ACTIVE", partner: { id: "initech-cms" } }] },
      },
    });
    const miaSelf = bearer(await stack.userToken("member@acme.test"));
    const own = await stack.graphql(
      '{ user(id: "auth0|acme-member") { integrations { id partner { id } } } }',
      { authorization: miaSelf },
    );
    expect(own.body).toEqual({
      data: { user: { integrations: [{ id: integrationId, partner: { id: "initech-cms" } }] } },
    });
    const other = await stack.graphql('{ integration(id: "' + integrationId + '") { id } }', {
      authorization: miaSelf,
    });
    expect(other.body.errors?.[0]?.extensions).toEqual({
      code: "FORBIDDEN",
      missingPermission: "read:integrations",
    });
  });

  it("after disableIntegration the partner's next request is refused and its refresh token no longer works", async () => {
    const before = await refreshPartnerToken(stack.emulator, mia.refreshToken ?? "");
    expect(before.status).toBe(200);

    const disabled = await stack.graphql(
      `mutation { disableIntegration(id: "${integrationId}") { id status disabledAt } }`,
      {
        authorization: acmeAdmin,
      },
    );
    expect(disabled.body.errors).toBeUndefined();
    expect(disabled.body.data?.disableIntegration).toMatchObject({
      id: integrationId,
      status: "DISABLED",
      disabledAt: expect.any(String),
    });

    const refused = await stack.graphql("{ users { totalCount } }", {
      authorization: bearer(mia.accessToken),
    });
    expect(refused.body.data).toEqual({ users: null });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.body.errors?.[0]?.message).toContain("integration is not enabled");

    const after = await refreshPartnerToken(stack.emulator, mia.refreshToken ?? "");
    expect(after.status).toBe(403);
    expect(after.body.error).toBe("invalid_grant");
  });

  it("another tenant's integration is NOT_FOUND to Globex's admin", async () => {
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    const response = await stack.graphql(`{ integration(id: "${integrationId}") { id } }`, {
      authorization: globexAdmin,
    });
    expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
    const disable = await stack.graphql(`mutation { disableIntegration(id: "${integrationId}") { id } }`, {
      authorization: globexAdmin,
    });
    expect(disable.body.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
  });

  it("enabling again re-activates the same integration", async () => {
    const response = await stack.graphql(ENABLE, {
      authorization: acmeAdmin,
      variables: { scopes: ["read:users", "update:users"] },
    });
    expect(response.body.data?.enableIntegration).toMatchObject({
      id: integrationId,
      status: "ACTIVE",
      scopes: ["read:users", "update:users"],
    });
  });
});
