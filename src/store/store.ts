import { AsyncLocalStorage } from "node:async_hooks";
import { apiKeyRepository, type ApiKeyRepository } from "./api-keys.js";
import { auditLog, type AuditLog } from "./audit-log.js";
import { directoryRepository, type DirectoryRepository } from "./directory.js";
import { integrationRepository, type IntegrationRepository } from "./integrations.js";
import { licenceRepository, type LicenceRepository, type TransactionRunner } from "./licences.js";
import { migrate } from "./migrations.js";
import { openPgliteDriver } from "./pglite-driver.js";
import { openPostgresDriver } from "./postgres-driver.js";
import type { SqlClient, SqlDriver } from "./sql.js";

export type { ApiKeyRepository, ApiKeyRotation, CreateNativeApiKey, NativeApiKey } from "./api-keys.js";
export { AuditCursorError } from "./audit-log.js";
export type {
  AuditActor,
  AuditEvent,
  AuditLog,
  AuditOutcome,
  AuditPage,
  AuditQuery,
  RecordAuditEvent,
} from "./audit-log.js";
export { DirectoryCursorError } from "./directory.js";
export type {
  DirectoryClient,
  DirectoryConsent,
  DirectoryMembership,
  DirectoryPage,
  DirectoryReader,
  DirectoryRepository,
  DirectoryRole,
  DirectoryTenant,
  DirectoryUser,
  DirectoryWriter,
  TenantUserQuery,
  Timestamp,
} from "./directory.js";
export type {
  EnableIntegration,
  Integration,
  IntegrationRepository,
  IntegrationStatus,
} from "./integrations.js";

export type {
  CountedQuota,
  GrantLicence,
  Licence,
  LicenceRepository,
  Reservation,
  TenantPlan,
} from "./licences.js";

export interface StoreOptions {
  /** A Postgres server (`postgres://…`). Unset: PGlite, embedded. */
  databaseUrl?: string;
  /** Where PGlite keeps its files, e.g. `<DATA_DIR>/store`. Unset (and no databaseUrl): in memory. */
  dataDir?: string;
  /** The Postgres schema holding Gatehouse's tables, created if missing. Default `public`. */
  schema?: string;
}

/** What Gatehouse keeps itself, in the domain's words. */
export interface Repositories {
  integrations: IntegrationRepository;
  auditLog: AuditLog;
  /** Gatehouse's read model of Auth0, which answers the request path's reads. */
  directory: DirectoryRepository;
  /** Tenants' plans and licences, and the quota reservations of writes under way. */
  licences: LicenceRepository;
  /** Gatehouse-native API keys, and when Auth0-application keys were last rotated. */
  apiKeys: ApiKeyRepository;
}

export interface Store extends Repositories {
  /**
   * Runs `work` in one transaction: everything it writes through `tx` is committed together, or, if it
   * throws, none of it is. Inside, use `tx`'s repositories only; the store's own are refused there, since
   * they would run outside the transaction (and, on PGlite, wait for it forever).
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  /** The migration versions this start-up applied; empty when the schema was already current. */
  readonly appliedMigrations: readonly number[];
  /** Reads Gatehouse's own schema once: throws when the database or the schema cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Lower-case so it needs no quoting in `-c search_path=…`; 63 bytes is Postgres' identifier limit.
const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

function repositoriesOn(sql: SqlClient, transaction?: TransactionRunner): Repositories {
  return {
    licences: licenceRepository(sql, transaction),
    integrations: integrationRepository(sql),
    auditLog: auditLog(sql),
    directory: directoryRepository(sql),
    apiKeys: apiKeyRepository(sql, transaction),
  };
}

/** Opens the store (Postgres with `databaseUrl`, PGlite otherwise) and brings its schema up to date. */
export async function createStore({ databaseUrl, dataDir, schema = "public" }: StoreOptions): Promise<Store> {
  if (!schemaName.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier (a-z, 0-9, _), got "${schema}"`);
  }
  const driver: SqlDriver =
    databaseUrl !== undefined
      ? openPostgresDriver(databaseUrl, schema)
      : await openPgliteDriver(dataDir, schema);

  let appliedMigrations: number[];
  try {
    appliedMigrations = await migrate(driver, schema);
  } catch (error) {
    await driver.close();
    throw error;
  }

  const insideTransaction = new AsyncLocalStorage<{ open: boolean }>();
  const refuseInsideTransaction = () => {
    if (insideTransaction.getStore()?.open) {
      throw new Error("inside store.transaction, use the repositories on `tx`, not the store's own");
    }
  };
  const outsideTransactions: SqlClient = {
    async query(text, params) {
      refuseInsideTransaction();
      return driver.query(text, params);
    },
  };

  return {
    ...repositoriesOn(outsideTransactions, (work) => {
      refuseInsideTransaction();
      return driver.transaction(work);
    }),
    appliedMigrations,

    async transaction(work) {
      refuseInsideTransaction();
      return driver.transaction(async (client) => {
        const transaction = { open: true };
        try {
          return await insideTransaction.run(transaction, () => work(repositoriesOn(client)));
        } finally {
          transaction.open = false;
        }
      });
    },

    async ping() {
      await driver.query(`select version from "${schema}".schema_migrations limit 1`);
    },

    close: () => driver.close(),
  };
}
