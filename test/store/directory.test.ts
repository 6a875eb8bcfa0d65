import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DirectoryCursorError,
  type DirectoryClient,
  type DirectoryConsent,
  type DirectoryMembership,
  type DirectoryRepository,
  type DirectoryTenant,
  type DirectoryUser,
  type Store,
} from "../../src/store/store.js";
import { randomTenantId, storeTargets } from "./databases.js";

/** A time on a fixed day, so that tests can say which change is older. */
function at(minute: number): string {
  return new Date(Date.UTC(2024, 4, 1, 0, minute)).toISOString();
}

function randomName(): string {
  return randomBytes(5).toString("hex");
}

function aUser(overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id: `auth0|${randomName()}`,
    email: `${randomName()}@example.com`,
    name: "Pat Example",
    picture: "https://example.com/pat.png",
    emailVerified: true,
    blocked: false,
    createdAt: "2023-02-03T04:05:06.789Z",
    lastLogin: "2024-04-30T10:00:00.000Z",
    loginsCount: 12,
    platformRoleNames: [],
    sourceTime: at(10),
    ...overrides,
  };
}

function aTenant(overrides: Partial<DirectoryTenant> = {}): DirectoryTenant {
  const id = randomTenantId();
  return {
    id,
    name: id.slice(4),
    displayName: "Acme",
    metadata: { plan: "gold" },
    sourceTime: at(10),
    ...overrides,
  };
}

function aMembership(tenantId: string, userId: string, overrides: Partial<DirectoryMembership> = {}) {
  return {
    tenantId,
    userId,
    roleNames: ["member"],
    sourceTime: at(10),
    ...overrides,
  } satisfies DirectoryMembership;
}

function aClient(overrides: Partial<DirectoryClient> = {}): DirectoryClient {
  return {
    id: randomName(),
    name: "Reporting",
    description: "Nightly exports",
    logoUri: "https://example.com/logo.png",
    appType: "non_interactive",
    isFirstParty: true,
    metadata: {},
    tenantId: null,
    createdAt: "2024-01-02T03:04:05.000Z",
    scopes: [],
    userScopes: [],
    sourceTime: at(10),
    ...overrides,
  };
}

function aConsent(
  userId: string,
  clientId: string,
  overrides: Partial<DirectoryConsent> = {},
): DirectoryConsent {
  return {
    id: `cgr_${randomName()}`,
    userId,
    clientId,
    scopes: ["read:users"],
    organizationId: null,
    ...overrides,
  };
}

/** Reads every page of a tenant's users, checking that the pages agree with one another. */
async function allTenantUsers(
  directory: DirectoryRepository,
  tenantId: string,
  search: string,
  first: number,
) {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await directory.listTenantUsers(tenantId, { search, first, after });
    ids.push(...page.nodes.map((user) => user.id));
    if (!page.hasNextPage) return { ids, totalCount: page.totalCount };
    after = page.endCursor;
  }
}

describe.each(storeTargets())("directory on $name", (target) => {
  let store: Store;
  let directory: DirectoryRepository;
  beforeAll(async () => {
    store = await target.open();
    directory = store.directory;
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanUp();
  });

  /** A tenant with these users as members, all written at minute 10. */
  async function tenantWith(users: DirectoryUser[]): Promise<string> {
    const tenant = aTenant();
    await directory.upsertTenant(tenant);
    await directory.upsertUsers(users);
    await directory.upsertMemberships(users.map((user) => aMembership(tenant.id, user.id)));
    return tenant.id;
  }

  describe("round trips", () => {
    it("a user comes back as it was stored, with null fields and platform roles", async () => {
      const full = aUser({ platformRoleNames: ["platform-admin", "support"] });
      const sparse = aUser({
        email: null,
        name: null,
        picture: null,
        emailVerified: null,
        blocked: true,
        createdAt: null,
        lastLogin: null,
        loginsCount: null,
        sourceTime: "2024-05-01T00:10:00.123Z",
      });

      expect(await directory.upsertUser(full)).toBe(true);
      expect(await directory.upsertUser(sparse)).toBe(true);

      expect(await directory.findUser(full.id)).toEqual(full);
      expect(await directory.findUser(sparse.id)).toEqual(sparse);
      const found = await directory.findUsers([sparse.id, full.id, "auth0|nobody"]);
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [full, sparse].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(await directory.findUser("auth0|nobody")).toBeNull();
      expect(await directory.findUsers([])).toEqual([]);
    });

    it("a tenant comes back with its metadata, alone or among others", async () => {
      const acme = aTenant({ metadata: { plan: "gold", region: "eu", "with space": 'a "quoted" value' } });
      const globex = aTenant({ metadata: {}, displayName: "Globex Corporation" });
      await directory.upsertTenants([acme, globex]);

      expect(await directory.findTenant(acme.id)).toEqual(acme);
      const found = await directory.findTenants([globex.id, acme.id, "org_nobody"]);
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [acme, globex].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(await directory.findTenant("org_nobody")).toBeNull();
    });

    it("a membership keeps its role names, sorted, and is found from both sides", async () => {
      const user = aUser();
      const tenantId = await tenantWith([user]);
      await directory.upsertMembership(
        aMembership(tenantId, user.id, { roleNames: ["viewer", "admin"], sourceTime: at(11) }),
      );

      const membership = { tenantId, userId: user.id, roleNames: ["admin", "viewer"], sourceTime: at(11) };
      expect(await directory.findMembership(tenantId, user.id)).toEqual(membership);
      expect(await directory.findMemberships(tenantId, [user.id, "auth0|nobody"])).toEqual(
        new Map([[user.id, membership]]),
      );
      expect(await directory.findMemberships(tenantId, [])).toEqual(new Map());
      expect(await directory.memberIds(tenantId)).toEqual([user.id]);
      expect(await directory.tenantsOfUser(user.id)).toEqual([tenantId]);
      expect(await directory.findMembership(randomTenantId(), user.id)).toBeNull();
    });

    it("a user's tenants and a tenant's members come sorted", async () => {
      const users = ["c", "a", "b"].map((letter) => aUser({ id: `auth0|${randomName()}-${letter}` }));
      const prefix = `org_${randomName()}`;
      const tenantIds = [`${prefix}-z`, `${prefix}-a`, `${prefix}-m`];
      for (const tenantId of tenantIds) {
        await directory.upsertTenant(aTenant({ id: tenantId }));
      }
      await directory.upsertUsers(users);
      await directory.upsertMemberships(tenantIds.map((tenantId) => aMembership(tenantId, users[0]!.id)));
      await directory.upsertMemberships(users.map((user) => aMembership(tenantIds[0]!, user.id)));

      expect(await directory.tenantsOfUser(users[0]!.id)).toEqual([...tenantIds].sort());
      expect(await directory.memberIds(tenantIds[0]!)).toEqual(users.map((user) => user.id).sort());
    });

    it("roles are replaced as a whole and listed by name", async () => {
      await directory.replaceRoles([
        { id: "rol_2", name: "Viewer", description: "Reads", permissions: ["read:users"] },
        { id: "rol_1", name: "admin", description: "", permissions: ["read:users", "update:users"] },
        { id: "rol_3", name: "Billing", description: "Pays", permissions: [] },
      ]);
      await directory.replaceRoles([
        {
          id: "rol_1",
          name: "admin",
          description: "Everything",
          permissions: ["read:users", "update:users"],
        },
        { id: "rol_2", name: "Viewer", description: "Reads", permissions: ["read:users"] },
      ]);

      expect(await directory.listRoles()).toEqual([
        {
          id: "rol_1",
          name: "admin",
          description: "Everything",
          permissions: ["read:users", "update:users"],
        },
        { id: "rol_2", name: "Viewer", description: "Reads", permissions: ["read:users"] },
      ]);
    });

    it("a client comes back as stored; API keys are listed per tenant and partners across tenants, by name", async () => {
      const tenantId = randomTenantId();
      const keyB = aClient({
        name: "b-key",
        tenantId,
        metadata: { gatehouse_api_key: "true", tenant_id: tenantId },
      });
      const keyA = aClient({
        name: "A-key",
        tenantId,
        metadata: { gatehouse_api_key: "true", tenant_id: tenantId },
        scopes: ["read:users"],
      });
      const notAKey = aClient({ name: "c-other", tenantId, metadata: { tenant_id: tenantId } });
      const partner = aClient({
        name: `partner ${randomName()}`,
        description: null,
        logoUri: null,
        appType: null,
        isFirstParty: false,
        metadata: { gatehouse_partner: "true" },
        createdAt: null,
        userScopes: ["read:users", "update:users"],
      });
      const firstPartyMarked = aClient({
        name: `spa ${randomName()}`,
        metadata: { gatehouse_partner: "true" },
      });
      expect(await directory.upsertClients([keyB, keyA, notAKey, partner, firstPartyMarked])).toBe(5);

      expect(await directory.findClient(partner.id)).toEqual(partner);
      expect(await directory.findClient(keyA.id)).toEqual(keyA);
      expect(await directory.listApiKeys(tenantId)).toEqual([keyA, keyB]);
      expect(await directory.listApiKeys(randomTenantId())).toEqual([]);
      const partners = await directory.listPartners();
      expect(partners).toContainEqual(partner);
      expect(partners.map((client) => client.id)).not.toContain(firstPartyMarked.id);
      expect(await directory.clientIds()).toEqual(expect.arrayContaining([keyA.id, keyB.id, partner.id]));
    });

    it("consents are found by user and by client", async () => {
      const user = aUser();
      await directory.upsertUser(user);
      const partner = aClient({ isFirstParty: false });
      const other = aClient({ isFirstParty: false });
      await directory.upsertClients([partner, other]);
      const toPartner = aConsent(user.id, partner.id, { organizationId: "org_acme" });
      const toOther = aConsent(user.id, other.id, { scopes: ["read:users", "update:users"] });

      await directory.upsertConsent(toPartner);
      await directory.upsertConsent(toOther);
      await directory.upsertConsent({ ...toOther, scopes: ["read:users"] });

      expect(await directory.consentsOfUser(user.id)).toEqual(
        [toPartner, { ...toOther, scopes: ["read:users"] }].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect(await directory.consentsOfClient(partner.id)).toEqual([toPartner]);

      await directory.deleteConsent(toPartner.id);
      expect(await directory.consentsOfClient(partner.id)).toEqual([]);
    });
  });

  describe("last write wins", () => {
    it("an older state of a user is ignored, an equal one applies again, a newer one replaces it", async () => {
      const user = aUser({ name: "Current", sourceTime: at(10) });
      await directory.upsertUser(user);

      expect(await directory.upsertUser({ ...user, name: "Stale", sourceTime: at(9) })).toBe(false);
      expect(await directory.findUser(user.id)).toEqual(user);
      expect(await directory.upsertUser(user)).toBe(true);
      expect(await directory.upsertUser({ ...user, name: "Newer", sourceTime: at(11) })).toBe(true);
      expect(await directory.findUser(user.id)).toEqual({ ...user, name: "Newer", sourceTime: at(11) });
    });

    it("a deleted user stays deleted against older and equal states, and comes back with a newer one", async () => {
      const user = aUser({ sourceTime: at(10) });
      await directory.upsertUser(user);

      expect(await directory.deleteUser(user.id, at(20))).toBe(true);
      expect(await directory.findUser(user.id)).toBeNull();
      expect(await directory.upsertUser({ ...user, sourceTime: at(15) })).toBe(false);
      expect(await directory.upsertUser({ ...user, sourceTime: at(20) })).toBe(false);
      expect(await directory.findUser(user.id)).toBeNull();
      expect(await directory.findUsers([user.id])).toEqual([]);

      expect(await directory.upsertUser({ ...user, name: "Back", sourceTime: at(21) })).toBe(true);
      expect(await directory.findUser(user.id)).toEqual({ ...user, name: "Back", sourceTime: at(21) });
    });

    it("a deletion older than the stored state is ignored", async () => {
      const user = aUser({ sourceTime: at(10) });
      await directory.upsertUser(user);

      expect(await directory.deleteUser(user.id, at(9))).toBe(false);
      expect(await directory.findUser(user.id)).toEqual(user);
    });

    it("a deletion that arrives before the user was ever stored still keeps its older state out", async () => {
      const user = aUser({ sourceTime: at(10) });

      expect(await directory.deleteUser(user.id, at(20))).toBe(true);
      expect(await directory.upsertUser(user)).toBe(false);
      expect(await directory.findUser(user.id)).toBeNull();
    });

    it("tenants and clients follow the same rules", async () => {
      const tenant = aTenant({ sourceTime: at(10) });
      await directory.upsertTenant(tenant);
      expect(await directory.upsertTenant({ ...tenant, name: "stale", sourceTime: at(9) })).toBe(false);
      expect(await directory.findTenant(tenant.id)).toEqual(tenant);
      expect(await directory.deleteTenant(tenant.id, at(20))).toBe(true);
      expect(await directory.upsertTenant({ ...tenant, sourceTime: at(19) })).toBe(false);
      expect(await directory.findTenant(tenant.id)).toBeNull();
      expect(await directory.tenantIds()).not.toContain(tenant.id);
      expect(await directory.upsertTenant({ ...tenant, sourceTime: at(21) })).toBe(true);
      expect(await directory.findTenant(tenant.id)).toEqual({ ...tenant, sourceTime: at(21) });

      const client = aClient({ sourceTime: at(10) });
      await directory.upsertClient(client);
      expect(await directory.upsertClient({ ...client, name: "stale", sourceTime: at(9) })).toBe(false);
      expect(await directory.findClient(client.id)).toEqual(client);
      expect(await directory.deleteClient(client.id, at(20))).toBe(true);
      expect(await directory.upsertClient({ ...client, sourceTime: at(20) })).toBe(false);
      expect(await directory.findClient(client.id)).toBeNull();
      expect(await directory.clientIds()).not.toContain(client.id);
      expect(await directory.upsertClient({ ...client, sourceTime: at(21) })).toBe(true);
      expect(await directory.findClient(client.id)).toEqual({ ...client, sourceTime: at(21) });
    });

    it("a removed membership stays removed against an older addition, and comes back with a newer one", async () => {
      const user = aUser();
      const tenantId = await tenantWith([user]);

      expect(await directory.removeMembership(tenantId, user.id, at(20))).toBe(true);
      expect(await directory.findMembership(tenantId, user.id)).toBeNull();
      expect(await directory.upsertMembership(aMembership(tenantId, user.id, { sourceTime: at(19) }))).toBe(
        false,
      );
      expect(await directory.memberIds(tenantId)).toEqual([]);
      expect(await directory.tenantsOfUser(user.id)).toEqual([]);

      expect(await directory.upsertMembership(aMembership(tenantId, user.id, { sourceTime: at(21) }))).toBe(
        true,
      );
      expect(await directory.memberIds(tenantId)).toEqual([user.id]);
      expect(await directory.removeMembership(tenantId, user.id, at(20))).toBe(false);
      expect(await directory.memberIds(tenantId)).toEqual([user.id]);
    });

    it("a bulk upsert applies only what is newer, and counts a user listed twice once, with their newest state", async () => {
      const user = aUser({ sourceTime: at(10) });
      await directory.upsertUser(user);
      const fresh = aUser();

      const applied = await directory.upsertUsers([
        { ...user, name: "Stale", sourceTime: at(9) },
        { ...fresh, name: "Newest", sourceTime: at(12) },
        { ...fresh, name: "Older", sourceTime: at(11) },
      ]);

      expect(applied).toBe(1);
      expect(await directory.findUser(user.id)).toEqual(user);
      expect(await directory.findUser(fresh.id)).toEqual({ ...fresh, name: "Newest", sourceTime: at(12) });
    });
  });

  describe("cascades", () => {
    it("deleting a user ends their memberships and consents, and a late addition of them is ignored", async () => {
      const user = aUser();
      const other = aUser();
      const tenantId = await tenantWith([user, other]);
      const partner = aClient({ isFirstParty: false });
      await directory.upsertClient(partner);
      await directory.upsertConsent(aConsent(user.id, partner.id));

      await directory.deleteUser(user.id, at(20));

      expect(await directory.findMembership(tenantId, user.id)).toBeNull();
      expect(await directory.tenantsOfUser(user.id)).toEqual([]);
      expect(await directory.memberIds(tenantId)).toEqual([other.id]);
      expect(await directory.consentsOfUser(user.id)).toEqual([]);
      expect(await directory.consentsOfClient(partner.id)).toEqual([]);
      expect((await directory.listTenantUsers(tenantId, { first: 10 })).totalCount).toBe(1);

      expect(await directory.upsertMembership(aMembership(tenantId, user.id, { sourceTime: at(19) }))).toBe(
        false,
      );
      await directory.upsertConsent(aConsent(user.id, partner.id));
      expect(await directory.memberIds(tenantId)).toEqual([other.id]);
      expect(await directory.consentsOfUser(user.id)).toEqual([]);
    });

    it("deleting a tenant ends its memberships", async () => {
      const user = aUser();
      const tenantId = await tenantWith([user]);
      const otherTenantId = await tenantWith([user]);

      await directory.deleteTenant(tenantId, at(20));

      expect(await directory.memberIds(tenantId)).toEqual([]);
      expect(await directory.findMembership(tenantId, user.id)).toBeNull();
      expect(await directory.tenantsOfUser(user.id)).toEqual([otherTenantId]);
      expect(await directory.listTenantUsers(tenantId, { first: 10 })).toEqual({
        nodes: [],
        totalCount: 0,
        hasNextPage: false,
        endCursor: null,
      });
      expect(await directory.upsertMembership(aMembership(tenantId, user.id, { sourceTime: at(20) }))).toBe(
        false,
      );
      expect(await directory.findUser(user.id)).toEqual(user);
    });

    it("deleting a client ends the consents given to it", async () => {
      const user = aUser();
      await directory.upsertUser(user);
      const partner = aClient({ isFirstParty: false });
      const other = aClient({ isFirstParty: false });
      await directory.upsertClients([partner, other]);
      const kept = aConsent(user.id, other.id);
      await directory.upsertConsent(aConsent(user.id, partner.id));
      await directory.upsertConsent(kept);

      await directory.deleteClient(partner.id, at(20));

      expect(await directory.consentsOfUser(user.id)).toEqual([kept]);
    });
  });

  describe("listing a tenant's users", () => {
    it("searches the start of the email, of the name and of any word of the name, ignoring case", async () => {
      const ada = aUser({ email: "ada.lovelace@example.com", name: "Ada Augusta King" });
      const grace = aUser({ email: "grace@navy.example", name: "Grace Brewster Hopper" });
      const kingsley = aUser({ email: "kb@example.com", name: "Kingsley Amis" });
      const nameless = aUser({ email: "nobody@example.com", name: null });
      const emailless = aUser({ email: null, name: "Émile Zola" });
      const tenantId = await tenantWith([ada, grace, kingsley, nameless, emailless]);
      const search = async (text: string) =>
        (await directory.listTenantUsers(tenantId, { search: text, first: 100 })).nodes
          .map((user) => user.id)
          .sort();
      const ids = (...users: DirectoryUser[]) => users.map((user) => user.id).sort();

      expect(await search("ada.love")).toEqual(ids(ada));
      expect(await search("GRACE@NAVY")).toEqual(ids(grace));
      expect(await search("grace brew")).toEqual(ids(grace));
      expect(await search("  Grace   Brewster  ")).toEqual(ids(grace));
      expect(await search("hop")).toEqual(ids(grace));
      expect(await search("king")).toEqual(ids(ada, kingsley));
      expect(await search("augusta k")).toEqual([]);
      expect(await search("ÉMILE")).toEqual(ids(emailless));
      expect(await search("zol")).toEqual(ids(emailless));
      expect(await search("example")).toEqual([]);
      expect(await search("nobody")).toEqual(ids(nameless));
      expect(await search("   ")).toEqual(ids(ada, grace, kingsley, nameless, emailless));
    });

    it("takes % and _ literally", async () => {
      const percent = aUser({ email: "a%b@example.com", name: "Percent" });
      const underscore = aUser({ email: "a_b@example.com", name: "Under Score" });
      const plain = aUser({ email: "axb@example.com", name: "Plain" });
      const backslash = aUser({ email: "a\\b@example.com", name: "Back Slash" });
      const tenantId = await tenantWith([percent, underscore, plain, backslash]);
      const search = async (text: string) =>
        (await directory.listTenantUsers(tenantId, { search: text, first: 100 })).nodes.map(
          (user) => user.id,
        );

      expect(await search("a%")).toEqual([percent.id]);
      expect(await search("a_")).toEqual([underscore.id]);
      expect(await search("%")).toEqual([]);
      expect(await search("_")).toEqual([]);
      expect(await search("a\\")).toEqual([backslash.id]);
      expect(await search("a\\%")).toEqual([]);
    });

    it("follows a user's changes: an old name or email no longer finds them", async () => {
      const user = aUser({ email: "old@example.com", name: "Old Name" });
      const tenantId = await tenantWith([user]);
      await directory.upsertUser({ ...user, email: "new@example.com", name: "New Name", sourceTime: at(11) });
      const found = async (text: string) =>
        (await directory.listTenantUsers(tenantId, { search: text, first: 10 })).totalCount;

      expect(await found("old")).toBe(0);
      expect(await found("new")).toBe(1);
      expect(await found("name")).toBe(1);
      await directory.deleteUser(user.id, at(20));
      expect(await found("new")).toBe(0);
    });

    it("shows only the tenant's own, live members whose user the directory holds", async () => {
      const member = aUser();
      const removed = aUser();
      const outsider = aUser();
      const tenantId = await tenantWith([member, removed]);
      // The member's roles elsewhere are not theirs here.
      const elsewhere = await tenantWith([outsider, member]);
      await directory.upsertMembership(
        aMembership(elsewhere, member.id, { roleNames: ["admin"], sourceTime: at(12) }),
      );
      await directory.removeMembership(tenantId, removed.id, at(11));
      await directory.upsertMembership(aMembership(tenantId, "auth0|not-yet-arrived"));

      const page = await directory.listTenantUsers(tenantId, { first: 10 });

      // Each member comes with their roles in this tenant, read with the page.
      expect(page.nodes).toEqual([{ ...member, memberRoleNames: ["member"] }]);
      expect(page.totalCount).toBe(1);
      expect(await directory.memberIds(tenantId)).toEqual([member.id, "auth0|not-yet-arrived"].sort());
    });

    it("pages through to the end in user id order, with the real total and an exact hasNextPage", async () => {
      const run = randomName();
      const users = Array.from({ length: 7 }, (_, index) =>
        aUser({ id: `auth0|${run}-${index}`, name: index % 2 === 0 ? `Even ${index}` : `Odd ${index}` }),
      );
      const tenantId = await tenantWith([...users].reverse());

      const first = await directory.listTenantUsers(tenantId, { first: 3 });
      expect(first.nodes.map((user) => user.id)).toEqual(users.slice(0, 3).map((user) => user.id));
      expect(first).toMatchObject({ totalCount: 7, hasNextPage: true, endCursor: expect.any(String) });
      const second = await directory.listTenantUsers(tenantId, { first: 3, after: first.endCursor });
      expect(second.nodes.map((user) => user.id)).toEqual(users.slice(3, 6).map((user) => user.id));
      expect(second).toMatchObject({ totalCount: 7, hasNextPage: true });
      const last = await directory.listTenantUsers(tenantId, { first: 3, after: second.endCursor });
      expect(last.nodes.map((user) => user.id)).toEqual([users[6]!.id]);
      expect(last).toMatchObject({ totalCount: 7, hasNextPage: false });

      const exact = await directory.listTenantUsers(tenantId, { first: 4, after: first.endCursor });
      expect(exact.nodes).toHaveLength(4);
      expect(exact.hasNextPage).toBe(false);
      const beyond = await directory.listTenantUsers(tenantId, { first: 3, after: last.endCursor });
      expect(beyond).toEqual({ nodes: [], totalCount: 7, hasNextPage: false, endCursor: null });

      expect(await allTenantUsers(directory, tenantId, "even", 2)).toEqual({
        ids: [0, 2, 4, 6].map((index) => users[index]!.id),
        totalCount: 4,
      });
    });

    it("keeps its place when users are added before the cursor or the last user shown is removed", async () => {
      const run = randomName();
      const user = (letter: string) => aUser({ id: `auth0|${run}-${letter}` });
      const [a, c, e, g] = [user("a"), user("c"), user("e"), user("g")];
      const tenantId = await tenantWith([a, c, e, g]);

      const first = await directory.listTenantUsers(tenantId, { first: 2 });
      expect(first.nodes.map((node) => node.id)).toEqual([a.id, c.id]);
      const b = user("b");
      await directory.upsertUser(b);
      await directory.upsertMembership(aMembership(tenantId, b.id));
      await directory.removeMembership(tenantId, c.id, at(11));

      const second = await directory.listTenantUsers(tenantId, { first: 2, after: first.endCursor });
      expect(second.nodes.map((node) => node.id)).toEqual([e.id, g.id]);
      expect(second.totalCount).toBe(4);
      expect(second.hasNextPage).toBe(false);
    });

    it("refuses a cursor it did not give out", async () => {
      const user = aUser();
      const tenantId = await tenantWith([user]);
      const { endCursor } = await directory.listTenantUsers(tenantId, { first: 1 });
      const tenantsCursor = (await directory.listTenants({ first: 1 })).endCursor;

      for (const after of ["", "not a cursor", "bWVtYmVyczo", "@@@", `${endCursor}!`, tenantsCursor]) {
        await expect(directory.listTenantUsers(tenantId, { first: 1, after })).rejects.toThrow(
          DirectoryCursorError,
        );
      }
      await expect(directory.listTenants({ first: 1, after: endCursor })).rejects.toThrow(
        DirectoryCursorError,
      );
    });

    it("keeps a page between 1 and 100 users whatever it is asked for", async () => {
      const users = Array.from({ length: 3 }, () => aUser());
      const tenantId = await tenantWith(users);

      expect((await directory.listTenantUsers(tenantId, { first: 0 })).nodes).toHaveLength(1);
      expect((await directory.listTenantUsers(tenantId, { first: -5 })).nodes).toHaveLength(1);
      expect((await directory.listTenantUsers(tenantId, { first: 1000 })).nodes).toHaveLength(3);
    });

    it("finds and pages through a tenant of a few thousand users written in one bulk upsert", async () => {
      const run = randomName();
      const users = Array.from({ length: 3000 }, (_, index) =>
        aUser({
          id: `auth0|${run}-${String(index).padStart(4, "0")}`,
          email: `user${index}@${run}.example`,
          name: `Person ${index % 10 === 0 ? "Tenth" : "Other"} ${index}`,
        }),
      );

      const tenantId = await tenantWith(users);

      expect(await directory.memberIds(tenantId)).toHaveLength(3000);
      const tenth = await allTenantUsers(directory, tenantId, "tenth", 100);
      expect(tenth.totalCount).toBe(300);
      expect(tenth.ids).toEqual(users.filter((_, index) => index % 10 === 0).map((user) => user.id));
      const page = await directory.listTenantUsers(tenantId, { search: "user12", first: 5 });
      expect(page.totalCount).toBe(111);
      expect(page.nodes.map((user) => user.email)).toEqual([
        `user12@${run}.example`,
        `user120@${run}.example`,
        `user121@${run}.example`,
        `user122@${run}.example`,
        `user123@${run}.example`,
      ]);
    });
  });

  describe("listing tenants", () => {
    it("pages through every tenant by id, with the real total", async () => {
      const prefix = `org_${randomName()}`;
      const deleted = aTenant({ id: `${prefix}-d` });
      await directory.upsertTenants(["a", "b", "c"].map((letter) => aTenant({ id: `${prefix}-${letter}` })));
      await directory.upsertTenant(deleted);
      await directory.deleteTenant(deleted.id, at(20));
      const { tenants: total } = await directory.counts();

      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await directory.listTenants({ first: 2, after });
        expect(page.totalCount).toBe(total);
        seen.push(...page.nodes.map((tenant) => tenant.id));
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }

      expect(seen).toHaveLength(total);
      expect(seen).toEqual([...seen].sort());
      expect(seen).toEqual(expect.arrayContaining([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]));
      expect(seen).not.toContain(deleted.id);
      expect(await directory.tenantIds()).toEqual(seen);
    });
  });

  describe("full passes", () => {
    it("replacing a tenant's memberships ends the others but keeps a change newer than the pass", async () => {
      const [stays, leaves, joins, changedDuringPass, removedDuringPass] = Array.from({ length: 5 }, () =>
        aUser(),
      );
      const tenantId = await tenantWith([stays!, leaves!, changedDuringPass!, removedDuringPass!]);
      await directory.upsertUser(joins!);
      await directory.upsertMembership(
        aMembership(tenantId, changedDuringPass!.id, { roleNames: ["admin"], sourceTime: at(31) }),
      );
      await directory.removeMembership(tenantId, removedDuringPass!.id, at(31));

      await directory.replaceMemberships(
        tenantId,
        [
          aMembership(tenantId, stays!.id, { roleNames: ["owner"], sourceTime: at(30) }),
          aMembership(tenantId, joins!.id, { sourceTime: at(30) }),
          aMembership(tenantId, removedDuringPass!.id, { sourceTime: at(30) }),
        ],
        at(30),
      );

      expect(await directory.memberIds(tenantId)).toEqual(
        [stays!.id, joins!.id, changedDuringPass!.id].sort(),
      );
      expect(await directory.findMembership(tenantId, stays!.id)).toMatchObject({ roleNames: ["owner"] });
      expect(await directory.findMembership(tenantId, changedDuringPass!.id)).toEqual(
        aMembership(tenantId, changedDuringPass!.id, { roleNames: ["admin"], sourceTime: at(31) }),
      );
      expect(
        await directory.upsertMembership(aMembership(tenantId, leaves!.id, { sourceTime: at(29) })),
      ).toBe(false);
    });

    it("replacing a tenant's memberships with none ends them all, and refuses another tenant's", async () => {
      const user = aUser();
      const tenantId = await tenantWith([user]);

      await expect(
        directory.replaceMemberships(tenantId, [aMembership(randomTenantId(), user.id)], at(30)),
      ).rejects.toThrow(`replacing the memberships of ${tenantId} was given one of org_`);
      expect(await directory.memberIds(tenantId)).toEqual([user.id]);

      await directory.replaceMemberships(tenantId, [], at(30));
      expect(await directory.memberIds(tenantId)).toEqual([]);
    });

    it("replacing the consents keeps exactly those given", async () => {
      const user = aUser();
      await directory.upsertUser(user);
      const partner = aClient({ isFirstParty: false });
      await directory.upsertClient(partner);
      const dropped = aConsent(user.id, partner.id);
      const changed = aConsent(user.id, partner.id);
      await directory.upsertConsent(dropped);
      await directory.upsertConsent(changed);
      const added = aConsent(user.id, partner.id, { organizationId: "org_acme" });

      await directory.replaceConsents([{ ...changed, scopes: ["update:users"] }, added]);

      expect(await directory.consentsOfClient(partner.id)).toEqual(
        [{ ...changed, scopes: ["update:users"] }, added].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
    });

    it("platform roles are set on stored users, and users in no tenant with no role are listed", async () => {
      const operator = aUser();
      const loner = aUser();
      const member = aUser();
      await directory.upsertUsers([operator, loner]);
      await tenantWith([member]);

      expect(await directory.setPlatformRoles(operator.id, ["platform-admin"])).toBe(true);
      expect(await directory.setPlatformRoles("auth0|nobody", ["platform-admin"])).toBe(false);

      expect(await directory.findUser(operator.id)).toEqual({
        ...operator,
        platformRoleNames: ["platform-admin"],
      });
      expect(await directory.userIdsWithPlatformRoles()).toContain(operator.id);
      expect(await directory.userIdsWithPlatformRoles()).not.toContain(loner.id);
      const candidates = await directory.userIdsWithoutTenantOrRole();
      expect(candidates).toContain(loner.id);
      expect(candidates).not.toContain(operator.id);
      expect(candidates).not.toContain(member.id);
    });
  });

  describe("sync bookkeeping", () => {
    it("records an event once: a second delivery is reported as a duplicate until the id is forgotten", async () => {
      const eventId = `evt_${randomName()}`;

      expect(await directory.hasEvent(eventId)).toBe(false);
      expect(await directory.recordEvent(eventId, at(10))).toBe(true);
      expect(await directory.recordEvent(eventId, at(11))).toBe(false);
      expect(await directory.hasEvent(eventId)).toBe(true);

      expect(await directory.forgetEventsBefore(at(10))).toBe(0);
      expect(await directory.forgetEventsBefore(at(11))).toBeGreaterThanOrEqual(1);
      expect(await directory.hasEvent(eventId)).toBe(false);
    });

    it("keeps state as JSON under a key, null until set", async () => {
      const key = `test-${randomName()}`;

      expect(await directory.getState(key)).toBeNull();
      await directory.setState(key, {
        at: at(10),
        phases: ["users", "tenants"],
        done: 3,
        nested: { ok: true },
      });
      expect(await directory.getState(key)).toEqual({
        at: at(10),
        phases: ["users", "tenants"],
        done: 3,
        nested: { ok: true },
      });
      await directory.setState(key, ["a", 1]);
      expect(await directory.getState(key)).toEqual(["a", 1]);
      await directory.setState(key, "done");
      expect(await directory.getState<string>(key)).toBe("done");
    });

    it("gives a lease to one holder at a time, until it expires or is released", async () => {
      const lease = `lease-${randomName()}`;
      const now = Date.parse(at(10));

      expect(await directory.tryLease(lease, "instance-a", now + 60_000, now)).toBe(true);
      expect(await directory.tryLease(lease, "instance-b", now + 60_000, now + 1000)).toBe(false);
      expect(await directory.tryLease(lease, "instance-a", now + 120_000, now + 20_000)).toBe(true);
      expect(await directory.tryLease(lease, "instance-b", now + 180_000, now + 100_000)).toBe(false);
      expect(await directory.tryLease(lease, "instance-b", now + 180_000, now + 120_000)).toBe(true);

      await directory.releaseLease(lease, "instance-a");
      expect(await directory.tryLease(lease, "instance-a", now + 200_000, now + 130_000)).toBe(false);
      await directory.releaseLease(lease, "instance-b");
      expect(await directory.tryLease(lease, "instance-a", now + 200_000, now + 130_000)).toBe(true);
    });

    it("counts users, tenants, memberships and clients, not what was deleted", async () => {
      const before = await directory.counts();
      const [kept, deleted] = [aUser(), aUser()];
      const tenantId = await tenantWith([kept, deleted]);
      await directory.upsertTenant(aTenant());
      const client = aClient();
      await directory.upsertClients([client, aClient()]);

      await directory.deleteUser(deleted.id, at(20));
      await directory.deleteClient(client.id, at(20));
      await directory.deleteTenant(randomTenantId(), at(20));

      expect(await directory.counts()).toEqual({
        users: before.users + 1,
        tenants: before.tenants + 2,
        memberships: before.memberships + 1,
        clients: before.clients + 1,
      });
      expect(await directory.memberIds(tenantId)).toEqual([kept.id]);
    });
  });

  describe("transactions", () => {
    it("a failure after directory writes leaves none of them", async () => {
      const user = aUser();
      const existing = aUser();
      const tenant = aTenant();
      await directory.upsertUser(existing);
      const before = await directory.counts();

      await expect(
        store.transaction(async (tx) => {
          await tx.directory.upsertTenant(tenant);
          await tx.directory.upsertUser(user);
          await tx.directory.upsertMembership(aMembership(tenant.id, user.id));
          await tx.directory.deleteUser(existing.id, at(20));
          await tx.directory.setState(`test-${tenant.id}`, { done: true });
          expect(await tx.directory.memberIds(tenant.id)).toEqual([user.id]);
          throw new Error("Auth0 unavailable");
        }),
      ).rejects.toThrow("Auth0 unavailable");

      expect(await directory.findTenant(tenant.id)).toBeNull();
      expect(await directory.findUser(user.id)).toBeNull();
      expect(await directory.findUser(existing.id)).toEqual(existing);
      expect(await directory.memberIds(tenant.id)).toEqual([]);
      expect(await directory.getState(`test-${tenant.id}`)).toBeNull();
      expect(await directory.counts()).toEqual(before);
      expect(await directory.upsertUser({ ...user, sourceTime: at(1) })).toBe(true);
    });
  });
});
