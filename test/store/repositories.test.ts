import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditRetention } from "../../src/services/audit.js";
import { AuditCursorError, type Store } from "../../src/store/store.js";
import { randomTenantId, storeTargets } from "./databases.js";

const userActor = (subject: string) => ({
  kind: "USER" as const,
  subject,
  clientId: "gatehouse-spa",
  partnerId: null,
});
const noActor = { kind: null, subject: null, clientId: null, partnerId: null };

describe.each(storeTargets())("store on $name", (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanUp();
  });

  describe("integrations", () => {
    it("enabling a partner for a tenant records an active integration, found by id and by partner and tenant", async () => {
      const tenantId = randomTenantId();
      const before = Date.now();

      const integration = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: "auth0|admin",
        scopes: ["read:users", "update:users"],
      });

      expect(integration).toEqual({
        id: expect.stringMatching(/^int_[0-9a-f]{24}$/),
        partnerId: "initech-cms",
        tenantId,
        enabledBy: "auth0|admin",
        scopes: ["read:users", "update:users"],
        status: "ACTIVE",
        enabledAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        disabledAt: null,
      });
      expect(Date.parse(integration.enabledAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(integration.enabledAt)).toBeLessThanOrEqual(Date.now() + 1000);
      expect(await store.integrations.findById(integration.id)).toEqual(integration);
      expect(await store.integrations.findByPartnerAndTenant("initech-cms", tenantId)).toEqual(integration);
    });

    it("looking up an integration that does not exist finds nothing", async () => {
      expect(await store.integrations.findById("int_000000000000000000000000")).toBeNull();
      expect(await store.integrations.findByPartnerAndTenant("initech-cms", randomTenantId())).toBeNull();
      expect(await store.integrations.disable("int_000000000000000000000000")).toBeNull();
    });

    it("enabling again re-activates the same integration with the new scopes", async () => {
      const tenantId = randomTenantId();
      const first = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: "auth0|admin",
        scopes: ["read:users"],
      });
      await store.integrations.disable(first.id);

      const again = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: "auth0|other-admin",
        scopes: ["read:users", "update:users"],
      });

      expect(again).toMatchObject({
        id: first.id,
        enabledBy: "auth0|other-admin",
        scopes: ["read:users", "update:users"],
        status: "ACTIVE",
        disabledAt: null,
      });
      expect(Date.parse(again.enabledAt)).toBeGreaterThanOrEqual(Date.parse(first.enabledAt));
      expect(await store.integrations.listByTenant(tenantId)).toEqual([again]);
    });

    it("disabling marks the integration disabled, and disabling twice keeps the first time", async () => {
      const tenantId = randomTenantId();
      const enabled = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: null,
        scopes: ["read:users"],
      });

      const disabled = await store.integrations.disable(enabled.id);

      expect(disabled).toEqual({ ...enabled, status: "DISABLED", disabledAt: expect.any(String) });
      expect(Date.parse(disabled!.disabledAt!)).toBeGreaterThanOrEqual(Date.parse(enabled.enabledAt));
      expect(await store.integrations.findById(enabled.id)).toEqual(disabled);
      expect(await store.integrations.disable(enabled.id)).toEqual(disabled);
    });

    it("listing a tenant's integrations shows only that tenant's, by partner", async () => {
      const acme = randomTenantId();
      const globex = randomTenantId();
      const enable = (partnerId: string, tenantId: string) =>
        store.integrations.enable({ partnerId, tenantId, enabledBy: null, scopes: ["read:users"] });
      const acmeWiki = await enable("wiki", acme);
      const acmeCms = await enable("initech-cms", acme);
      const globexCms = await enable("initech-cms", globex);

      expect(await store.integrations.listByTenant(acme)).toEqual([acmeCms, acmeWiki]);
      expect(await store.integrations.listByTenant(globex)).toEqual([globexCms]);
      expect(await store.integrations.listByTenant(randomTenantId())).toEqual([]);
      expect(acmeCms.id).not.toBe(globexCms.id);
    });

    it("a partner has one integration per tenant, even when enabled by several admins at once", async () => {
      const tenantId = randomTenantId();

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          store.integrations.enable({
            partnerId: "initech-cms",
            tenantId,
            enabledBy: `auth0|admin-${index}`,
            scopes: ["read:users"],
          }),
        ),
      );

      const ids = new Set(results.map((integration) => integration.id));
      expect(ids.size).toBe(1);
      expect(await store.integrations.listByTenant(tenantId)).toHaveLength(1);
    });
  });

  describe("audit log", () => {
    it("lists a tenant's events newest first, up to the limit, and no other tenant's", async () => {
      const acme = randomTenantId();
      const globex = randomTenantId();
      const record = (tenantId: string, action: string, target: string) =>
        store.auditLog.record({
          tenantId,
          actor: userActor("auth0|admin"),
          action,
          target,
          details: { scopes: ["read:users"], name: "CI", nested: { count: 2 } },
        });
      const created = await record(acme, "api_key.created", "key-1");
      const rotated = await record(acme, "api_key.rotated", "key-1");
      const revoked = await record(acme, "api_key.revoked", "key-1");
      const globexEvent = await record(globex, "api_key.created", "key-2");

      expect(created).toEqual({
        id: expect.stringMatching(/^\d+$/),
        tenantId: acme,
        actor: userActor("auth0|admin"),
        action: "api_key.created",
        outcome: "succeeded",
        target: "key-1",
        requestId: null,
        details: { scopes: ["read:users"], name: "CI", nested: { count: 2 } },
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(await store.auditLog.listByTenant(acme)).toEqual([revoked, rotated, created]);
      expect(await store.auditLog.listByTenant(acme, { limit: 2 })).toEqual([revoked, rotated]);
      expect(await store.auditLog.listByTenant(globex)).toEqual([globexEvent]);
    });

    it("keeps newest-first order past nine events in one transaction", async () => {
      // All share one timestamp (now() is the transaction's start), so only the id orders them.
      const tenantId = randomTenantId();
      const actions = Array.from({ length: 12 }, (_, index) => `test.step_${index}`);
      await store.transaction(async (tx) => {
        for (const action of actions) {
          await tx.auditLog.record({ tenantId, actor: noActor, action, target: null });
        }
      });

      const listed = await store.auditLog.listByTenant(tenantId);

      expect(listed.map((event) => event.action)).toEqual([...actions].reverse());
      expect(listed[0]?.details).toEqual({});
    });

    it("refuses details that look like a secret, and records nothing", async () => {
      const tenantId = randomTenantId();

      await expect(
        store.auditLog.record({
          tenantId,
          actor: userActor("auth0|admin"),
          action: "api_key.created",
          target: "key-1",
          details: { apiKey: { clientId: "abc", clientSecret: "s3cret" } },
        }),
      ).rejects.toThrow('audit event "api_key.created" must not record details.apiKey.clientSecret');
      expect(await store.auditLog.listByTenant(tenantId)).toEqual([]);
    });

    it("keeps who acted, in which request, and whether it was refused", async () => {
      const tenantId = randomTenantId();
      const partner = {
        kind: "PARTNER" as const,
        subject: "auth0|mia",
        clientId: "initech",
        partnerId: "initech",
      };

      const refused = await store.auditLog.record({
        tenantId,
        actor: partner,
        action: "user.deleted",
        target: "auth0|max",
        outcome: "refused",
        requestId: "req-42",
      });

      expect(refused).toMatchObject({ actor: partner, outcome: "refused", requestId: "req-42" });
      expect(await store.auditLog.list(tenantId, { first: 10 })).toEqual({
        nodes: [refused],
        hasNextPage: false,
        endCursor: expect.any(String),
      });
    });

    it("pages through a tenant's events newest first with a cursor, and filters them", async () => {
      const tenantId = randomTenantId();
      const other = randomTenantId();
      const start = Date.parse("2026-03-01T00:00:00.000Z");
      // Two events share each millisecond, microseconds apart: the cursor must tell them apart.
      const events = [];
      for (let index = 0; index < 7; index++) {
        const at = new Date(start + Math.floor(index / 2)).toISOString().replace("Z", `${index % 2}00Z`);
        events.push(
          await store.auditLog.record({
            tenantId,
            actor: userActor(index % 3 === 0 ? "auth0|ada" : "auth0|max"),
            action: index % 2 === 0 ? "user.created" : "user.deleted",
            target: `auth0|user-${index}`,
            occurredAt: at,
          }),
        );
      }
      await store.auditLog.record({ tenantId: other, actor: noActor, action: "user.created", target: null });
      const newestFirst = [...events].reverse();

      const seen = [];
      let after: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const page: Awaited<ReturnType<typeof store.auditLog.list>> = await store.auditLog.list(tenantId, {
          first: 3,
          after,
        });
        seen.push(...page.nodes);
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      expect(seen).toEqual(newestFirst);

      const byAction = await store.auditLog.list(tenantId, { first: 10, action: "user.deleted" });
      expect(byAction.nodes).toEqual(newestFirst.filter((event) => event.action === "user.deleted"));
      const byActor = await store.auditLog.list(tenantId, { first: 10, actor: "auth0|ada" });
      expect(byActor.nodes).toEqual(newestFirst.filter((event) => event.actor.subject === "auth0|ada"));
      const since = await store.auditLog.list(tenantId, { first: 10, since: "2026-03-01T00:00:00.002Z" });
      expect(since.nodes).toEqual(newestFirst.slice(0, 3));
      const across = await store.auditLog.listAcrossTenants({ first: 1000 });
      expect(across.nodes.map((event) => event.tenantId)).toEqual(expect.arrayContaining([tenantId, other]));
    });

    it("refuses a cursor it did not give out", async () => {
      for (const after of ["nonsense", Buffer.from("audit:12:x").toString("base64url")]) {
        await expect(store.auditLog.list(randomTenantId(), { first: 1, after })).rejects.toThrow(
          AuditCursorError,
        );
      }
    });

    it("deletes the events older than the retention cutoff, and only those", async () => {
      const tenantId = randomTenantId();
      const now = Date.now();
      const day = 24 * 3600 * 1000;
      await store.auditLog.record({
        tenantId,
        actor: noActor,
        action: "user.created",
        target: "old",
        occurredAt: new Date(now - 400 * day).toISOString(),
      });
      const recent = await store.auditLog.record({
        tenantId,
        actor: noActor,
        action: "user.created",
        target: "new",
      });

      const retention = new AuditRetention(store.auditLog, 365, () => new Date(now));
      expect(await retention.prune()).toBeGreaterThanOrEqual(1);

      expect(await store.auditLog.listByTenant(tenantId)).toEqual([recent]);
    });

    it("refuses a limit outside 1 to 1000", async () => {
      await expect(store.auditLog.listByTenant(randomTenantId(), { limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.auditLog.listByTenant(randomTenantId(), { limit: 1001 })).rejects.toThrow(
        RangeError,
      );
    });
  });

  describe("transactions", () => {
    it("commits writes that belong together, and reads inside see them first", async () => {
      const tenantId = randomTenantId();

      const integration = await store.transaction(async (tx) => {
        const enabled = await tx.integrations.enable({
          partnerId: "initech-cms",
          tenantId,
          enabledBy: "auth0|admin",
          scopes: ["read:users"],
        });
        expect(await tx.integrations.findById(enabled.id)).toEqual(enabled);
        await tx.auditLog.record({
          tenantId,
          actor: userActor("auth0|admin"),
          action: "integration.enabled",
          target: enabled.id,
          details: { scopes: enabled.scopes },
        });
        return enabled;
      });

      expect(await store.integrations.findById(integration.id)).toEqual(integration);
      expect(await store.auditLog.listByTenant(tenantId)).toMatchObject([
        { action: "integration.enabled", target: integration.id },
      ]);
    });

    it("a step failing after both writes leaves neither the integration nor its audit event", async () => {
      const tenantId = randomTenantId();

      await expect(
        store.transaction(async (tx) => {
          const enabled = await tx.integrations.enable({
            partnerId: "initech-cms",
            tenantId,
            enabledBy: "auth0|admin",
            scopes: ["read:users"],
          });
          await tx.auditLog.record({
            tenantId,
            actor: userActor("auth0|admin"),
            action: "integration.enabled",
            target: enabled.id,
          });
          throw new Error("Auth0 refused the client grant");
        }),
      ).rejects.toThrow("Auth0 refused the client grant");

      expect(await store.integrations.findByPartnerAndTenant("initech-cms", tenantId)).toBeNull();
      expect(await store.integrations.listByTenant(tenantId)).toEqual([]);
      expect(await store.auditLog.listByTenant(tenantId)).toEqual([]);
    });

    it("a second write the database rejects rolls back the first, and the store keeps working", async () => {
      const tenantId = randomTenantId();

      await expect(
        store.transaction(async (tx) => {
          await tx.integrations.enable({
            partnerId: "initech-cms",
            tenantId,
            enabledBy: "auth0|admin",
            scopes: ["read:users"],
          });
          // jsonb cannot hold \u0000: Postgres itself rejects this statement.
          await tx.auditLog.record({
            tenantId,
            actor: userActor("auth0|admin"),
            action: "integration.enabled",
            target: null,
            details: { note: "\u0000" },
          });
        }),
      ).rejects.toThrow("unsupported Unicode escape sequence");

      expect(await store.integrations.findByPartnerAndTenant("initech-cms", tenantId)).toBeNull();
      expect(await store.auditLog.listByTenant(tenantId)).toEqual([]);
      const later = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: null,
        scopes: [],
      });
      expect(await store.integrations.listByTenant(tenantId)).toEqual([later]);
    });

    it("a re-activation rolled back leaves the integration as it was", async () => {
      const tenantId = randomTenantId();
      const enabled = await store.integrations.enable({
        partnerId: "initech-cms",
        tenantId,
        enabledBy: "auth0|admin",
        scopes: ["read:users"],
      });
      const disabled = await store.integrations.disable(enabled.id);

      await expect(
        store.transaction(async (tx) => {
          await tx.integrations.enable({
            partnerId: "initech-cms",
            tenantId,
            enabledBy: "auth0|other-admin",
            scopes: ["read:users", "update:users"],
          });
          throw new Error("Auth0 unavailable");
        }),
      ).rejects.toThrow("Auth0 unavailable");

      expect(await store.integrations.findById(enabled.id)).toEqual(disabled);
    });

    it("refuses the store's own repositories inside a transaction, which would escape it", async () => {
      const tenantId = randomTenantId();

      await expect(store.transaction(async () => store.integrations.listByTenant(tenantId))).rejects.toThrow(
        "inside store.transaction, use the repositories on `tx`, not the store's own",
      );
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(
        "inside store.transaction, use the repositories on `tx`, not the store's own",
      );

      expect(await store.integrations.listByTenant(tenantId)).toEqual([]);
    });
  });
});
