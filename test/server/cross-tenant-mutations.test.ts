// Every mutation that names a user answers a user of another tenant exactly as it answers an id nobody has:
// NOT_FOUND, for every kind of caller, before any other check can say something about them.
import { readFileSync } from "node:fs";
import { buildSchema, parse, type ObjectTypeExtensionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../src/app.js";
import { partnerTokensFor, registerPartner } from "../support/partner-login.js";
import { basic, bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The mutations that name a user: those of schema/users.graphql taking an id, and any taking a userId. */
function mutationsNamingAUser(): string[] {
  const schema = buildSchema(loadTypeDefs());
  const mutation = schema.getMutationType();
  const userDomain = parse(readFileSync(new URL("../../schema/users.graphql", import.meta.url), "utf8"));
  const userMutations = new Set(
    userDomain.definitions
      .filter((definition) => "name" in definition && definition.name?.value === "Mutation")
      .flatMap((definition) => (definition as ObjectTypeExtensionNode).fields ?? [])
      .map((field) => field.name.value),
  );
  return Object.values(mutation?.getFields() ?? {})
    .filter(
      (field) =>
        field.args.some((arg) => arg.name === "userId") ||
        (userMutations.has(field.name) && field.args.some((arg) => arg.name === "id")),
    )
    .map((field) => field.name);
}

/** How each such mutation is called on a user; a new one without an entry here fails the test. */
const CALLS: Record<string, (userId: string) => string> = {
  updateUser: (id) => `updateUser(id: "${id}", input: { name: "Taken over" }) { id }`,
  setUserBlocked: (id) => `setUserBlocked(id: "${id}", blocked: true) { id }`,
  deleteUser: (id) => `deleteUser(id: "${id}")`,
  removeFromTenant: (id) => `removeFromTenant(userId: "${id}")`,
  assignRoles: (id) => `assignRoles(userId: "${id}", roles: ["member"]) { id }`,
  removeRoles: (id) => `removeRoles(userId: "${id}", roles: ["member"]) { id }`,
};

const TENANT_SCOPES = ["read:users", "update:users", "delete:users", "assign:roles"];

/** A partner whose user access covers every user mutation, enabled in Acme, acting for Acme's admin. */
async function partnerActingForAcmeAdmin(acmeAdmin: string): Promise<string> {
  const partner = await registerPartner(stack, {
    name: "Hooli Admin Tools",
    callback: "http://127.0.0.1:4021/callback",
    scopes: TENANT_SCOPES,
  });
  const enabled = await stack.graphql(
    `mutation($id: ID!, $scopes: [String!]!) { enableIntegration(partnerId: $id, scopes: $scopes) { status } }`,
    { authorization: acmeAdmin, variables: { id: partner.clientId, scopes: TENANT_SCOPES } },
  );
  expect(enabled.body).toEqual({ data: { enableIntegration: { status: "ACTIVE" } } });
  const tokens = await partnerTokensFor(stack.emulator, "admin@acme.test", TENANT_SCOPES.join(" "), {
    partner,
  });
  return bearer(tokens.accessToken);
}

describe("a user of another tenant is NOT_FOUND to every mutation that names a user", () => {
  it("lists every such mutation, so a new one cannot be forgotten here", () => {
    const missing = mutationsNamingAUser().filter((name) => !(name in CALLS));
    expect(missing, "add these mutations to CALLS").toEqual([]);
    expect(mutationsNamingAUser().length).toBeGreaterThanOrEqual(6);
  });

  it("for a user, an API key and a partner, exactly as for an id nobody has", async () => {
    const acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    const created = await stack.graphql(
      `mutation($scopes: [String!]!) { createApiKey(name: "all user scopes", scopes: $scopes) { clientId clientSecret } }`,
      { authorization: acmeAdmin, variables: { scopes: TENANT_SCOPES } },
    );
    const key = created.body.data?.createApiKey as { clientId: string; clientSecret: string };
    const callers: [string, string][] = [
      ["Acme's admin", acmeAdmin],
      ["an Acme API key", basic(key.clientId, key.clientSecret)],
      ["a partner acting for Acme's admin", await partnerActingForAcmeAdmin(acmeAdmin)],
    ];

    for (const [callerName, authorization] of callers) {
      const viewer = await stack.graphql("{ viewer { permissions } }", { authorization });
      // Each holds what every one of these mutations needs, so only the target can make the difference.
      const { permissions } = viewer.body.data?.viewer as { permissions: string[] };
      expect(permissions, callerName).toEqual(expect.arrayContaining(TENANT_SCOPES));
      for (const name of mutationsNamingAUser()) {
        const call = CALLS[name] as (userId: string) => string;
        const answers = [];
        for (const target of ["auth0|globex-member", "auth0|nobody-has-this-id"]) {
          const response = await stack.graphql(`mutation { ${call(target)} }`, { authorization });
          answers.push({ data: response.body.data, errors: response.body.errors });
        }
        const [otherTenant, nobody] = answers;
        expect(otherTenant?.errors?.[0]?.extensions?.code, `${name} by ${callerName}`).toBe("NOT_FOUND");
        expect(otherTenant, `${name} by ${callerName}`).toEqual(nobody);
      }
    }
    // And nothing happened to Globex's member.
    const globexAdmin = bearer(await stack.userToken("admin@globex.test"));
    const member = await stack.graphql('{ user(id: "auth0|globex-member") { name blocked roles } }', {
      authorization: globexAdmin,
    });
    expect(member.body).toEqual({
      data: { user: { name: "Gia Member", blocked: false, roles: ["member"] } },
    });
  });
});
