// docs/authorization.md against what callers observe: every cell the matrix marks allowed or denied for the
// queries, the caller's own tenant, users and every mutation is checked over HTTP as the seeded identity
// that plays its column. Cells marked ◐ (depends on the object or arguments) are not: no single request
// can stand for them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Verdict } from "../../src/authz/explain.js";
import type { MutationResolvers, QueryResolvers } from "../../src/generated/graphql.js";
import { matrixCallers, verdictsFor, type MatrixCaller } from "../../src/dev/authorization-matrix.js";
import { bearer, startStack, type GraphQLResponse, type Stack } from "../support/stack.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ playground: { devIdentities: true } });
  // The matrix's partner column is Initech with its integration enabled in Acme, with all it may ask for.
  const enabled = await stack.graphql(
    'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users", "update:users"]) { status } }',
    { authorization: bearer(await stack.userToken("admin@acme.test")) },
  );
  expect(enabled.body.errors).toBeUndefined();
});

afterAll(async () => {
  await stack?.close();
});

/** One request per root field, touching nothing that exists, so an allowed mutation changes nothing. */
const QUERY_PROBES: { [Field in keyof Required<QueryResolvers>]: string } = {
  viewer: "{ viewer { kind } }",
  tenant: "{ tenant { id } }",
  tenants: "{ tenants { totalCount } }",
  user: '{ user(id: "auth0|acme-admin") { id } }',
  users: "{ users(first: 1) { totalCount } }",
  partners: "{ partners { id } }",
  integration: '{ integration(id: "int_nope") { id } }',
  directoryStatus: "{ directoryStatus { ready } }",
};

const NOBODY = '"auth0|nobody-at-all"';
const MUTATION_PROBES: { [Field in keyof Required<MutationResolvers>]: string } = {
  createUser: 'mutation { createUser(input: { email: "matrix.probe@acme.test" }) { id } }',
  updateUser: `mutation { updateUser(id: ${NOBODY}, input: { email: "x@acme.test" }) { id } }`,
  setUserBlocked: `mutation { setUserBlocked(id: ${NOBODY}, blocked: true) { id } }`,
  deleteUser: `mutation { deleteUser(id: ${NOBODY}) }`,
  removeFromTenant: `mutation { removeFromTenant(userId: ${NOBODY}) }`,
  assignRoles: `mutation { assignRoles(userId: ${NOBODY}, roles: ["member"]) { id } }`,
  removeRoles: `mutation { removeRoles(userId: ${NOBODY}, roles: ["member"]) { id } }`,
  createApiKey: 'mutation { createApiKey(name: "matrix probe", scopes: ["read:users"]) { clientId } }',
  rotateApiKey: 'mutation { rotateApiKey(id: "key_nope") { clientId } }',
  revokeApiKey: 'mutation { revokeApiKey(id: "key_nope") }',
  enableIntegration: 'mutation { enableIntegration(partnerId: "partner-nope", scopes: []) { id } }',
  disableIntegration: 'mutation { disableIntegration(id: "int_nope") { id } }',
  setTenantPlan: 'mutation { setTenantPlan(tenantId: "org_nope", plan: "pro") { name } }',
  grantLicence: 'mutation { grantLicence(tenantId: "org_nope", feature: "audit_log") { id } }',
  revokeLicence: 'mutation { revokeLicence(tenantId: "org_nope", licenceId: "lic_nope") }',
};

const TENANT_PROBE =
  "{ tenant { plan { name } users(first: 1) { totalCount } apiKeys { id } integrations { id } auditEvents { nodes { id } } } }";
const USER_FIELDS = [
  "email",
  "roles",
  "blocked",
  "lastLogin",
  "loginsCount",
  "integrations { id }",
  "tenant { id }",
];
const USERS_PROBE = `{ users(first: 5) { nodes { id ${USER_FIELDS.join(" ")} } } }`;

/** What a response says of one field: refused (with the missing permission) or not. */
function outcomeAt(
  response: GraphQLResponse,
  path: string,
): { refused: boolean; missingPermission?: unknown } {
  const error = response.body.errors?.find((candidate) => (candidate.path ?? []).join(".") === path);
  if (!error || error.extensions?.code !== "FORBIDDEN") return { refused: false };
  return { refused: true, missingPermission: error.extensions?.missingPermission ?? null };
}

function expected(verdict: Verdict) {
  return verdict.outcome === "denied"
    ? { refused: true, missingPermission: verdict.missingPermission }
    : { refused: false };
}

async function authorizationOf(column: MatrixCaller): Promise<string | undefined> {
  const response = await fetch(`${stack.url}/__dev/identities/${column.identityId}/token`, {
    method: "POST",
  });
  const body = (await response.json()) as { authorization: string | null };
  return body.authorization ?? undefined;
}

describe("the authorization matrix matches what each caller observes over HTTP", () => {
  for (const column of matrixCallers()) {
    it(`as ${column.column}`, async () => {
      const authorization = await authorizationOf(column);
      const ask = (query: string) => stack.graphql(query, authorization ? { authorization } : {});
      const verdicts = await verdictsFor(column.caller);
      const verdict = (name: string) => verdicts.get(name) as Verdict;

      // The column's caller is the one Gatehouse resolves for this identity.
      const viewer = await ask("{ viewer { kind tenant { id } permissions } }");
      expect(viewer.body.data?.viewer).toEqual({
        kind: column.caller.kind,
        tenant: column.caller.tenantId ? { id: column.caller.tenantId } : null,
        permissions: [...column.caller.permissions].sort(),
      });

      let checked = 0;
      const check = (response: GraphQLResponse, path: string, name: string) => {
        if (verdict(name).outcome === "depends") return;
        expect({ cell: name, ...outcomeAt(response, path) }).toEqual({
          cell: name,
          ...expected(verdict(name)),
        });
        checked += 1;
      };

      for (const [field, query] of Object.entries(QUERY_PROBES))
        check(await ask(query), field, `Query.${field}`);
      for (const [field, mutation] of Object.entries(MUTATION_PROBES)) {
        check(await ask(mutation), field, `Mutation.${field}`);
      }

      const tenant = await ask(TENANT_PROBE);
      if (tenant.body.data?.tenant) {
        for (const field of ["plan", "users", "apiKeys", "integrations", "auditEvents"]) {
          check(tenant, `tenant.${field}`, `Tenant.${field}`);
        }
      }

      const users = await ask(USERS_PROBE);
      const nodes = ((users.body.data?.users as { nodes?: unknown[] } | null)?.nodes ?? []) as unknown[];
      for (const [index] of nodes.entries()) {
        for (const selection of USER_FIELDS) {
          const field = selection.split(" ")[0] as string;
          check(users, `users.nodes.${index}.${field}`, `User.${field}`);
        }
      }
      // Not a vacuous pass: every column has root fields and mutations with a definite answer.
      expect(checked).toBeGreaterThan(10);
    });
  }
});
