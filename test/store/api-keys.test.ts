import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintNativeKey } from "../../src/caller/native-api-key.js";
import type { CreateNativeApiKey, Store } from "../../src/store/store.js";
import { randomTenantId, storeTargets } from "./databases.js";

describe.each(storeTargets())("API keys on $name", (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanUp();
  });

  function newKey(tenantId: string, name = "Back end"): CreateNativeApiKey {
    const minted = mintNativeKey();
    return {
      id: minted.id,
      tenantId,
      name,
      prefix: minted.displayPrefix,
      secretHash: minted.secretHash,
      scopes: ["read:users"],
      createdBy: "auth0|admin",
      expiresAt: null,
    };
  }

  it("a created key is found and listed until revoked; each write moves the directory's version on", async () => {
    const tenantId = randomTenantId();
    const before = await store.directory.version();
    const created = await store.apiKeys.createNative(newKey(tenantId));
    expect(await store.directory.version()).toBe(before + 1);
    expect(created).toMatchObject({ tenantId, name: "Back end", rotatedAt: null, lastUsedAt: null });
    expect(await store.apiKeys.findNative(created.id)).toEqual(created);
    expect(await store.apiKeys.listNative(tenantId)).toEqual([created]);

    expect(await store.apiKeys.revokeNative(created.id)).toBe(true);
    expect(await store.directory.version()).toBe(before + 2);
    expect(await store.apiKeys.revokeNative(created.id)).toBe(false);
    expect(await store.apiKeys.findNative(created.id)).toBeNull();
    expect(await store.apiKeys.listNative(tenantId)).toEqual([]);
  });

  it("native keys count against the tenant's api_keys quota until revoked", async () => {
    const tenantId = randomTenantId();
    const first = await store.apiKeys.createNative(newKey(tenantId, "one"));
    await store.apiKeys.createNative(newKey(tenantId, "two"));
    expect(await store.licences.used(tenantId, "api_keys")).toBe(2);
    await store.apiKeys.revokeNative(first.id);
    expect(await store.licences.used(tenantId, "api_keys")).toBe(1);
  });

  it("a rotation replaces the hash, and its first use is marked once", async () => {
    const created = await store.apiKeys.createNative(newKey(randomTenantId()));
    const fresh = mintNativeKey(created.id);
    const rotated = await store.apiKeys.rotateNative(created.id, fresh.secretHash);
    expect(rotated?.secretHash).toBe(fresh.secretHash);
    expect(rotated?.rotatedAt).toEqual(expect.any(String));
    expect(await store.apiKeys.markNativeFirstUseAfterRotation(created.id, rotated!.rotatedAt!)).toBe(true);
    expect(await store.apiKeys.markNativeFirstUseAfterRotation(created.id, rotated!.rotatedAt!)).toBe(false);
  });

  it("last uses are written in one batch and never move back", async () => {
    const tenantId = randomTenantId();
    const one = await store.apiKeys.createNative(newKey(tenantId, "one"));
    const two = await store.apiKeys.createNative(newKey(tenantId, "two"));
    const later = new Date("2030-01-01T00:00:00.000Z");
    const earlier = new Date("2029-01-01T00:00:00.000Z");
    await store.apiKeys.recordLastUses(
      new Map([
        [one.id, later],
        [two.id, earlier],
      ]),
    );
    await store.apiKeys.recordLastUses(new Map([[one.id, earlier]]));
    const listed = await store.apiKeys.listNative(tenantId);
    expect(listed.map((key) => [key.name, key.lastUsedAt])).toEqual([
      ["one", later.toISOString()],
      ["two", earlier.toISOString()],
    ]);
  });

  it("an Auth0-application key's rotation is recorded, restored, and its first use marked once", async () => {
    const clientId = `client-${randomTenantId()}`;
    expect(await store.apiKeys.findRotation(clientId)).toBeNull();
    const at = new Date("2030-01-01T00:00:00.123Z");
    await store.apiKeys.recordRotation(clientId, at);
    const recorded = await store.apiKeys.findRotation(clientId);
    expect(recorded).toEqual({ clientId, rotatedAt: at.toISOString(), firstUsedAt: null });
    expect(await store.apiKeys.markRotationFirstUse(clientId, at.toISOString())).toBe(true);
    expect(await store.apiKeys.markRotationFirstUse(clientId, at.toISOString())).toBe(false);

    await store.apiKeys.recordRotation(clientId, new Date("2031-01-01T00:00:00.000Z"));
    await store.apiKeys.restoreRotation(clientId, recorded);
    expect(await store.apiKeys.findRotation(clientId)).toEqual(recorded);
    await store.apiKeys.restoreRotation(clientId, null);
    expect(await store.apiKeys.findRotation(clientId)).toBeNull();
  });
});
