import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createStore } from "../../src/store/store.js";
import { randomTenantId } from "./databases.js";

const userActor = (subject: string) => ({
  kind: "USER" as const,
  subject,
  clientId: "gatehouse-spa",
  partnerId: null,
});
const noActor = { kind: null, subject: null, clientId: null, partnerId: null };

const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-store-"));
  dataDirs.push(dir);
  return join(dir, "store");
}

describe("the embedded store (PGlite)", () => {
  it("runs concurrent transactions one after another, so none sees another half-done", async () => {
    const store = await createStore({});
    try {
      const tenantId = randomTenantId();

      // Each transaction reads how many events there are, lets the others run, then records what it saw.
      // Interleaved on PGlite's single connection, two would see the same count.
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (tx) => {
            const seen = (await tx.auditLog.listByTenant(tenantId, { limit: 1000 })).length;
            await new Promise((resolve) => setTimeout(resolve, 1));
            await tx.auditLog.record({
              tenantId,
              actor: noActor,
              action: "test.counted",
              target: null,
              details: { seen },
            });
          }),
        ),
      );

      const events = await store.auditLog.listByTenant(tenantId, { limit: 1000 });
      const seenCounts = events.map((event) => event.details.seen as number).sort((a, b) => a - b);
      expect(seenCounts).toEqual(Array.from({ length: 20 }, (_, index) => index));
    } finally {
      await store.close();
    }
  });

  it("a statement outside a transaction waits for the open one instead of running inside it", async () => {
    const store = await createStore({});
    try {
      const tenantId = randomTenantId();
      let releaseTransaction!: () => void;
      const transactionMayFinish = new Promise<void>((resolve) => (releaseTransaction = resolve));
      let transactionStarted!: () => void;
      const started = new Promise<void>((resolve) => (transactionStarted = resolve));

      const failing = store.transaction(async (tx) => {
        await tx.integrations.enable({ partnerId: "initech-cms", tenantId, enabledBy: null, scopes: [] });
        transactionStarted();
        await transactionMayFinish;
        throw new Error("Auth0 unavailable");
      });
      await started;
      // Sent while the transaction is open: it must not land inside it and be rolled back with it.
      const recording = store.auditLog.record({
        tenantId,
        actor: noActor,
        action: "test.outside",
        target: null,
      });
      releaseTransaction();

      await expect(failing).rejects.toThrow("Auth0 unavailable");
      await recording;
      expect(await store.integrations.listByTenant(tenantId)).toEqual([]);
      expect(await store.auditLog.listByTenant(tenantId)).toMatchObject([{ action: "test.outside" }]);
    } finally {
      await store.close();
    }
  });

  it("keeps its data in the data folder across close and reopen", async () => {
    const dataDir = await freshDataDir();
    const tenantId = randomTenantId();

    const first = await createStore({ dataDir });
    const integration = await first.integrations.enable({
      partnerId: "initech-cms",
      tenantId,
      enabledBy: "auth0|admin",
      scopes: ["read:users"],
    });
    const event = await first.auditLog.record({
      tenantId,
      actor: userActor("auth0|admin"),
      action: "integration.enabled",
      target: integration.id,
    });
    await first.close();

    const reopened = await createStore({ dataDir });
    try {
      expect(await reopened.integrations.findById(integration.id)).toEqual(integration);
      expect(await reopened.auditLog.listByTenant(tenantId)).toEqual([event]);
    } finally {
      await reopened.close();
    }
  });
});
