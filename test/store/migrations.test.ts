import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { createStore } from "../../src/store/store.js";
import { databaseUrl, dropSchema, queryPostgres, randomSchema } from "./databases.js";

const allVersions = migrations.map((migration) => migration.version);

const schemas: string[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(schemas.map(dropSchema));
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function freshSchema(): string {
  const schema = randomSchema();
  schemas.push(schema);
  return schema;
}

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-store-"));
  dataDirs.push(dir);
  return join(dir, "store");
}

describe("migrations", () => {
  it("are numbered upwards from 1, each once", () => {
    expect(allVersions).toEqual(Array.from({ length: migrations.length }, (_, index) => index + 1));
  });

  it("apply once on PGlite: a second start on the same data folder applies nothing", async () => {
    const dataDir = await freshDataDir();

    const first = await createStore({ dataDir });
    expect(first.appliedMigrations).toEqual(allVersions);
    await first.close();

    const second = await createStore({ dataDir });
    try {
      expect(second.appliedMigrations).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("apply once on Postgres: a second start on the same schema applies nothing", async () => {
    const schema = freshSchema();

    const first = await createStore({ databaseUrl, schema });
    expect(first.appliedMigrations).toEqual(allVersions);
    await first.close();

    const second = await createStore({ databaseUrl, schema });
    try {
      expect(second.appliedMigrations).toEqual([]);
    } finally {
      await second.close();
    }
    const recorded = await queryPostgres<{ version: number }>(
      `select version from "${schema}".schema_migrations order by version`,
    );
    expect(recorded.map((row) => row.version)).toEqual(allVersions);
  });

  it("instances starting at once against one Postgres schema all start, and each migration is applied once", async () => {
    const schema = freshSchema();

    const stores = await Promise.all(Array.from({ length: 4 }, () => createStore({ databaseUrl, schema })));
    try {
      const applied = stores.flatMap((store) => store.appliedMigrations);
      expect([...applied].sort((a, b) => a - b)).toEqual(allVersions);
      for (const store of stores) {
        expect(await store.integrations.listByTenant("org_acme")).toEqual([]);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    const recorded = await queryPostgres<{ version: number; applied_at: Date }>(
      `select version, applied_at from "${schema}".schema_migrations order by version`,
    );
    expect(recorded.map((row) => row.version)).toEqual(allVersions);
    expect(recorded.every((row) => row.applied_at instanceof Date)).toBe(true);
  });

  it("keep each schema's tables apart on one Postgres database", async () => {
    const acmeSchema = freshSchema();
    const otherSchema = freshSchema();
    const acmeStore = await createStore({ databaseUrl, schema: acmeSchema });
    const otherStore = await createStore({ databaseUrl, schema: otherSchema });
    try {
      const integration = await acmeStore.integrations.enable({
        partnerId: "initech-cms",
        tenantId: "org_acme",
        enabledBy: null,
        scopes: ["read:users"],
      });

      expect(await otherStore.integrations.findById(integration.id)).toBeNull();
      const [row] = await queryPostgres<{ partner_id: string }>(
        `select partner_id from "${acmeSchema}".integrations where id = $1`,
        [integration.id],
      );
      expect(row?.partner_id).toBe("initech-cms");
    } finally {
      await acmeStore.close();
      await otherStore.close();
    }
  });

  it("refuse a schema name that is not a plain identifier", async () => {
    await expect(createStore({ databaseUrl, schema: 'x"; drop schema public cascade; --' })).rejects.toThrow(
      'schema must be a lower-case SQL identifier (a-z, 0-9, _), got "x"; drop schema public cascade; --"',
    );
    await expect(createStore({ schema: "Tenants" })).rejects.toThrow(
      "schema must be a lower-case SQL identifier",
    );
  });
});
