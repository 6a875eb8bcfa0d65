// Gatehouse's directory follows changes made outside Gatehouse (the Auth0 dashboard, sign-ups, other tools):
// through Auth0 Event Streams within moments, and through reconciliation when no event arrives. Every test
// runs on PGlite and on Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreOptions } from "../../src/store/store.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { bearer, EVENTS_TOKEN, SEED_PASSWORD, startStack, type Stack } from "../support/stack.js";

/** Polls `probe` until it returns true or `withinMs` passes; answers how long it took. */
async function eventually(probe: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stores: [string, () => StoreOptions, (options: StoreOptions) => Promise<void>][] = [
  ["PGlite", () => ({}), async () => undefined],
  [
    "Postgres",
    () => ({ databaseUrl, schema: randomSchema() }),
    async (options) => (options.schema ? dropSchema(options.schema) : undefined),
  ],
];

async function control(stack: Stack, path: string, body?: unknown, method = "POST") {
  const response = await fetch(`${stack.emulator.url}/__emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator control ${path}: ${response.status}`);
}

let people = 0;

async function createPerson(stack: Stack, tenantId: string, roleIds: string[] = []) {
  people += 1;
  const email = `outside${people}-${Date.now()}@acme.test`;
  const { users, organizations } = stack.management();
  const user = await users.create({
    connection: "Username-Password-Authentication",
    email,
    password: SEED_PASSWORD,
    name: `Outside ${people}`,
  });
  const id = String(user.user_id);
  await organizations.members.create(tenantId, { members: [id] });
  if (roleIds.length > 0) await organizations.members.roles.assign(tenantId, id, { roles: roleIds });
  return { id, email };
}

describe.each(stores)("on %s", (_name, storeOptions, cleanUp) => {
  describe("with Auth0's event stream", () => {
    let stack: Stack;
    let store: StoreOptions;
    let acmeAdmin: string;
    beforeAll(async () => {
      store = storeOptions();
      stack = await startStack({ events: true, gatehouse: { store } });
      acmeAdmin = bearer(await stack.userToken("admin@acme.test"));
    });
    // Generous: on a loaded 2-core machine the tear-down once took over 30 s (see stack.close's warnings).
    afterAll(async () => {
      await stack?.close();
      await cleanUp(store);
    }, 90_000);

    const nameOf = async (userId: string) =>
      (
        (await stack.graphql(`{ user(id: "${userId}") { name } }`, { authorization: acmeAdmin })).body.data
          ?.user as {
          name: string;
        } | null
      )?.name;

    it("a change made straight in Auth0 appears within 2 s", async () => {
      await stack.management().users.update("auth0|acme-member", { name: "Mia Renamed Outside" });
      await eventually(async () => (await nameOf("auth0|acme-member")) === "Mia Renamed Outside", 2_000);
    });

    it("a sign-up and its membership appear within 2 s, with its roles", async () => {
      const person = await createPerson(stack, "org_acme", ["rol_member"]);
      await eventually(async () => {
        const response = await stack.graphql(`{ user(id: "${person.id}") { email roles } }`, {
          authorization: acmeAdmin,
        });
        const user = response.body.data?.user as { roles: string[] } | null;
        return user?.roles.includes("member") ?? false;
      }, 2_000);
    });

    it("a user blocked in Auth0 is refused on their next request once the event arrives", async () => {
      const person = await createPerson(stack, "org_acme", ["rol_member"]);
      const token = bearer(await stack.userToken(person.email, { organization: "org_acme" }));
      expect((await stack.graphql("{ viewer { kind } }", { authorization: token })).status).toBe(200);
      await stack.management().users.update(person.id, { blocked: true });
      await eventually(async () => {
        const response = await stack.graphql("{ viewer { kind } }", { authorization: token });
        return (
          response.status === 401 && (response.headers.get("www-authenticate") ?? "").includes("blocked")
        );
      }, 2_000);
    });

    it("a user deleted in Auth0 is refused, and a member removed from the organization loses that tenant", async () => {
      const deleted = await createPerson(stack, "org_acme", ["rol_member"]);
      const removed = await createPerson(stack, "org_acme", ["rol_member"]);
      const deletedToken = bearer(await stack.userToken(deleted.email, { organization: "org_acme" }));
      const removedToken = bearer(await stack.userToken(removed.email, { organization: "org_acme" }));
      await stack.management().users.delete(deleted.id);
      await stack.management().organizations.members.delete("org_acme", { members: [removed.id] });
      await eventually(async () => {
        const response = await stack.graphql("{ viewer { kind } }", { authorization: deletedToken });
        return (response.headers.get("www-authenticate") ?? "").includes("no longer exists");
      }, 2_000);
      await eventually(async () => {
        const response = await stack.graphql("{ viewer { kind } }", { authorization: removedToken });
        return (response.headers.get("www-authenticate") ?? "").includes("no longer a member");
      }, 2_000);
    });

    it("changes made through Gatehouse refuse the user at once", async () => {
      const person = await createPerson(stack, "org_acme", ["rol_member"]);
      const token = bearer(await stack.userToken(person.email, { organization: "org_acme" }));
      const blocked = await stack.graphql(
        `mutation { setUserBlocked(id: "${person.id}", blocked: true) { blocked } }`,
        {
          authorization: acmeAdmin,
        },
      );
      expect(blocked.body).toEqual({ data: { setUserBlocked: { blocked: true } } });
      const refused = await stack.graphql("{ viewer { kind } }", { authorization: token });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toContain("blocked");
    });

    it("Auth0 delivering every event twice and newest first leaves the newest state", async () => {
      const person = await createPerson(stack, "org_acme");
      await control(stack, "event-streams/flush", { timeoutMs: 5_000 });
      await control(stack, "event-streams/faults", { duplicate: true, reorder: true });
      try {
        const { users } = stack.management();
        await users.update(person.id, { name: "First rename" });
        // Auth0 times its changes to the millisecond; two in the same one could not be ordered by anyone.
        await new Promise((resolve) => setTimeout(resolve, 5));
        await users.update(person.id, { name: "Second rename" });
        await control(stack, "event-streams/release");
        await control(stack, "event-streams/flush", { timeoutMs: 5_000 });
      } finally {
        await control(stack, "event-streams/faults", undefined, "DELETE");
      }
      expect(await nameOf(person.id)).toBe("Second rename");
      const status = await stack.graphql(
        "{ directoryStatus { eventsReceived lastEventAt eventLagSeconds } }",
        {
          authorization: bearer(await stack.userToken("operator@gatehouse.test")),
        },
      );
      const directory = status.body.data?.directoryStatus as {
        eventsReceived: number;
        eventLagSeconds: number;
      };
      expect(directory.eventsReceived).toBeGreaterThanOrEqual(4);
      expect(directory.eventLagSeconds).toBeGreaterThanOrEqual(0);
    });

    it("an unauthenticated or malformed delivery is refused and changes nothing", async () => {
      const event = {
        specversion: "1.0",
        id: `evt_forged_${Date.now()}`,
        type: "user.updated",
        source: "urn:auth0:forged",
        time: new Date(Date.now() + 60_000).toISOString(),
        data: {
          object: {
            user_id: "auth0|acme-admin",
            name: "Owned",
            updated_at: new Date(Date.now() + 60_000).toISOString(),
          },
        },
      };
      const post = (body: unknown, authorization?: string) =>
        fetch(`${stack.url}/auth0/events`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(body),
        });
      expect((await post(event)).status).toBe(401);
      expect((await post(event, "Bearer not-the-secret")).status).toBe(401);
      expect((await post({ ...event, specversion: "0.3" }, `Bearer ${EVENTS_TOKEN}`)).status).toBe(400);
      expect((await post({ ...event, data: {} }, `Bearer ${EVENTS_TOKEN}`)).status).toBe(400);
      expect(await nameOf("auth0|acme-admin")).toBe("Ada Admin");
    });

    it("duplicate and reordered deliveries leave the directory right: the newest state wins", async () => {
      const person = await createPerson(stack, "org_acme");
      // The stream's own events make the person a member Ada can see; the test's deliveries come after them.
      await eventually(async () => (await nameOf(person.id)) !== undefined, 10_000);
      const deliver = (id: string, name: string, updatedAt: string) =>
        fetch(`${stack.url}/auth0/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${EVENTS_TOKEN}` },
          body: JSON.stringify({
            specversion: "1.0",
            id,
            type: "user.updated",
            source: "urn:auth0:test",
            time: updatedAt,
            data: { object: { user_id: person.id, email: person.email, name, updated_at: updatedAt } },
          }),
        });
      const later = new Date(Date.now() + 10_000).toISOString();
      const earlier = new Date(Date.now() + 5_000).toISOString();
      expect((await deliver(`evt_new_${person.id}`, "Newest", later)).status).toBe(204);
      expect((await deliver(`evt_old_${person.id}`, "Older", earlier)).status).toBe(204);
      expect((await deliver(`evt_new_${person.id}`, "Newest", later)).status).toBe(204);
      expect(await nameOf(person.id)).toBe("Newest");
    });
  });

  describe("with the event stream failing every delivery (deliveries get lost; Event Streams is an Enterprise feature)", () => {
    let stack: Stack;
    let store: StoreOptions;
    beforeAll(async () => {
      store = storeOptions();
      stack = await startStack({
        events: true,
        gatehouse: { store, directory: { fullPassIntervalMs: 1_000, changedUsersIntervalMs: 500 } },
      });
      await control(stack, "event-streams/faults", { dropNext: 100_000 });
    });
    // Generous: on a loaded 2-core machine the tear-down once took over 30 s (see stack.close's warnings).
    afterAll(async () => {
      await stack?.close();
      await cleanUp(store);
    }, 90_000);

    it("outside changes appear within the reconciliation interval", async () => {
      const admin = bearer(await stack.userToken("admin@globex.test"));
      const { users, organizations } = stack.management();
      await users.update("auth0|globex-member", { name: "Gia Reconciled" });
      await organizations.members.roles.assign("org_globex", "auth0|globex-member", {
        roles: ["rol_user_manager"],
      });
      const tookMs = await eventually(async () => {
        const response = await stack.graphql('{ user(id: "auth0|globex-member") { name roles } }', {
          authorization: admin,
        });
        const user = response.body.data?.user as { name: string; roles: string[] } | null;
        return user?.name === "Gia Reconciled" && user.roles.includes("user-manager");
      }, 5_000);
      expect(tookMs).toBeLessThan(5_000);
    });
  });
});
