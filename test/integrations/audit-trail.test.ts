// The audit trail: every management action through Gatehouse, and every mutation a rule refused, is in its
// tenant's `auditEvents` once, with who did it (user, API key, partner), in which request, and no secret.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partnerTokensFor, registerPartner } from "../support/partner-login.js";
import {
  basic,
  bearer,
  SEED_PASSWORD,
  startStack,
  type GraphQLResponse,
  type Stack,
} from "../support/stack.js";

interface AuditEvent {
  id: string;
  action: string;
  outcome: "SUCCEEDED" | "REFUSED";
  at: string;
  requestId: string | null;
  actor: { kind: string | null; subject: string | null; clientId: string | null; partnerId: string | null };
  tenant: { id: string } | null;
  target: string | null;
}

interface AuditPage {
  nodes: AuditEvent[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const EVENTS = `query($tenant: ID, $first: Int, $after: String, $action: String, $actor: String, $since: DateTime) {
  tenant(id: $tenant) {
    auditEvents(first: $first, after: $after, action: $action, actor: $actor, since: $since) {
      nodes { id action outcome at requestId actor { kind subject clientId partnerId } tenant { id } target }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const USER_SCOPES = ["read:users", "create:users", "update:users", "delete:users", "assign:roles"];

/** Moves the clock audit retention measures against; the rest of Gatehouse keeps real time. */
let clockOffsetMs = 0;
/** Every secret a test saw: none may appear in any audit event. */
const secrets = new Set<string>();

let stack: Stack;
let acmeAdmin: string;
beforeAll(async () => {
  stack = await startStack({
    gatehouse: { audit: { retentionDays: 30, now: () => new Date(Date.now() + clockOffsetMs) } },
  });
  acmeAdmin = await authorizationOf(await stack.userToken("admin@acme.test"));
  // Globex's admin reads Globex's trail below, which its seeded free plan does not include.
  await stack.setTenantPlan("org_globex", "pro");
});
afterAll(async () => {
  await stack?.close();
});

async function authorizationOf(token: string): Promise<string> {
  secrets.add(token);
  return bearer(token);
}

/** A mutation that must succeed; answers its data and the request id Gatehouse gave it. */
async function mutate(authorization: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await stack.graphql(query, { authorization, variables });
  expect(response.body.errors, query).toBeUndefined();
  const requestId = response.headers.get("x-request-id");
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return { data: response.body.data as Record<string, unknown>, requestId: requestId as string };
}

async function auditEvents(authorization: string, variables: Record<string, unknown> = {}) {
  const response = await stack.graphql(EVENTS, { authorization, variables: { first: 100, ...variables } });
  return response;
}

function pageOf(response: GraphQLResponse): AuditPage {
  expect(response.body.errors).toBeUndefined();
  return (response.body.data?.tenant as { auditEvents: AuditPage }).auditEvents;
}

interface Expected {
  action: string;
  target: string;
  requestId: string;
}

/**
 * The user actions, each once, by one caller: user A is created, changed, blocked and unblocked, given and
 * relieved of a role, and deleted; user B is created and removed from the tenant.
 */
async function userLifecycle(authorization: string): Promise<Expected[]> {
  const expected: Expected[] = [];
  const suffix = randomBytes(4).toString("hex");
  const create = async (name: string) => {
    const password = `Str0ng-${randomBytes(6).toString("hex")}!`;
    secrets.add(password);
    const { data, requestId } = await mutate(
      authorization,
      `mutation($email: String!, $password: String!) { createUser(input: { email: $email, password: $password }) { id } }`,
      { email: `${name}-${suffix}@acme.test`, password },
    );
    const id = (data.createUser as { id: string }).id;
    expected.push({ action: "user.created", target: id, requestId });
    return id;
  };
  const step = async (action: string, target: string, query: string) => {
    const { requestId } = await mutate(authorization, query, { id: target });
    expected.push({ action, target, requestId });
  };
  const a = await create("audited-a");
  await step(
    "user.updated",
    a,
    `mutation($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { id } }`,
  );
  await step("user.blocked", a, `mutation($id: ID!) { setUserBlocked(id: $id, blocked: true) { id } }`);
  await step("user.unblocked", a, `mutation($id: ID!) { setUserBlocked(id: $id, blocked: false) { id } }`);
  await step(
    "user.roles_assigned",
    a,
    `mutation($id: ID!) { assignRoles(userId: $id, roles: ["member"]) { id } }`,
  );
  await step(
    "user.roles_removed",
    a,
    `mutation($id: ID!) { removeRoles(userId: $id, roles: ["member"]) { id } }`,
  );
  await step("user.deleted", a, `mutation($id: ID!) { deleteUser(id: $id) }`);
  const b = await create("audited-b");
  await step("user.removed_from_tenant", b, `mutation($id: ID!) { removeFromTenant(userId: $id) }`);
  return expected;
}

/** Each expected action is in Acme's trail exactly once, from its request, by this actor. */
async function expectRecordedOnce(expected: Expected[], actor: AuditEvent["actor"]) {
  const events = pageOf(await auditEvents(acmeAdmin)).nodes;
  for (const { action, target, requestId } of expected) {
    const matching = events.filter((event) => event.target === target && event.action === action);
    expect(matching, `${action} ${target}`).toEqual([
      expect.objectContaining({ outcome: "SUCCEEDED", requestId, actor, tenant: { id: "org_acme" } }),
    ]);
  }
  const targets = new Set(expected.map((entry) => entry.target));
  // Nothing else was recorded for these targets: no action twice, none extra.
  expect(events.filter((event) => event.target !== null && targets.has(event.target))).toHaveLength(
    expected.length,
  );
}

/** A partner offering the user scopes, enabled in Acme, acting for Acme's admin; answers its id and token. */
async function partnerActingForAcmeAdmin(): Promise<{
  partnerId: string;
  integrationId: string;
  token: string;
}> {
  const partner = await registerPartner(stack, {
    name: "Audited Admin Tools",
    callback: "http://127.0.0.1:4022/callback",
    scopes: USER_SCOPES,
  });
  secrets.add(partner.clientSecret);
  const { data } = await mutate(
    acmeAdmin,
    `mutation($id: ID!, $scopes: [String!]!) { enableIntegration(partnerId: $id, scopes: $scopes) { id } }`,
    { id: partner.clientId, scopes: USER_SCOPES },
  );
  const tokens = await partnerTokensFor(stack.emulator, "admin@acme.test", USER_SCOPES.join(" "), {
    partner,
  });
  if (tokens.refreshToken) secrets.add(tokens.refreshToken);
  return {
    partnerId: partner.clientId,
    integrationId: (data.enableIntegration as { id: string }).id,
    token: await authorizationOf(tokens.accessToken),
  };
}

/** API keys created, rotated and revoked, and an integration enabled and disabled, each once, by one caller. */
async function keyAndIntegrationLifecycle(authorization: string, partnerId: string): Promise<Expected[]> {
  const expected: Expected[] = [];
  const created = await mutate(
    authorization,
    `mutation { createApiKey(name: "rotated and revoked", scopes: ["read:users"], kind: AUTH0_APPLICATION) { clientId clientSecret } }`,
  );
  const key = created.data.createApiKey as { clientId: string; clientSecret: string };
  secrets.add(key.clientSecret);
  expected.push({ action: "api_key.created", target: key.clientId, requestId: created.requestId });
  const rotated = await mutate(
    authorization,
    `mutation($id: ID!) { rotateApiKey(id: $id) { clientSecret } }`,
    {
      id: key.clientId,
    },
  );
  secrets.add((rotated.data.rotateApiKey as { clientSecret: string }).clientSecret);
  expected.push({ action: "api_key.rotated", target: key.clientId, requestId: rotated.requestId });
  const revoked = await mutate(authorization, `mutation($id: ID!) { revokeApiKey(id: $id) }`, {
    id: key.clientId,
  });
  expected.push({ action: "api_key.revoked", target: key.clientId, requestId: revoked.requestId });

  const enabled = await mutate(
    authorization,
    `mutation($partnerId: ID!) { enableIntegration(partnerId: $partnerId, scopes: ["read:users"]) { id } }`,
    { partnerId },
  );
  const integrationId = (enabled.data.enableIntegration as { id: string }).id;
  expected.push({ action: "integration.enabled", target: integrationId, requestId: enabled.requestId });
  const disabled = await mutate(
    authorization,
    `mutation($id: ID!) { disableIntegration(id: $id) { status } }`,
    {
      id: integrationId,
    },
  );
  expected.push({ action: "integration.disabled", target: integrationId, requestId: disabled.requestId });
  return expected;
}

describe("the audit trail", () => {
  it("records each user action once, with the right actor, for a user, an API key and a partner", async () => {
    const byUser = await userLifecycle(acmeAdmin);
    await expectRecordedOnce(byUser, {
      kind: "USER",
      subject: "auth0|acme-admin",
      clientId: "gatehouse-spa",
      partnerId: null,
    });

    const { data } = await mutate(
      acmeAdmin,
      `mutation($scopes: [String!]!) { createApiKey(name: "audited back end", scopes: $scopes, kind: AUTH0_APPLICATION) { clientId clientSecret } }`,
      { scopes: USER_SCOPES },
    );
    const key = data.createApiKey as { clientId: string; clientSecret: string };
    secrets.add(key.clientSecret);
    const byKey = await userLifecycle(basic(key.clientId, key.clientSecret));
    await expectRecordedOnce(byKey, {
      kind: "TENANT_APP",
      subject: `${key.clientId}@clients`,
      clientId: key.clientId,
      partnerId: null,
    });

    const partner = await partnerActingForAcmeAdmin();
    const byPartner = await userLifecycle(partner.token);
    await expectRecordedOnce(byPartner, {
      kind: "PARTNER",
      subject: "auth0|acme-admin",
      clientId: partner.partnerId,
      partnerId: partner.partnerId,
    });
  });

  it("records API keys created, rotated and revoked, and integrations enabled and disabled, by a user and an API key", async () => {
    await expectRecordedOnce(await keyAndIntegrationLifecycle(acmeAdmin, "initech-cms"), {
      kind: "USER",
      subject: "auth0|acme-admin",
      clientId: "gatehouse-spa",
      partnerId: null,
    });

    const { data } = await mutate(
      acmeAdmin,
      `mutation { createApiKey(name: "key manager", scopes: ["read:users", "manage:api_keys", "read:integrations", "manage:integrations"]) { clientId clientSecret } }`,
    );
    const manager = data.createApiKey as { clientId: string; clientSecret: string };
    secrets.add(manager.clientSecret);
    // Another partner: enabling one again re-activates the same integration, which would share its target.
    const partner = await registerPartner(stack, {
      name: "Audited Reports",
      callback: "http://127.0.0.1:4023/callback",
      scopes: ["read:users"],
    });
    secrets.add(partner.clientSecret);
    await expectRecordedOnce(
      await keyAndIntegrationLifecycle(basic(manager.clientId, manager.clientSecret), partner.clientId),
      {
        // A native key (the default kind) is its own subject: it has no Auth0 `<client_id>@clients` identity.
        kind: "TENANT_APP",
        subject: manager.clientId,
        clientId: manager.clientId,
        partnerId: null,
      },
    );
  });

  it("records a mutation a rule refused as refused, with the action it would have been", async () => {
    const member = await authorizationOf(await stack.userToken("member@acme.test"));
    const forbidden = await stack.graphql(`mutation { deleteUser(id: "auth0|acme-manager") }`, {
      authorization: member,
    });
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Another tenant's user is NOT_FOUND to a mutation: refused too.
    const notFound = await stack.graphql(
      `mutation { setUserBlocked(id: "auth0|globex-member", blocked: true) { id } }`,
      {
        authorization: acmeAdmin,
      },
    );
    expect(notFound.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    // Anonymous attempts name nobody: not recorded.
    const anonymous = await stack.graphql(`mutation { deleteUser(id: "auth0|acme-manager") }`);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const refused = pageOf(await auditEvents(acmeAdmin)).nodes.filter((event) => event.outcome === "REFUSED");
    expect(refused).toEqual([
      expect.objectContaining({
        action: "user.blocked",
        target: "auth0|globex-member",
        requestId: notFound.headers.get("x-request-id"),
        actor: expect.objectContaining({ kind: "USER", subject: "auth0|acme-admin" }),
        tenant: { id: "org_acme" },
      }),
      expect.objectContaining({
        action: "user.deleted",
        target: "auth0|acme-manager",
        requestId: forbidden.headers.get("x-request-id"),
        actor: { kind: "USER", subject: "auth0|acme-member", clientId: "gatehouse-spa", partnerId: null },
        tenant: { id: "org_acme" },
      }),
    ]);
    const all = await stack.gatehouse.store.auditLog.listAcrossTenants({ first: 1000 });
    expect(all.nodes.filter((event) => event.actor.kind === "ANONYMOUS")).toEqual([]);
  });

  it("records refusals by a licence, a quota and the write itself, and operators' changes and refusals, in the tenant concerned", async () => {
    const operator = await authorizationOf(await stack.userToken("operator@gatehouse.test"));
    const globexAdmin = await authorizationOf(await stack.userToken("admin@globex.test"));
    const enable = `mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id } }`;
    const setPlan =
      'mutation($plan: String!) { setTenantPlan(tenantId: "org_globex", plan: $plan) { name } }';
    const codeOf = (response: GraphQLResponse) => response.body.errors?.[0]?.extensions?.code;
    const operatorActor = {
      kind: "USER",
      subject: "auth0|operator",
      clientId: "gatehouse-spa",
      partnerId: null,
    };
    const expected: { tenant: string; requestId: string; event: Partial<AuditEvent> }[] = [];

    // A licence: Globex is back on free for one attempt.
    const toFree = await mutate(operator, setPlan, { plan: "free" });
    let licenceRefused: GraphQLResponse;
    try {
      licenceRefused = await stack.graphql(enable, { authorization: globexAdmin });
    } finally {
      const toPro = await mutate(operator, setPlan, { plan: "pro" });
      expected.push({
        tenant: "org_globex",
        requestId: toPro.requestId,
        event: {
          action: "tenant.plan_changed",
          outcome: "SUCCEEDED",
          target: "org_globex",
          actor: operatorActor,
        },
      });
    }
    expect(codeOf(licenceRefused)).toBe("LICENCE_REQUIRED");
    expected.push(
      {
        tenant: "org_globex",
        requestId: toFree.requestId,
        event: {
          action: "tenant.plan_changed",
          outcome: "SUCCEEDED",
          target: "org_globex",
          actor: operatorActor,
        },
      },
      {
        tenant: "org_globex",
        requestId: licenceRefused.headers.get("x-request-id") as string,
        event: {
          action: "integration.enabled",
          outcome: "REFUSED",
          target: null,
          actor: { kind: "USER", subject: "auth0|globex-admin", clientId: "gatehouse-spa", partnerId: null },
        },
      },
    );

    // A quota: a licence limits Acme to no integrations for one attempt.
    const granted = await mutate(
      operator,
      `mutation { grantLicence(tenantId: "org_acme", quota: "integrations", limit: 0) { id } }`,
    );
    const licenceId = (granted.data.grantLicence as { id: string }).id;
    let quotaRefused: GraphQLResponse;
    try {
      quotaRefused = await stack.graphql(enable, { authorization: acmeAdmin });
    } finally {
      const revoked = await mutate(
        operator,
        `mutation($id: ID!) { revokeLicence(tenantId: "org_acme", licenceId: $id) }`,
        { id: licenceId },
      );
      expected.push({
        tenant: "org_acme",
        requestId: revoked.requestId,
        event: { action: "licence.revoked", outcome: "SUCCEEDED", target: licenceId, actor: operatorActor },
      });
    }
    expect(quotaRefused.body.errors?.[0]?.extensions).toMatchObject({ code: "QUOTA_EXCEEDED", limit: 0 });
    expected.push(
      {
        tenant: "org_acme",
        requestId: granted.requestId,
        event: { action: "licence.granted", outcome: "SUCCEEDED", target: licenceId, actor: operatorActor },
      },
      {
        tenant: "org_acme",
        requestId: quotaRefused.headers.get("x-request-id") as string,
        event: {
          action: "integration.enabled",
          outcome: "REFUSED",
          actor: expect.objectContaining({ subject: "auth0|acme-admin" }),
        },
      },
    );

    // Refusals only the write can tell: an API key, and (by an operator) a licence, that do not exist.
    const missingKey = await stack.graphql(`mutation { revokeApiKey(id: "no-such-key") }`, {
      authorization: acmeAdmin,
    });
    expect(codeOf(missingKey)).toBe("NOT_FOUND");
    const missingLicenceId = randomUUID();
    const missingLicence = await stack.graphql(
      `mutation($id: ID!) { revokeLicence(tenantId: "org_acme", licenceId: $id) }`,
      { authorization: operator, variables: { id: missingLicenceId } },
    );
    expect(codeOf(missingLicence)).toBe("NOT_FOUND");
    // An operator refused by a rule, in the tenant the attempt named.
    const notMember = await stack.graphql(
      `mutation { removeFromTenant(userId: "auth0|globex-member", tenantId: "org_acme") }`,
      { authorization: operator },
    );
    expect(codeOf(notMember)).toBe("NOT_FOUND");
    // A caller in no tenant (a platform user with a lesser tenant-level role), in the tenant of the user named.
    const { users } = stack.management();
    const support = await users.create({
      connection: "Username-Password-Authentication",
      email: `support-${randomBytes(4).toString("hex")}@gatehouse.test`,
      password: SEED_PASSWORD,
    });
    await users.roles.assign(support.user_id as string, { roles: ["rol_member"] });
    // Made straight in Auth0 (no event stream here): the directory's pass brings them in.
    await stack.syncDirectory();
    const supportToken = await authorizationOf(
      await stack.userToken(support.email as string, { organization: null }),
    );
    const outsider = await stack.graphql(
      `mutation { setUserBlocked(id: "auth0|acme-member", blocked: true) { id } }`,
      { authorization: supportToken },
    );
    expect(outsider.body.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      missingPermission: "update:users",
    });
    const requestIdOf = (response: GraphQLResponse) => response.headers.get("x-request-id") as string;
    expected.push(
      {
        tenant: "org_acme",
        requestId: requestIdOf(missingKey),
        event: { action: "api_key.revoked", outcome: "REFUSED", target: "no-such-key" },
      },
      {
        tenant: "org_acme",
        requestId: requestIdOf(missingLicence),
        event: {
          action: "licence.revoked",
          outcome: "REFUSED",
          target: missingLicenceId,
          actor: operatorActor,
        },
      },
      {
        tenant: "org_acme",
        requestId: requestIdOf(notMember),
        event: {
          action: "user.removed_from_tenant",
          outcome: "REFUSED",
          target: "auth0|globex-member",
          actor: operatorActor,
        },
      },
      {
        tenant: "org_acme",
        requestId: requestIdOf(outsider),
        event: {
          action: "user.blocked",
          outcome: "REFUSED",
          target: "auth0|acme-member",
          actor: {
            kind: "USER",
            subject: support.user_id as string,
            clientId: "gatehouse-spa",
            partnerId: null,
          },
        },
      },
    );

    const trails = {
      org_acme: pageOf(await auditEvents(operator, { tenant: "org_acme" })).nodes,
      org_globex: pageOf(await auditEvents(operator, { tenant: "org_globex" })).nodes,
    };
    for (const { tenant, requestId, event } of expected) {
      const recorded = trails[tenant as keyof typeof trails].filter((entry) => entry.requestId === requestId);
      expect(recorded, `${event.action} in ${tenant}`).toEqual([
        expect.objectContaining({ ...event, tenant: { id: tenant } }),
      ]);
      // Once, and in that tenant only.
      const elsewhere = tenant === "org_acme" ? trails.org_globex : trails.org_acme;
      expect(elsewhere.filter((entry) => entry.requestId === requestId)).toEqual([]);
    }
  });

  it("needs read:audit, and shows a Globex admin only Globex's events", async () => {
    const member = await authorizationOf(await stack.userToken("member@acme.test"));
    const refused = await auditEvents(member);
    expect(refused.body.data).toEqual({ tenant: { auditEvents: null } });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: "FORBIDDEN",
      missingPermission: "read:audit",
    });

    const globexAdmin = await authorizationOf(await stack.userToken("admin@globex.test"));
    const { requestId } = await mutate(
      globexAdmin,
      `mutation { createUser(input: { email: "audited-${randomBytes(4).toString("hex")}@globex.test" }) { id } }`,
    );
    const globexEvents = pageOf(await auditEvents(globexAdmin)).nodes;
    expect(globexEvents.map((event) => event.requestId)).toContain(requestId);
    expect(globexEvents.every((event) => event.tenant?.id === "org_globex")).toBe(true);
    const acmeIds = new Set(pageOf(await auditEvents(acmeAdmin)).nodes.map((event) => event.id));
    expect(acmeIds.size).toBeGreaterThan(0);
    expect(globexEvents.filter((event) => acmeIds.has(event.id))).toEqual([]);

    const acmeAsked = await auditEvents(globexAdmin, { tenant: "org_acme" });
    expect(acmeAsked.body.data).toEqual({ tenant: null });
  });

  it("lists another tenant's events to a platform operator", async () => {
    const operator = await authorizationOf(await stack.userToken("operator@gatehouse.test"));
    const asOperator = pageOf(await auditEvents(operator, { tenant: "org_acme" })).nodes;
    const asAdmin = pageOf(await auditEvents(acmeAdmin)).nodes;
    expect(asOperator.length).toBeGreaterThan(0);
    expect(asOperator).toEqual(asAdmin);
  });

  it("pages with first and after, and filters by action, actor and time", async () => {
    const everything = pageOf(await auditEvents(acmeAdmin)).nodes;
    expect(everything.length).toBeGreaterThan(10);
    const times = everything.map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const paged: AuditEvent[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: AuditPage = pageOf(await auditEvents(acmeAdmin, { first: 4, after }));
      expect(page.nodes.length).toBeLessThanOrEqual(4);
      paged.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(everything);

    const deleted = pageOf(await auditEvents(acmeAdmin, { action: "user.deleted" })).nodes;
    expect(deleted).toEqual(everything.filter((event) => event.action === "user.deleted"));
    expect(deleted).toHaveLength(4); // three deletions and the refused one
    const byMember = pageOf(await auditEvents(acmeAdmin, { actor: "auth0|acme-member" })).nodes;
    expect(byMember).toEqual([expect.objectContaining({ action: "user.deleted", outcome: "REFUSED" })]);
    const middle = everything[Math.floor(everything.length / 2)] as AuditEvent;
    const since = pageOf(await auditEvents(acmeAdmin, { since: middle.at })).nodes;
    expect(since).toEqual(everything.filter((event) => Date.parse(event.at) >= Date.parse(middle.at)));

    const bad = await auditEvents(acmeAdmin, { after: "not-a-cursor" });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("never holds a secret: not through GraphQL, not in the store", async () => {
    expect(secrets.size).toBeGreaterThan(10);
    const operator = await authorizationOf(await stack.userToken("operator@gatehouse.test"));
    const texts = [
      JSON.stringify(pageOf(await auditEvents(operator, { tenant: "org_acme" }))),
      JSON.stringify(pageOf(await auditEvents(operator, { tenant: "org_globex" }))),
      JSON.stringify(await stack.gatehouse.store.auditLog.listAcrossTenants({ first: 1000 })),
    ];
    for (const text of texts) {
      for (const secret of secrets) expect(text.includes(secret), "a secret in the audit trail").toBe(false);
    }
  });

  it("forgets events past the retention period", async () => {
    expect(pageOf(await auditEvents(acmeAdmin)).nodes.length).toBeGreaterThan(0);
    expect(await stack.gatehouse.auditRetention.prune()).toBe(0);
    try {
      clockOffsetMs = 31 * 24 * 3600 * 1000;
      expect(await stack.gatehouse.auditRetention.prune()).toBeGreaterThan(0);
      expect(pageOf(await auditEvents(acmeAdmin)).nodes).toEqual([]);
    } finally {
      clockOffsetMs = 0;
    }
  });
});
