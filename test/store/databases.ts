import { randomBytes } from "node:crypto";
import pg from "pg";
import { createStore, type Store } from "../../src/store/store.js";

/** The machine's Postgres server; every test file works in a schema of its own, so files run in parallel. */
export const databaseUrl = process.env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";

export function randomSchema(): string {
  return `gatehouse_test_${randomBytes(6).toString("hex")}`;
}

export function randomTenantId(): string {
  return `org_${randomBytes(8).toString("hex")}`;
}

/** Runs one query on its own connection, outside any store: what another tool would see in the database. */
export async function queryPostgres<Row extends pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await queryPostgres(`drop schema if exists "${schema}" cascade`);
}

/** A store on each driver: the same tests run on both, so neither path rots. */
export interface StoreTarget {
  name: "PGlite" | "Postgres";
  open(): Promise<Store>;
  /** Removes what `open` created on the server; a no-op for in-memory PGlite. */
  cleanUp(): Promise<void>;
}

export function storeTargets(): StoreTarget[] {
  const schema = randomSchema();
  return [
    { name: "PGlite", open: () => createStore({}), cleanUp: async () => {} },
    {
      name: "Postgres",
      open: () => createStore({ databaseUrl, schema }),
      cleanUp: () => dropSchema(schema),
    },
  ];
}
