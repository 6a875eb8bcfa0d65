import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { randomTenantId, storeTargets } from "./databases.js";

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe.each(storeTargets())("plans and licences on $name", (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanUp();
  });

  async function addMembers(tenantId: string, count: number): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      await store.directory.upsertMembership({
        tenantId,
        userId: `auth0|member-${index}`,
        roleNames: [],
        sourceTime: new Date().toISOString(),
      });
    }
  }

  it("a tenant has no plan on record until one is set; setting it again replaces it", async () => {
    const tenantId = randomTenantId();
    expect(await store.licences.findPlan(tenantId)).toBeNull();
    await store.licences.setPlan({ tenantId, plan: "pro", expiresAt: null });
    const expiresAt = inAnHour();
    await store.licences.setPlan({ tenantId, plan: "free", expiresAt });
    expect(await store.licences.findPlan(tenantId)).toEqual({ tenantId, plan: "free", expiresAt });
  });

  it("granted licences are listed oldest first until revoked; revoking twice or in another tenant finds nothing", async () => {
    const tenantId = randomTenantId();
    const feature = await store.licences.grant({
      tenantId,
      kind: "feature",
      name: "integrations",
      limit: null,
      expiresAt: null,
    });
    const quota = await store.licences.grant({
      tenantId,
      kind: "quota",
      name: "seats",
      limit: 12,
      expiresAt: inAnHour(),
    });
    expect(feature).toMatchObject({ id: expect.stringMatching(/^lic_[0-9a-f]{24}$/), kind: "feature" });
    expect(await store.licences.listByTenant(tenantId)).toEqual([feature, quota]);
    expect(await store.licences.listByTenant(randomTenantId())).toEqual([]);

    expect(await store.licences.revoke(randomTenantId(), feature.id)).toBeNull();
    expect(await store.licences.revoke(tenantId, feature.id)).toEqual(feature);
    expect(await store.licences.revoke(tenantId, feature.id)).toBeNull();
    expect(await store.licences.listByTenant(tenantId)).toEqual([quota]);
  });

  it("seats used are the tenant's live memberships plus reservations under way", async () => {
    const tenantId = randomTenantId();
    await addMembers(tenantId, 3);
    await store.directory.removeMembership(tenantId, "auth0|member-0", new Date().toISOString());
    expect(await store.licences.used(tenantId, "seats")).toBe(2);

    const reservation = await store.licences.reserve(tenantId, "seats", 3, 60);
    expect(reservation).toEqual({ reserved: true, id: expect.stringMatching(/^res_/) });
    expect(await store.licences.used(tenantId, "seats")).toBe(3);
    expect(await store.licences.reserve(tenantId, "seats", 3, 60)).toEqual({ reserved: false, used: 3 });

    if (reservation.reserved) await store.licences.release(reservation.id);
    expect(await store.licences.used(tenantId, "seats")).toBe(2);
    expect(await store.licences.reserve(tenantId, "seats", null, 60)).toMatchObject({ reserved: true });
  });

  it("concurrent reservations at the last free units: exactly as many pass as there are units", async () => {
    const tenantId = randomTenantId();
    await addMembers(tenantId, 2);
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => store.licences.reserve(tenantId, "seats", 5, 60)),
    );
    expect(attempts.filter((attempt) => attempt.reserved)).toHaveLength(3);
    expect(attempts.filter((attempt) => !attempt.reserved)).toEqual(
      Array.from({ length: 5 }, () => ({ reserved: false, used: 5 })),
    );
  });

  it("an expired reservation no longer holds its unit", async () => {
    const tenantId = randomTenantId();
    await store.licences.reserve(tenantId, "api_keys", 1, 0);
    expect(await store.licences.used(tenantId, "api_keys")).toBe(0);
    expect(await store.licences.reserve(tenantId, "api_keys", 1, 60)).toMatchObject({ reserved: true });
  });
});
