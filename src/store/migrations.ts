import type { SqlClient, SqlDriver } from "./sql.js";

/**
 * Gatehouse's schema, as the ordered changes that build it. A released migration is never edited: a change to
 * the schema is a new migration with the next version.
 */
export interface Migration {
  version: number;
  name: string;
  /** Run in order inside the migration's transaction; one statement each (PGlite prepares every statement). */
  statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "integrations",
    statements: [
      `create table integrations (
         id text primary key,
         partner_id text not null,
         tenant_id text not null,
         enabled_by text,
         scopes text[] not null,
         status text not null check (status in ('ACTIVE', 'DISABLED')),
         enabled_at timestamptz not null,
         disabled_at timestamptz,
         unique (partner_id, tenant_id)
       )`,
      `create index integrations_tenant_id on integrations (tenant_id)`,
    ],
  },
  {
    version: 2,
    name: "audit_events",
    statements: [
      `create table audit_events (
         id bigint generated always as identity primary key,
         tenant_id text,
         actor text,
         action text not null,
         target text,
         details jsonb not null default '{}',
         occurred_at timestamptz not null default now()
       )`,
      `create index audit_events_tenant_id_newest_first on audit_events (tenant_id, occurred_at desc, id desc)`,
    ],
  },
];

/**
 * Brings `schema` up to date and returns the versions this call applied (none when it was current).
 *
 * Each migration runs in its own transaction that first takes an advisory lock for the schema: when several
 * Gatehouse instances start at once against one Postgres, the others wait, then find the version recorded
 * and skip it, so no migration is ever applied twice.
 */
export async function migrate(driver: SqlDriver, schema: string): Promise<number[]> {
  const lockName = `gatehouse migrations ${schema}`;
  const takeLock = async (client: SqlClient) => {
    // Read committed (whatever the server's default), so what is read after waiting for the lock includes
    // what the instance that held it committed.
    await client.query("set transaction isolation level read committed");
    await client.query("select pg_advisory_xact_lock(hashtext($1))", [lockName]);
  };

  // Existence is checked first because CREATE … IF NOT EXISTS still demands the privilege to create, which
  // a production role may lack once the schema is in place.
  await driver.transaction(async (tx) => {
    await takeLock(tx);
    const [schemaExists] = await tx.query("select 1 from pg_namespace where nspname = $1", [schema]);
    if (!schemaExists) await tx.query(`create schema "${schema}"`);
    const [table] = await tx.query<{ name: string | null }>("select to_regclass($1)::text as name", [
      `"${schema}".schema_migrations`,
    ]);
    if (!table?.name) {
      await tx.query(
        `create table "${schema}".schema_migrations (
           version int primary key,
           applied_at timestamptz not null default now()
         )`,
      );
    }
  });

  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await driver.transaction(async (tx) => {
      await takeLock(tx);
      const recorded = await tx.query(`select 1 from "${schema}".schema_migrations where version = $1`, [
        migration.version,
      ]);
      if (recorded.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(`insert into "${schema}".schema_migrations (version) values ($1)`, [migration.version]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
