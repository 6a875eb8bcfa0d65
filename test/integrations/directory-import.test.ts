// A Gatehouse starting on an empty store imports the whole Auth0 tenant before it serves: here a tenant of
// 5,000 users in 300 organizations, past Auth0's 1,000-result user search, on PGlite and on Postgres. What the
// directory then holds is compared with what Auth0's Management API answers, object for object.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect } from "../../src/auth0/management.js";
import { createGatehouse, type Gatehouse } from "../../src/app.js";
import type { DirectoryMembership, DirectoryTenant, DirectoryUser } from "../../src/store/directory.js";
import type { StoreOptions } from "../../src/store/store.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { GATEHOUSE_API, SEED_PASSWORD, startStack, type Stack } from "../support/stack.js";

const USERS = 5_000;
const ORGANIZATIONS = 300;
/** Requests in flight while the tenant is built: a bulk tool's pace, not a flood. */
const IN_FLIGHT = 16;
const ROLES = ["rol_member", "rol_user_manager", "rol_tenant_admin"];

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await work(item);
      }
    }),
  );
}

/**
 * The tenant, built through the Management API as an Auth0 admin's script would: organizations, then users,
 * each a member of one or two organizations (every third membership with a role), a few renamed or blocked
 * after creation (so `updated_at` differs from `created_at`), a few platform operators.
 *
 * This is most of the file's time (about 25 s of ~40 on a loaded 2-core machine), and it cannot go faster
 * through the public surface: `POST /users` is the only way to create a user (the emulator has no bulk
 * import job), and the emulator hashes each password with scrypt (~3 ms) on the one thread it shares with
 * the test. The tenant is therefore built once and imported by both stores.
 */
async function buildTenant(stack: Stack): Promise<void> {
  const { users, organizations } = stack.management();
  const orgIds: string[] = [];
  await inBatches(
    Array.from({ length: ORGANIZATIONS }, (_, index) => index),
    IN_FLIGHT,
    async (index) => {
      const created = await organizations.create({
        name: `import-${index}`,
        display_name: `Import ${index}`,
        ...(index % 2 === 0 ? { metadata: { plan: index % 4 === 0 ? "pro" : "free" } } : {}),
      });
      orgIds[index] = String(created.id);
    },
  );
  const userIds: string[] = [];
  await inBatches(
    Array.from({ length: USERS }, (_, index) => index),
    IN_FLIGHT,
    async (index) => {
      const created = await users.create({
        connection: "Username-Password-Authentication",
        email: `person${index}@import.test`,
        password: SEED_PASSWORD,
        name: `Person ${index}`,
        ...(index % 5 === 0 ? { email_verified: true } : {}),
      });
      userIds[index] = String(created.user_id);
    },
  );

  // Members are added a hundred at a time per organization; member roles one member at a time, as Auth0 has it.
  const membersOf = new Map<string, string[]>(orgIds.map((id) => [id, []]));
  const roleAssignments: { orgId: string; userId: string; roleIds: string[] }[] = [];
  userIds.forEach((userId, index) => {
    const tenants = [orgIds[index % ORGANIZATIONS] as string];
    if (index % 3 === 0) tenants.push(orgIds[(index * 7 + 1) % ORGANIZATIONS] as string);
    for (const [position, orgId] of [...new Set(tenants)].entries()) {
      membersOf.get(orgId)?.push(userId);
      if ((index + position) % 3 === 0) {
        const roleIds = [ROLES[index % ROLES.length] as string];
        if (index % 15 === 0) roleIds.push(ROLES[(index + 1) % ROLES.length] as string);
        roleAssignments.push({ orgId, userId, roleIds });
      }
    }
  });
  const memberBatches = [...membersOf].flatMap(([orgId, members]) =>
    Array.from({ length: Math.ceil(members.length / 100) }, (_, batch) => ({
      orgId,
      members: members.slice(batch * 100, batch * 100 + 100),
    })),
  );
  await inBatches(memberBatches, IN_FLIGHT, ({ orgId, members }) =>
    organizations.members.create(orgId, { members }),
  );
  await inBatches(roleAssignments, IN_FLIGHT, ({ orgId, userId, roleIds }) =>
    organizations.members.roles.assign(orgId, userId, { roles: roleIds }),
  );

  const changed = userIds.filter((_, index) => index % 50 === 0);
  await inBatches(changed, IN_FLIGHT, (userId) =>
    users.update(userId, { name: `Renamed ${userId}`, blocked: changed.indexOf(userId) % 2 === 0 }),
  );
  const operators = userIds.filter((_, index) => index % 1_000 === 1);
  await inBatches(operators, IN_FLIGHT, (userId) =>
    users.roles.assign(userId, { roles: ["rol_platform_operator"] }),
  );
}

/** What Auth0 holds, read through the Management API with techniques of the test's own (not the importer's). */
interface Auth0Tenant {
  users: Map<string, Record<string, unknown>>;
  platformRoles: Map<string, string[]>;
  tenants: DirectoryTenant[];
  /** By tenant id, then user id: the member's role names, sorted. */
  members: Map<string, Map<string, string[]>>;
  clients: Map<string, Record<string, unknown>>;
}

async function readAuth0(stack: Stack): Promise<Auth0Tenant> {
  const { users, organizations, roles, clients } = stack.management();
  // Every user by the first character of their id: each such search stays under the 1,000-result window.
  const found = new Map<string, Record<string, unknown>>();
  const firstCharacters = [..."0123456789abcdefghijklmnopqrstuvwxyz"];
  await inBatches(firstCharacters, IN_FLIGHT, async (character) => {
    for (let page = 0; ; page += 1) {
      const answer = await users.list({
        q: `user_id:auth0|${character}*`,
        search_engine: "v3",
        per_page: 100,
        page,
        include_totals: true,
      });
      const total = Number((answer.response as { total?: unknown }).total);
      expect(total).toBeLessThanOrEqual(1_000);
      for (const user of answer.data) found.set(String(user.user_id), user as Record<string, unknown>);
      if ((page + 1) * 100 >= total) break;
    }
  });
  const everyone = await users.list({ per_page: 1, include_totals: true });
  expect(found.size).toBe(Number((everyone.response as { total?: unknown }).total));

  // Tenant-level roles by role (few holders), and every user checked against them.
  const platformRoles = new Map<string, string[]>();
  for (const role of await collect(await roles.list({ per_page: 100 }))) {
    for (const holder of await collect(await roles.users.list(String(role.id), { take: 100 }))) {
      const userId = String(holder.user_id);
      platformRoles.set(userId, [...(platformRoles.get(userId) ?? []), String(role.name)].sort());
    }
  }

  const orgs = await collect(await organizations.list({ take: 100 }));
  const members = new Map<string, Map<string, string[]>>();
  await inBatches(orgs, IN_FLIGHT, async (org) => {
    const listed = await collect(
      await organizations.members.list(String(org.id), {
        take: 100,
        fields: "user_id,roles",
        include_fields: true,
      }),
    );
    members.set(
      String(org.id),
      new Map(
        listed.map((member) => [
          String(member.user_id),
          (member.roles ?? []).map((role) => String(role.name)).sort(),
        ]),
      ),
    );
  });
  const tenants = orgs.map((org) => ({
    id: String(org.id),
    name: String(org.name),
    displayName: String(org.display_name ?? org.name),
    metadata: (org.metadata ?? {}) as Record<string, string>,
  }));

  const applications = await collect(await clients.list({ per_page: 100 }));
  return {
    users: found,
    platformRoles,
    tenants: tenants as DirectoryTenant[],
    members,
    clients: new Map(
      applications.map((client) => [String(client.client_id), client as Record<string, unknown>]),
    ),
  };
}

/** An Auth0 user as the directory should hold it. */
function expectedUser(user: Record<string, unknown>, platformRoleNames: string[]): DirectoryUser {
  return {
    id: String(user.user_id),
    email: user.email as string,
    name: user.name as string,
    picture: user.picture as string,
    emailVerified: user.email_verified as boolean,
    blocked: user.blocked === true,
    createdAt: user.created_at as string,
    lastLogin: (user.last_login as string | undefined) ?? null,
    loginsCount: user.logins_count as number,
    platformRoleNames,
    sourceTime: user.updated_at as string,
  };
}

const stores: [string, () => StoreOptions, (options: StoreOptions) => Promise<void>][] = [
  ["PGlite", () => ({}), async () => undefined],
  [
    "Postgres",
    () => ({ databaseUrl, schema: randomSchema() }),
    async (options) => (options.schema ? dropSchema(options.schema) : undefined),
  ],
];

let stack: Stack;
let auth0: Auth0Tenant;

beforeAll(async () => {
  stack = await startStack();
  await buildTenant(stack);
  auth0 = await readAuth0(stack);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe.each(stores)("on %s", (_name, storeOptions, cleanUp) => {
  let store: StoreOptions;
  let gatehouse: Gatehouse | undefined;
  const lines: string[] = [];
  let importMs = 0;

  beforeAll(async () => {
    store = storeOptions();
    const started = Date.now();
    gatehouse = await createGatehouse({
      issuer: stack.emulator.issuer,
      audience: GATEHOUSE_API,
      clientId: "gatehouse-server",
      clientSecret: "gatehouse-server-secret",
      store,
      directory: { fullPassIntervalMs: 3_600_000, changedUsersIntervalMs: 3_600_000 },
      log: (line) => lines.push(line),
    });
    await gatehouse.ready;
    importMs = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    await gatehouse?.close();
    await cleanUp(store);
  });

  it("an import of an emulator tenant with 5,000 users and 300 organizations completes and matches Auth0 object for object", async () => {
    const directory = (gatehouse as Gatehouse).store.directory;
    let memberships = 0;
    for (const members of auth0.members.values()) memberships += members.size;
    expect(auth0.users.size).toBeGreaterThan(USERS);
    expect(auth0.tenants.length).toBeGreaterThan(ORGANIZATIONS);
    expect(await directory.counts()).toEqual({
      users: auth0.users.size,
      tenants: auth0.tenants.length,
      memberships,
      clients: auth0.clients.size,
    });

    const stored = new Map(
      (await directory.findUsers([...auth0.users.keys()])).map((user) => [user.id, user]),
    );
    for (const [userId, user] of auth0.users) {
      expect(stored.get(userId)).toEqual(expectedUser(user, auth0.platformRoles.get(userId) ?? []));
    }

    const tenants: DirectoryTenant[] = [];
    for (let after: string | null = null; ;) {
      const page = await directory.listTenants({ first: 100, after });
      tenants.push(...page.nodes);
      if (!page.hasNextPage) break;
      after = page.endCursor;
    }
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    expect(tenants.map(({ sourceTime: _, ...tenant }) => tenant).sort(byId)).toEqual(
      [...auth0.tenants].sort(byId),
    );

    for (const [tenantId, members] of auth0.members) {
      expect((await directory.memberIds(tenantId)).sort()).toEqual([...members.keys()].sort());
      const found: Map<string, DirectoryMembership> = await directory.findMemberships(tenantId, [
        ...members.keys(),
      ]);
      expect(new Map([...found].map(([userId, membership]) => [userId, membership.roleNames]))).toEqual(
        members,
      );
    }

    for (const [clientId, client] of auth0.clients) {
      const found = await directory.findClient(clientId);
      expect(found).toMatchObject({
        id: clientId,
        name: client.name,
        appType: (client.app_type as string | undefined) ?? null,
        isFirstParty: client.is_first_party !== false,
      });
    }
  });

  it("prints its progress while importing, with counts and a rate", () => {
    expect(lines[0]).toBe("directory: importing the Auth0 tenant (first start)");
    expect(
      lines.some((line) => /^directory: importing (tenants|users) \d+\/\d+ \(\d+\/s, about/.test(line)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^directory: import done in [\\d.]+ s: ${auth0.tenants.length} tenants, \\d+ memberships, ${auth0.users.size} users read, ${auth0.clients.size} clients$`,
      ),
    );
    expect(importMs).toBeLessThan(60_000);
  });
});
