// Plans and licences, checked on every request: a tenant uses what its plan and its licences allow, an
// operator's change counts from the next request, and the last free seat goes to exactly one of the callers
// racing for it.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type GraphQLResponse, type Stack } from "../support/stack.js";

const ENABLE_INTEGRATION = `mutation($scopes: [String!]!) {
  enableIntegration(partnerId: "initech-cms", scopes: $scopes) { id status }
}`;
const DISABLE_INTEGRATION = "mutation($id: ID!) { disableIntegration(id: $id) { id } }";
const CREATE_USER = "mutation($email: String!) { createUser(input: { email: $email }) { id } }";
const REMOVE_FROM_TENANT = "mutation($userId: ID!) { removeFromTenant(userId: $userId) }";
const GRANT = `mutation($tenantId: ID!, $feature: String, $quota: String, $limit: Int) {
  grantLicence(tenantId: $tenantId, feature: $feature, quota: $quota, limit: $limit) { id kind name limit }
}`;
const REVOKE = "mutation($tenantId: ID!, $id: ID!) { revokeLicence(tenantId: $tenantId, licenceId: $id) }";
const SET_PLAN =
  "mutation($tenantId: ID!, $plan: String!) { setTenantPlan(tenantId: $tenantId, plan: $plan) { name } }";
const PLAN =
  "{ tenant { plan { name features quotas { name limit used } expiresAt licences { id name } } } }";

/** Moves the clock plans and licences expire by; the rest of Gatehouse keeps real time. */
let clockOffsetMs = 0;
let stack: Stack;
let operator: string;
let globexAdmin: string;
/** Licences a test granted, revoked after it so every test starts from the seeded plans. */
const granted: string[] = [];
/** Users a test created in Globex, removed after it so the seats are free again. */
const created: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    gatehouse: { plans: { now: () => new Date(Date.now() + clockOffsetMs) } },
  });
  operator = bearer(await stack.userToken("operator@gatehouse.test"));
  globexAdmin = bearer(await stack.userToken("admin@globex.test"));
});
afterEach(async () => {
  for (const id of granted.splice(0)) await mutate(operator, REVOKE, { tenantId: "org_globex", id });
  for (const userId of created.splice(0)) await mutate(globexAdmin, REMOVE_FROM_TENANT, { userId });
});
afterAll(async () => {
  await stack?.close();
});

async function mutate(authorization: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await stack.graphql(query, { authorization, variables });
  expect(response.body.errors, query).toBeUndefined();
  return response.body.data as Record<string, unknown>;
}

async function grantGlobex(licence: { feature?: string; quota?: string; limit?: number }): Promise<void> {
  const data = await mutate(operator, GRANT, { tenantId: "org_globex", ...licence });
  granted.push((data.grantLicence as { id: string }).id);
}

async function createGlobexUser(email = newEmail()): Promise<GraphQLResponse> {
  const response = await stack.graphql(CREATE_USER, { authorization: globexAdmin, variables: { email } });
  const id = (response.body.data?.createUser as { id: string } | null)?.id;
  if (id) created.push(id);
  return response;
}

function newEmail(): string {
  return `seat-${randomBytes(5).toString("hex")}@globex.test`;
}

async function globexSeats(): Promise<{ limit: number; used: number }> {
  const response = await stack.graphql(PLAN, { authorization: globexAdmin });
  const plan = (
    response.body.data?.tenant as { plan: { quotas: { name: string; limit: number; used: number }[] } }
  ).plan;
  const seats = plan.quotas.find((quota) => quota.name === "seats");
  if (!seats) throw new Error("no seats quota");
  return { limit: seats.limit, used: seats.used };
}

describe("plans and licences", () => {
  it("a tenant admin reads their plan: the seeded free plan, its features and how much of each quota is used", async () => {
    const response = await stack.graphql(PLAN, { authorization: globexAdmin });
    expect(response.body).toEqual({
      data: {
        tenant: {
          plan: {
            name: "free",
            features: ["api_keys"],
            quotas: [
              { name: "seats", limit: 5, used: 3 },
              { name: "api_keys", limit: 2, used: expect.any(Number) },
              { name: "integrations", limit: 0, used: 0 },
            ],
            expiresAt: null,
            licences: [],
          },
        },
      },
    });
  });

  it("a free tenant is refused an integration until an operator grants the licence, from the next request on", async () => {
    const refused = await stack.graphql(ENABLE_INTEGRATION, {
      authorization: globexAdmin,
      variables: { scopes: ["read:users"] },
    });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.[0]?.extensions).toEqual({
      code: "LICENCE_REQUIRED",
      feature: "integrations",
    });

    await grantGlobex({ feature: "integrations" });
    await grantGlobex({ quota: "integrations", limit: 1 });

    const enabled = await mutate(globexAdmin, ENABLE_INTEGRATION, { scopes: ["read:users"] });
    const integration = enabled.enableIntegration as { id: string; status: string };
    expect(integration.status).toBe("ACTIVE");
    await mutate(globexAdmin, DISABLE_INTEGRATION, { id: integration.id });
  });

  it("a tenant whose seats are all taken is refused a new user, with the limit and what is used", async () => {
    await grantGlobex({ quota: "seats", limit: 3 });
    const email = newEmail();
    const response = await createGlobexUser(email);
    expect(response.body.data).toBeNull();
    expect(response.body.errors?.[0]?.extensions).toEqual({
      code: "QUOTA_EXCEEDED",
      quota: "seats",
      limit: 3,
      used: 3,
    });
    const inAuth0 = await stack.management().users.list({ q: `email:"${email}"`, search_engine: "v3" });
    expect(inAuth0.data).toEqual([]);
  });

  it("callers racing for the last free seats: exactly as many succeed as there were seats, and no one else is created in Auth0", async () => {
    await grantGlobex({ quota: "seats", limit: 5 });
    expect(await globexSeats()).toEqual({ limit: 5, used: 3 });
    const emails = Array.from({ length: 6 }, () => newEmail());

    const responses = await Promise.all(emails.map((email) => createGlobexUser(email)));

    const succeeded = responses.filter((response) => response.body.data?.createUser);
    const refused = responses.filter(
      (response) => response.body.errors?.[0]?.extensions?.code === "QUOTA_EXCEEDED",
    );
    expect(succeeded).toHaveLength(2);
    expect(refused).toHaveLength(4);
    for (const response of refused) {
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ quota: "seats", limit: 5 });
    }
    const inAuth0 = await Promise.all(
      emails.map(async (email) => {
        const found = await stack.management().users.list({ q: `email:"${email}"`, search_engine: "v3" });
        return found.data.length;
      }),
    );
    expect(inAuth0.reduce((sum, count) => sum + count, 0)).toBe(2);
    expect(await globexSeats()).toEqual({ limit: 5, used: 5 });
  });

  it("removing a member from the tenant frees their seat", async () => {
    await grantGlobex({ quota: "seats", limit: 4 });
    const first = await createGlobexUser();
    expect(first.body.errors).toBeUndefined();
    expect((await createGlobexUser()).body.errors?.[0]?.extensions?.code).toBe("QUOTA_EXCEEDED");

    const member = created.pop() as string;
    await mutate(globexAdmin, REMOVE_FROM_TENANT, { userId: member });

    const again = await createGlobexUser();
    expect(again.body.errors).toBeUndefined();
  });

  it("reading the audit trail needs the audit_log feature, which the pro plan has", async () => {
    const refused = await stack.graphql("{ tenant { auditEvents(first: 1) { nodes { id } } } }", {
      authorization: globexAdmin,
    });
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: "LICENCE_REQUIRED", feature: "audit_log" });
    try {
      await mutate(operator, SET_PLAN, { tenantId: "org_globex", plan: "pro" });
      const allowed = await stack.graphql("{ tenant { auditEvents(first: 1) { nodes { action } } } }", {
        authorization: globexAdmin,
      });
      expect(allowed.body.errors).toBeUndefined();
      expect(await globexSeats()).toEqual({ limit: 100, used: 3 });
    } finally {
      await mutate(operator, SET_PLAN, { tenantId: "org_globex", plan: "free" });
    }
  });

  it("a licence and a plan stop counting when they expire, with the same token", async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const readAudit = () =>
      stack.graphql("{ tenant { auditEvents(first: 1) { nodes { action } } } }", {
        authorization: globexAdmin,
      });
    const granted = await mutate(
      operator,
      `mutation($expiresAt: DateTime) {
        grantLicence(tenantId: "org_globex", feature: "audit_log", expiresAt: $expiresAt) { id expiresAt }
      }`,
      { expiresAt: inAnHour },
    );
    const licence = granted.grantLicence as { id: string; expiresAt: string };
    try {
      await mutate(
        operator,
        `mutation($expiresAt: DateTime) {
        setTenantPlan(tenantId: "org_globex", plan: "pro", expiresAt: $expiresAt) { name }
      }`,
        { expiresAt: inAnHour },
      );
      expect((await readAudit()).body.errors).toBeUndefined();
      expect((await stack.graphql(PLAN, { authorization: globexAdmin })).body.data).toMatchObject({
        tenant: {
          plan: { name: "pro", expiresAt: inAnHour, licences: [{ id: licence.id, name: "audit_log" }] },
        },
      });

      clockOffsetMs = 2 * 3_600_000;
      const refused = await readAudit();
      expect(refused.body.errors?.[0]?.extensions).toEqual({
        code: "LICENCE_REQUIRED",
        feature: "audit_log",
      });
      expect((await stack.graphql(PLAN, { authorization: globexAdmin })).body.data).toMatchObject({
        tenant: { plan: { name: "free", features: ["api_keys"], expiresAt: null, licences: [] } },
      });
    } finally {
      // Back in real time both are in force again: end them as an operator does.
      clockOffsetMs = 0;
      await mutate(operator, REVOKE, { tenantId: "org_globex", id: licence.id });
      await mutate(operator, SET_PLAN, { tenantId: "org_globex", plan: "free" });
    }
  });

  it("a tenant admin cannot change their own tenant's plan or licences", async () => {
    for (const [query, variables] of [
      [SET_PLAN, { tenantId: "org_globex", plan: "pro" }],
      [GRANT, { tenantId: "org_globex", feature: "integrations" }],
    ] as const) {
      const response = await stack.graphql(query, { authorization: globexAdmin, variables });
      expect(response.body.data).toBeNull();
      expect(response.body.errors?.[0]?.extensions).toEqual({
        code: "FORBIDDEN",
        missingPermission: "manage:tenants",
      });
    }
    expect((await stack.graphql(PLAN, { authorization: globexAdmin })).body.data).toMatchObject({
      tenant: { plan: { name: "free", licences: [] } },
    });
  });
});
