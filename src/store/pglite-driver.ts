import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { SqlClient, SqlDriver } from "./sql.js";

/** Runs async work one piece at a time, in the order it was asked for. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/**
 * PGlite is one Postgres backend with one session: a statement sent while another request's transaction is
 * open would run inside that transaction. Every statement and every transaction therefore takes the same
 * mutex, so a transaction's statements never interleave with anyone else's. (PGlite serialises its own
 * `transaction()` today; the mutex keeps that guarantee ours rather than an implementation detail of theirs.)
 *
 * `dataDir` undefined keeps the database in memory. `schema` must already be a validated identifier.
 */
export async function openPgliteDriver(dataDir: string | undefined, schema: string): Promise<SqlDriver> {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
  // One session for the life of the instance, so setting its search_path once covers every statement.
  await db.query(`set search_path to "${schema}"`);
  const mutex = new Mutex();

  return {
    query: <Row extends object>(text: string, params: readonly unknown[] = []) =>
      mutex.runExclusive(async () => (await db.query<Row>(text, [...params])).rows),

    transaction: <T>(work: (client: SqlClient) => Promise<T>) =>
      mutex.runExclusive(() =>
        db.transaction((tx) =>
          work({
            query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
              (await tx.query<Row>(text, [...params])).rows,
          }),
        ),
      ),

    close: () => mutex.runExclusive(() => db.close()),
  };
}
