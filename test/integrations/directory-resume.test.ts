// The first import of a tenant can be long (a paced read of every user); one that stops half-way goes on
// from where it stopped instead of starting over. On PGlite (a data folder) and on Postgres.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createGatehouse } from "../../src/app.js";
import { startEmulator, type RunningEmulator } from "@gatehouse/auth0-emulator";
import type { StoreOptions } from "../../src/store/store.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { GATEHOUSE_API } from "../support/stack.js";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";

const folders: string[] = [];
const schemas: string[] = [];
afterAll(async () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  for (const schema of schemas) await dropSchema(schema);
});

const stores: [string, () => StoreOptions][] = [
  [
    "PGlite",
    () => {
      const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-resume-"));
      folders.push(dataDir);
      return { dataDir };
    },
  ],
  [
    "Postgres",
    () => {
      const schema = randomSchema();
      schemas.push(schema);
      return { databaseUrl, schema };
    },
  ],
];

async function emulatorControl(emulator: RunningEmulator, path: string, body: unknown, method = "POST") {
  await fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function gatehouseOn(emulator: RunningEmulator, store: StoreOptions, log: (line: string) => void) {
  return createGatehouse({
    log,
    issuer: emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    store,
    directory: { fullPassIntervalMs: 3_600_000, changedUsersIntervalMs: 3_600_000 },
  });
}

describe.each(stores)("an import interrupted half-way, on %s", (_name, storeOptions) => {
  it("goes on from its checkpoint at the next start, and the directory ends complete", async () => {
    const emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
    const store = storeOptions();
    try {
      // Auth0 refuses the user search: the tenants are read, the users are not, and the instance is not ready.
      await emulatorControl(emulator, "faults", {
        method: "GET",
        path: "/api/v2/users",
        status: 400,
        times: 1000,
      });
      const lines: string[] = [];
      const first = await gatehouseOn(emulator, store, (line) => lines.push(line));
      for (let waited = 0; !lines.some((line) => line.includes("import failed")); waited += 50) {
        if (waited > 30_000) throw new Error(`no failed import logged: ${lines.join(" | ")}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(first.directory.ready).toBe(false);
      expect(lines.find((line) => line.includes("import failed"))).toContain("going on from its checkpoint");
      await first.close();
      await expect(first.ready).rejects.toThrow("stopped before the directory was imported");

      await emulatorControl(emulator, "faults", {}, "DELETE");
      await emulatorControl(emulator, "stats", {}, "DELETE");
      const second = await gatehouseOn(emulator, store, () => undefined);
      try {
        await second.ready;
        const stats = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as {
          management: Record<string, number>;
        };
        // The organizations' members were read before the interruption, and are not read again.
        expect(stats.management["GET /api/v2/organizations/:id/members"] ?? 0).toBe(0);
        expect(stats.management["GET /api/v2/users"]).toBeGreaterThanOrEqual(1);
        expect(await second.store.directory.counts()).toEqual({
          users: 7,
          tenants: 2,
          memberships: 7,
          clients: 5,
        });
        expect(await second.store.directory.tenantsOfUser("auth0|consultant")).toEqual([
          "org_acme",
          "org_globex",
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await emulator.close();
    }
  }, 60_000);
});
