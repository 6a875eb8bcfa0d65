import type { Management } from "auth0";
import type { RoleDefinition, TenantDefinition } from "../auth0/tenant-definition.js";
import {
  partnerApplication,
  type DemoClient,
  type DemoData,
  type DemoOrganization,
  type DemoPartner,
  type DemoUser,
} from "../dev/demo-seed.js";
import type { ProvisioningApi, RoleState, TenantState } from "./tenant-state.js";

/** What the provisioner writes into `client_metadata` of the applications it creates. */
export const PROVISIONED_MARK = { provisioned_by: "gatehouse" } as const;

/** Auth0's database connection of a new tenant, where the demo users are created. */
export const DATABASE_CONNECTION = "Username-Password-Authentication";

export type StepAction = "create" | "change" | "leave";

/** One field a step sets: its value now (absent for a new object) and the value it will have. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to: unknown;
}

/** One object of the definition (or of the demo data) and what applying the plan does to it. */
export interface PlanStep {
  action: StepAction;
  /** The object, in words: `API https://api.gatehouse.local`, `role member`, `organization acme`. */
  subject: string;
  changes: FieldChange[];
  /** Absent for `leave`. */
  apply?: (api: ProvisioningApi, ids: ProvisionedIds) => Promise<void>;
}

/** Ids Auth0 assigns, known from the tenant or learnt while applying, which later steps need. */
export interface ProvisionedIds {
  roles: Map<string, string>;
  spaClientId?: string;
  server?: { clientId: string; clientSecret?: string };
  /** organization name → id. */
  organizations: Map<string, string>;
  /** email → user id. */
  users: Map<string, string>;
  /** application name → client id, for the demo's back ends and partners. */
  clients: Map<string, string>;
}

export class ProvisionError extends Error {}

const missingFrom = (current: readonly string[], wanted: readonly string[]) =>
  wanted.filter((value) => !current.includes(value));

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value) => b.includes(value)) && b.every((value) => a.includes(value));

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ProvisionError(`${what} is not known: an earlier step did not run`);
  return value;
}

/**
 * The application of this name (and type) the plan is about. Several of the same name: the one the
 * provisioner created; several of those, or none of them marked: ambiguous, and nothing is guessed.
 */
function findClient(
  clients: readonly Management.Client[],
  name: string,
  appType: string,
): Management.Client | undefined {
  const named = clients.filter((client) => client.name === name && (client.app_type ?? appType) === appType);
  if (named.length <= 1) return named[0];
  const marked = named.filter(
    (client) => client.client_metadata?.provisioned_by === PROVISIONED_MARK.provisioned_by,
  );
  if (marked.length === 1) return marked[0];
  throw new ProvisionError(
    `${named.length} applications are named "${name}"; rename all but one in the Auth0 dashboard and run again`,
  );
}

function grantOf(state: TenantState, clientId: string | undefined, audience: string, subjectType = "client") {
  if (!clientId) return undefined;
  return state.clientGrants.find(
    (grant) =>
      grant.client_id === clientId &&
      grant.audience === audience &&
      (grant.subject_type ?? "client") === subjectType,
  );
}

function step(
  subject: string,
  changes: FieldChange[],
  apply: NonNullable<PlanStep["apply"]>,
  action: StepAction = "change",
): PlanStep {
  return changes.length === 0 && action === "change"
    ? { action: "leave", subject, changes: [] }
    : { action, subject, changes, apply };
}

function apiStep(state: TenantState, definition: TenantDefinition): PlanStep {
  const wanted = definition.api;
  const subject = `API ${wanted.identifier}`;
  const settings = {
    enforce_policies: wanted.enforcePolicies,
    token_dialect: wanted.tokenDialect,
    allow_offline_access: wanted.allowOfflineAccess,
    skip_consent_for_verifiable_first_party_clients: wanted.skipConsentForVerifiableFirstPartyClients,
  };
  const current = state.api;
  if (!current) {
    const scopes = wanted.permissions.map((value) => ({ value, description: value }));
    return step(
      subject,
      [
        { field: "name", to: wanted.name },
        { field: "scopes", to: [...wanted.permissions] },
        ...Object.entries(settings).map(([field, to]) => ({ field, to })),
      ],
      async (api) => {
        await api.resourceServers.create({
          identifier: wanted.identifier,
          name: wanted.name,
          scopes,
          ...settings,
        });
      },
      "create",
    );
  }

  const currentScopes = (current.scopes ?? []).map((scope) => String(scope.value));
  const missing = missingFrom(currentScopes, wanted.permissions);
  const changes: FieldChange[] = [];
  // Permissions are added, never removed: another API client may rely on one the definition lacks.
  if (missing.length > 0)
    changes.push({ field: "scopes", from: currentScopes, to: [...currentScopes, ...missing] });
  for (const [field, to] of Object.entries(settings)) {
    const from = current[field as keyof typeof current];
    if (from !== to) changes.push({ field, from, to });
  }
  return step(subject, changes, async (api) => {
    const update: Management.UpdateResourceServerRequestContent = {};
    for (const change of changes) {
      if (change.field === "scopes") {
        update.scopes = [
          ...(current.scopes ?? []),
          ...missing.map((value) => ({ value, description: value })),
        ] as Management.ResourceServerScope[];
      } else {
        Object.assign(update, { [change.field]: change.to });
      }
    }
    await api.resourceServers.update(String(current.id), update);
  });
}

function roleStep(state: TenantState, definition: TenantDefinition, role: RoleDefinition): PlanStep {
  const subject = `role ${role.name}`;
  const audience = definition.api.identifier;
  const permissionsOf = (names: readonly string[]) =>
    names.map((permission_name) => ({ resource_server_identifier: audience, permission_name }));
  const current: RoleState | undefined = state.roles.find((candidate) => candidate.name === role.name);
  if (!current) {
    return step(
      subject,
      [
        { field: "description", to: role.description },
        { field: "permissions", to: [...role.permissions] },
      ],
      async (api, ids) => {
        const created = await api.roles.create({ name: role.name, description: role.description });
        ids.roles.set(role.name, String(created.id));
        await api.roles.permissions.add(String(created.id), { permissions: permissionsOf(role.permissions) });
      },
      "create",
    );
  }

  const changes: FieldChange[] = [];
  if (current.description !== role.description) {
    changes.push({ field: "description", from: current.description, to: role.description });
  }
  // A role keeps permissions the definition lacks: an operator may have widened it on purpose.
  const missing = missingFrom(current.permissions, role.permissions);
  if (missing.length > 0) {
    changes.push({
      field: "permissions",
      from: current.permissions,
      to: [...current.permissions, ...missing],
    });
  }
  return step(subject, changes, async (api) => {
    if (current.description !== role.description) {
      await api.roles.update(current.id, { description: role.description });
    }
    if (missing.length > 0)
      await api.roles.permissions.add(current.id, { permissions: permissionsOf(missing) });
  });
}

function spaStep(state: TenantState, definition: TenantDefinition): PlanStep {
  const wanted = definition.spa;
  const subject = `application "${wanted.name}" (single-page app)`;
  const refreshToken = { rotation_type: wanted.refreshTokenRotation, expiration_type: "expiring" } as const;
  const current = findClient(state.clients, wanted.name, "spa");
  if (!current) {
    return step(
      subject,
      [
        { field: "app_type", to: "spa" },
        { field: "grant_types", to: [...wanted.grantTypes] },
        { field: "callbacks", to: [...wanted.callbacks] },
        { field: "organization_usage", to: wanted.organizationUsage },
        { field: "refresh_token.rotation_type", to: wanted.refreshTokenRotation },
      ],
      async (api, ids) => {
        const created = await api.clients.create({
          name: wanted.name,
          app_type: "spa",
          token_endpoint_auth_method: "none",
          grant_types: [...wanted.grantTypes],
          callbacks: [...wanted.callbacks],
          organization_usage: wanted.organizationUsage,
          refresh_token: refreshToken,
          client_metadata: { ...PROVISIONED_MARK },
        });
        ids.spaClientId = String(created.client_id);
      },
      "create",
    );
  }

  const changes: FieldChange[] = [];
  const update: Management.UpdateClientRequestContent = {};
  const grantTypes = current.grant_types ?? [];
  const missingGrantTypes = missingFrom(grantTypes, wanted.grantTypes);
  if (missingGrantTypes.length > 0) {
    update.grant_types = [...grantTypes, ...missingGrantTypes];
    changes.push({ field: "grant_types", from: grantTypes, to: update.grant_types });
  }
  // The callbacks are the definition's exactly: a login must never return anywhere else.
  const callbacks = current.callbacks ?? [];
  if (!sameSet(callbacks, wanted.callbacks)) {
    update.callbacks = [...wanted.callbacks];
    changes.push({ field: "callbacks", from: callbacks, to: update.callbacks });
  }
  // Unset, Auth0 treats an application as `deny` (no organization logins).
  const organizationUsage = current.organization_usage ?? "deny";
  if (organizationUsage !== wanted.organizationUsage) {
    update.organization_usage = wanted.organizationUsage;
    changes.push({ field: "organization_usage", from: organizationUsage, to: wanted.organizationUsage });
  }
  const rotation = current.refresh_token?.rotation_type ?? "non-rotating";
  if (rotation !== wanted.refreshTokenRotation) {
    update.refresh_token = refreshToken;
    changes.push({ field: "refresh_token.rotation_type", from: rotation, to: wanted.refreshTokenRotation });
  }
  return step(subject, changes, async (api) => {
    await api.clients.update(String(current.client_id), update);
  });
}

function serverStep(state: TenantState, definition: TenantDefinition): PlanStep {
  const wanted = definition.server;
  const subject = `application "${wanted.name}" (Gatehouse's machine application)`;
  const current = findClient(state.clients, wanted.name, "non_interactive");
  if (!current) {
    return step(
      subject,
      [
        { field: "app_type", to: "non_interactive" },
        { field: "grant_types", to: ["client_credentials"] },
      ],
      async (api, ids) => {
        const created = await api.clients.create({
          name: wanted.name,
          description: wanted.description,
          app_type: "non_interactive",
          grant_types: ["client_credentials"],
          client_metadata: { ...PROVISIONED_MARK },
        });
        ids.server = { clientId: String(created.client_id), clientSecret: String(created.client_secret) };
      },
      "create",
    );
  }
  const grantTypes = current.grant_types ?? [];
  const changes: FieldChange[] = grantTypes.includes("client_credentials")
    ? []
    : [{ field: "grant_types", from: grantTypes, to: [...grantTypes, "client_credentials"] }];
  return step(subject, changes, async (api) => {
    await api.clients.update(String(current.client_id), {
      grant_types: [...grantTypes, "client_credentials"],
    });
  });
}

/** A client grant of `scope` for an application: created, or the scopes it lacks added (none removed). */
function grantStep(
  state: TenantState,
  subject: string,
  clientId: string | undefined,
  clientIdWhenApplying: (ids: ProvisionedIds) => string,
  audience: string,
  scope: readonly string[],
  subjectType: "client" | "user" = "client",
): PlanStep {
  const current = grantOf(state, clientId, audience, subjectType);
  if (!current) {
    return step(
      subject,
      [{ field: "scope", to: [...scope] }],
      async (api, ids) => {
        await api.clientGrants.create({
          client_id: clientIdWhenApplying(ids),
          audience,
          scope: [...scope],
          ...(subjectType === "user" ? { subject_type: "user" } : {}),
        });
      },
      "create",
    );
  }
  const currentScope = current.scope ?? [];
  const missing = missingFrom(currentScope, scope);
  const changes: FieldChange[] =
    missing.length === 0 ? [] : [{ field: "scope", from: currentScope, to: [...currentScope, ...missing] }];
  return step(subject, changes, async (api) => {
    await api.clientGrants.update(String(current.id), { scope: [...currentScope, ...missing] });
  });
}

/** Every organization is a Gatehouse tenant, whose partners must be let in (Gatehouse checks integrations). */
function existingOrganizationSteps(state: TenantState, definition: TenantDefinition): PlanStep[] {
  const wanted = definition.organizations.thirdPartyClientAccess;
  return state.organizations.map((org) => {
    const from = org.third_party_client_access ?? "block";
    const changes: FieldChange[] =
      from === wanted ? [] : [{ field: "third_party_client_access", from, to: wanted }];
    return step(`organization ${org.name}`, changes, async (api) => {
      await api.organizations.update(String(org.id), { third_party_client_access: wanted });
    });
  });
}

function demoUserStep(state: TenantState, user: DemoUser, password: string): PlanStep {
  const subject = `user ${user.email}`;
  const current = state.users.get(user.email);
  const roleNames = user.roles ?? [];
  const assignRoles = async (api: ProvisioningApi, ids: ProvisionedIds, names: readonly string[]) => {
    if (names.length === 0) return;
    const userId = need(ids.users.get(user.email), `the id of ${user.email}`);
    await api.users.roles.assign(userId, {
      roles: names.map((name) => need(ids.roles.get(name), `the id of role ${name}`)),
    });
  };
  if (!current) {
    return step(
      subject,
      [
        { field: "name", to: user.name },
        { field: "connection", to: DATABASE_CONNECTION },
        ...(roleNames.length ? [{ field: "roles", to: [...roleNames] }] : []),
      ],
      async (api, ids) => {
        const created = await api.users.create({
          connection: DATABASE_CONNECTION,
          // The demo's ids, so the demo's documentation and logs read the same on every tenant.
          user_id: user.id.replace(/^auth0\|/, ""),
          email: user.email,
          email_verified: true,
          name: user.name,
          password,
        });
        ids.users.set(user.email, String(created.user_id));
        await assignRoles(api, ids, roleNames);
      },
      "create",
    );
  }
  // An existing user keeps their password; only tenant-level roles they lack are added.
  const roleIdsByName = new Map(state.roles.map((role) => [role.name, role.id]));
  const held = roleNames.filter((name) => current.roleIds.includes(roleIdsByName.get(name) ?? ""));
  const missing = roleNames.filter((name) => !held.includes(name));
  const changes: FieldChange[] =
    missing.length === 0 ? [] : [{ field: "roles", from: held, to: [...held, ...missing] }];
  return step(subject, changes, (api, ids) => assignRoles(api, ids, missing));
}

function demoOrganizationStep(
  state: TenantState,
  definition: TenantDefinition,
  demo: DemoData,
  org: DemoOrganization,
): PlanStep {
  const subject = `organization ${org.name} (demo)`;
  const emailOf = (userId: string) => need(demo.users.find((user) => user.id === userId)?.email, userId);
  const current = state.organizations.find((candidate) => candidate.name === org.name);
  const roleIdsByName = new Map(state.roles.map((role) => [role.name, role.id]));
  const currentMembers = current?.id ? state.members.get(current.id) : undefined;

  // Members and their roles: the ones missing, by email and role name.
  const missingMembers: string[] = [];
  const missingRoles = new Map<string, string[]>();
  for (const [demoUserId, roleNames] of Object.entries(org.members)) {
    const email = emailOf(demoUserId);
    const userId = state.users.get(email)?.userId;
    const held = userId ? currentMembers?.get(userId) : undefined;
    if (!held) missingMembers.push(email);
    const heldNames = roleNames.filter((name) => held?.includes(roleIdsByName.get(name) ?? ""));
    const missing = roleNames.filter((name) => !heldNames.includes(name));
    if (missing.length > 0) missingRoles.set(email, missing);
  }

  const changes: FieldChange[] = [];
  const thirdPartyAccess = definition.organizations.thirdPartyClientAccess;
  if (!current) {
    changes.push({ field: "display_name", to: org.displayName });
    changes.push({ field: "metadata.plan", to: org.plan });
    changes.push({ field: "third_party_client_access", to: thirdPartyAccess });
  } else if ((current.third_party_client_access ?? "block") !== thirdPartyAccess) {
    changes.push({
      field: "third_party_client_access",
      from: current.third_party_client_access ?? "block",
      to: thirdPartyAccess,
    });
  }
  if (missingMembers.length > 0) changes.push({ field: "members", to: missingMembers });
  for (const [email, roles] of missingRoles) changes.push({ field: `roles of ${email}`, to: roles });

  return step(
    subject,
    changes,
    async (api, ids) => {
      let orgId = current?.id;
      if (orgId && (current?.third_party_client_access ?? "block") !== thirdPartyAccess) {
        await api.organizations.update(orgId, { third_party_client_access: thirdPartyAccess });
      }
      if (!orgId) {
        const created = await api.organizations.create({
          name: org.name,
          display_name: org.displayName,
          metadata: { plan: org.plan },
          third_party_client_access: thirdPartyAccess,
        });
        orgId = String(created.id);
        ids.organizations.set(org.name, orgId);
      }
      const userIdOf = (email: string) => need(ids.users.get(email), `the id of ${email}`);
      if (missingMembers.length > 0) {
        await api.organizations.members.create(orgId, { members: missingMembers.map(userIdOf) });
      }
      for (const [email, roles] of missingRoles) {
        await api.organizations.members.roles.assign(orgId, userIdOf(email), {
          roles: roles.map((name) => need(ids.roles.get(name), `the id of role ${name}`)),
        });
      }
    },
    current ? "change" : "create",
  );
}

function demoBackEndSteps(
  state: TenantState,
  definition: TenantDefinition,
  demo: DemoData,
  backEnd: DemoClient,
): PlanStep[] {
  const orgName = need(
    demo.organizations.find((org) => org.id === backEnd.organization)?.name,
    `the organization of ${backEnd.name}`,
  );
  const subject = `application "${backEnd.name}" (demo back end of ${orgName})`;
  const current = findClient(state.clients, backEnd.name, "non_interactive");
  const orgId = state.organizations.find((org) => org.name === orgName)?.id;
  let clientStep: PlanStep;
  if (!current) {
    clientStep = step(
      subject,
      [
        { field: "app_type", to: "non_interactive" },
        { field: "client_metadata.tenant_id", to: `the id of organization ${orgName}` },
      ],
      async (api, ids) => {
        const created = await api.clients.create({
          name: backEnd.name,
          app_type: "non_interactive",
          grant_types: ["client_credentials"],
          client_metadata: {
            tenant_id: need(ids.organizations.get(orgName), `the id of organization ${orgName}`),
            ...PROVISIONED_MARK,
          },
        });
        ids.clients.set(backEnd.name, String(created.client_id));
      },
      "create",
    );
  } else {
    const from = current.client_metadata?.tenant_id;
    const changes: FieldChange[] =
      orgId && from === orgId
        ? []
        : [{ field: "client_metadata.tenant_id", from, to: orgId ?? `the id of organization ${orgName}` }];
    clientStep = step(subject, changes, async (api, ids) => {
      await api.clients.update(String(current.client_id), {
        client_metadata: {
          tenant_id: need(ids.organizations.get(orgName), `the id of organization ${orgName}`),
        },
      });
    });
  }
  const grant = grantStep(
    state,
    `client grant of "${backEnd.name}" on ${definition.api.identifier}`,
    current?.client_id,
    (ids) => need(ids.clients.get(backEnd.name), `the id of ${backEnd.name}`),
    definition.api.identifier,
    backEnd.permissions,
  );
  return [clientStep, grant];
}

function demoPartnerSteps(
  state: TenantState,
  definition: TenantDefinition,
  partner: DemoPartner,
): PlanStep[] {
  const subject = `application "${partner.name}" (demo partner)`;
  const current = findClient(state.clients, partner.name, "regular_web");
  const clientStep = current
    ? step(subject, [], async () => {})
    : step(
        subject,
        [
          { field: "app_type", to: "regular_web" },
          { field: "is_first_party", to: false },
          { field: "callbacks", to: [...partner.callbacks] },
          { field: "client_metadata.gatehouse_partner", to: "true" },
        ],
        async (api, ids) => {
          const application = partnerApplication(partner);
          const created = await api.clients.create({
            ...application,
            client_metadata: { ...application.client_metadata, ...PROVISIONED_MARK },
          });
          ids.clients.set(partner.name, String(created.client_id));
        },
        "create",
      );
  const grant = grantStep(
    state,
    `client grant of "${partner.name}" on ${definition.api.identifier} (for users)`,
    current?.client_id,
    (ids) => need(ids.clients.get(partner.name), `the id of ${partner.name}`),
    definition.api.identifier,
    partner.permissions,
    "user",
  );
  return [clientStep, grant];
}

/** The ids the tenant already has, which the plan's steps start from. */
export function knownIds(state: TenantState, definition: TenantDefinition, demo?: DemoData): ProvisionedIds {
  const spa = findClient(state.clients, definition.spa.name, "spa");
  const server = findClient(state.clients, definition.server.name, "non_interactive");
  const clients = new Map<string, string>();
  for (const name of [...(demo?.backEnds ?? []), ...(demo?.partners ?? [])].map((client) => client.name)) {
    const found = state.clients.find((client) => client.name === name);
    if (found?.client_id) clients.set(name, found.client_id);
  }
  return {
    roles: new Map(state.roles.map((role) => [role.name, role.id])),
    ...(spa?.client_id ? { spaClientId: spa.client_id } : {}),
    ...(server?.client_id
      ? {
          server: {
            clientId: server.client_id,
            ...(server.client_secret ? { clientSecret: server.client_secret } : {}),
          },
        }
      : {}),
    organizations: new Map(state.organizations.map((org) => [String(org.name), String(org.id)])),
    users: new Map([...state.users].map(([email, user]) => [email, user.userId])),
    clients,
  };
}

/**
 * The plan: every object of the definition (and, with `demo`, of the demo data) in the order they depend
 * on each other, each to create, change (only the definition's fields) or leave. Nothing is ever deleted.
 */
export function planTenant(
  state: TenantState,
  definition: TenantDefinition,
  options: { demo?: DemoData; demoPassword?: string } = {},
): PlanStep[] {
  const server = findClient(state.clients, definition.server.name, "non_interactive");
  const steps: PlanStep[] = [
    apiStep(state, definition),
    ...definition.roles.map((role) => roleStep(state, definition, role)),
    spaStep(state, definition),
    serverStep(state, definition),
    grantStep(
      state,
      `client grant of "${definition.server.name}" on the Management API`,
      server?.client_id,
      (ids) => need(ids.server?.clientId, `the id of ${definition.server.name}`),
      state.managementAudience,
      definition.server.managementScopes,
    ),
    ...existingOrganizationSteps(
      {
        ...state,
        // The demo's organizations are planned with their members below.
        organizations: state.organizations.filter(
          (org) => !options.demo?.organizations.some((demoOrg) => demoOrg.name === org.name),
        ),
      },
      definition,
    ),
  ];
  const { demo } = options;
  if (!demo) return steps;
  const password = need(options.demoPassword, "the demo users' password");
  for (const user of demo.users) steps.push(demoUserStep(state, user, password));
  for (const org of demo.organizations) steps.push(demoOrganizationStep(state, definition, demo, org));
  for (const backEnd of demo.backEnds) steps.push(...demoBackEndSteps(state, definition, demo, backEnd));
  for (const partner of demo.partners) steps.push(...demoPartnerSteps(state, definition, partner));
  return steps;
}
