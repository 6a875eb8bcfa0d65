import pg from "pg";
import type { SqlClient, SqlDriver } from "./sql.js";

/**
 * A connection pool to a Postgres server. `schema` must already be a validated identifier: it becomes every
 * connection's search_path, so the repositories' unqualified table names resolve inside it.
 */
export function openPostgresDriver(databaseUrl: string, schema: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  // An idle connection that drops (server restart, network) emits here; unhandled, it would end the process.
  // The pool replaces the connection on the next checkout.
  pool.on("error", (error) => console.error(`Postgres: an idle connection failed: ${error.message}`));

  return {
    query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
      (await pool.query<Row>(text, [...params])).rows,

    async transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
      const connection = await pool.connect();
      const client: SqlClient = {
        query: async <Row extends object>(text: string, params: readonly unknown[] = []) =>
          (await connection.query<Row>(text, [...params])).rows,
      };
      try {
        await connection.query("begin");
        const result = await work(client);
        await connection.query("commit");
        connection.release();
        return result;
      } catch (error) {
        try {
          await connection.query("rollback");
          connection.release();
        } catch (rollbackError) {
          // A connection that cannot even roll back is broken: destroy it rather than return it to the pool.
          connection.release(rollbackError instanceof Error ? rollbackError : true);
        }
        throw error;
      }
    },

    close: () => pool.end(),
  };
}
