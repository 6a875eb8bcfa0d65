/**
 * The one SQL interface the repositories see, so the same repository code runs on PGlite (embedded) and on
 * a Postgres server. Values always travel as parameters ($1, $2, …), never inside the SQL text.
 */
export interface SqlClient {
  query<Row extends object>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** A database connection (PGlite) or pool (Postgres) that can run a unit of work in one transaction. */
export interface SqlDriver extends SqlClient {
  /** Runs `work` between BEGIN and COMMIT on one connection; a thrown error rolls everything back. */
  transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
