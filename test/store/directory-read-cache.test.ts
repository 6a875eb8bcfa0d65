// The in-process cache of directory reads serves a request what an earlier request read only while no write
// has happened since, on any instance sharing the store: every write moves the directory's version on.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryReadCache } from "../../src/directory/read-cache.js";
import type { DirectoryUser, Store } from "../../src/store/store.js";
import { storeTargets } from "./databases.js";

function aUser(name: string, sourceTime: string): DirectoryUser {
  return {
    id: `auth0|${randomBytes(5).toString("hex")}`,
    email: `${randomBytes(5).toString("hex")}@example.com`,
    name,
    picture: null,
    emailVerified: true,
    blocked: false,
    createdAt: null,
    lastLogin: null,
    loginsCount: null,
    platformRoleNames: [],
    sourceTime,
  };
}

describe.each(storeTargets())("the directory read cache on $name", (target) => {
  let store: Store;
  beforeAll(async () => {
    store = await target.open();
  });
  afterAll(async () => {
    await store?.close();
    await target.cleanUp();
  });

  it("serves a read again from memory until a write, then reads the store", async () => {
    let storeReads = 0;
    const counted = {
      ...store.directory,
      findUser: (id: string) => {
        storeReads += 1;
        return store.directory.findUser(id);
      },
    };
    const cache = new DirectoryReadCache(counted);
    const user = aUser("Before", "2024-01-01T00:00:00.000Z");
    await store.directory.upsertUser(user);
    expect((await cache.forRequest().findUser(user.id))?.name).toBe("Before");
    expect((await cache.forRequest().findUser(user.id))?.name).toBe("Before");
    expect(storeReads).toBe(1);

    await store.directory.upsertUser({ ...user, name: "After", sourceTime: "2024-01-02T00:00:00.000Z" });
    expect((await cache.forRequest().findUser(user.id))?.name).toBe("After");
    expect(storeReads).toBe(2);
  });

  it("a write in a transaction moves the version on with it, and a rolled-back one does not", async () => {
    const before = await store.directory.version();
    await expect(
      store.transaction(async (tx) => {
        await tx.directory.upsertUser(aUser("Rolled back", "2024-01-01T00:00:00.000Z"));
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");
    expect(await store.directory.version()).toBe(before);
    await store.transaction((tx) => tx.directory.upsertUser(aUser("Kept", "2024-01-01T00:00:00.000Z")));
    expect(await store.directory.version()).toBe(before + 1);
  });

  it("a request reading fresh (a mutation) bypasses what is cached under its version", async () => {
    const cache = new DirectoryReadCache(store.directory);
    const user = aUser("Cached", "2024-01-01T00:00:00.000Z");
    await store.directory.upsertUser(user);
    const request = cache.forRequest();
    expect((await request.findUser(user.id))?.name).toBe("Cached");
    await store.directory.upsertUser({ ...user, name: "Written", sourceTime: "2024-01-02T00:00:00.000Z" });
    // The request read the version before its write: a plain read would still say "Cached".
    expect((await request.findUser(user.id))?.name).toBe("Cached");
    request.readFresh();
    expect((await request.findUser(user.id))?.name).toBe("Written");
  });
});
