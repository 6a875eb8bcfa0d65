import { randomBytes } from "node:crypto";
import type { SqlClient } from "./sql.js";

/** The plan a tenant is on, as Gatehouse records it (plans live here, not in Auth0). */
export interface TenantPlan {
  tenantId: string;
  plan: string;
  /** ISO 8601; null for no end. */
  expiresAt: string | null;
}

/** A feature or a quota given to one tenant on top of (or instead of) what its plan includes. */
export interface Licence {
  id: string;
  tenantId: string;
  kind: "feature" | "quota";
  /** The feature's or the quota's name. */
  name: string;
  /** A quota's limit (null: no limit); always null for a feature. */
  limit: number | null;
  /** ISO 8601; null for no end. */
  expiresAt: string | null;
  grantedAt: string;
}

export type GrantLicence = Omit<Licence, "id" | "grantedAt">;

/** What a quota counts: each is something Gatehouse's store already holds, so counting is one statement. */
export type CountedQuota = "seats" | "api_keys" | "integrations";

export type Reservation = { reserved: true; id: string } | { reserved: false; used: number };

export interface LicenceRepository {
  findPlan(tenantId: string): Promise<TenantPlan | null>;
  setPlan(plan: TenantPlan): Promise<TenantPlan>;
  grant(licence: GrantLicence): Promise<Licence>;
  /** Ends a licence of the tenant now; null when the tenant has no such licence in force. */
  revoke(tenantId: string, id: string): Promise<Licence | null>;
  /** The tenant's licences not revoked (expired ones included), oldest first. */
  listByTenant(tenantId: string): Promise<Licence[]>;
  /** How much of a quota the tenant uses: what exists, plus what is reserved for writes under way. */
  used(tenantId: string, quota: CountedQuota): Promise<number>;
  /**
   * Takes one unit of a quota for a write about to be made, if `limit` allows it; refused with what is used
   * otherwise. Atomic across instances: see the implementation.
   */
  reserve(
    tenantId: string,
    quota: CountedQuota,
    limit: number | null,
    ttlSeconds: number,
  ): Promise<Reservation>;
  /** Gives a reservation back: the write failed, or what it made is now counted itself. */
  release(id: string): Promise<void>;
}

type LicenceRow = {
  id: string;
  tenant_id: string;
  kind: "feature" | "quota";
  name: string;
  quota_limit: number | null;
  expires_at: Date | null;
  granted_at: Date;
};

const licenceColumns = "id, tenant_id, kind, name, quota_limit, expires_at, granted_at";

function toLicence(row: LicenceRow): Licence {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    name: row.name,
    limit: row.quota_limit,
    expiresAt: row.expires_at?.toISOString() ?? null,
    grantedAt: row.granted_at.toISOString(),
  };
}

/** What each quota counts, besides live reservations. */
const COUNTS: Record<CountedQuota, string> = {
  seats: `select count(*)::int as n from directory_memberships where tenant_id = $1 and removed_at is null`,
  // Both kinds of key: Auth0 applications (in the directory) and Gatehouse-native keys not revoked.
  api_keys: `select ((select count(*) from directory_clients
                       where tenant_id = $1 and deleted_at is null and metadata->>'gatehouse_api_key' = 'true')
                   + (select count(*) from api_keys where tenant_id = $1 and revoked_at is null))::int as n`,
  integrations: `select count(*)::int as n from integrations where tenant_id = $1 and status = 'ACTIVE'`,
};

/** Runs work in a transaction of its own; absent inside `store.transaction`, whose transaction is used. */
export type TransactionRunner = <T>(work: (tx: SqlClient) => Promise<T>) => Promise<T>;

export function licenceRepository(sql: SqlClient, transaction?: TransactionRunner): LicenceRepository {
  const used = async (client: SqlClient, tenantId: string, quota: CountedQuota) => {
    const [existing] = await client.query<{ n: number }>(COUNTS[quota], [tenantId]);
    const [reserved] = await client.query<{ n: number }>(
      `select count(*)::int as n from quota_reservations
        where tenant_id = $1 and quota = $2 and expires_at > now()`,
      [tenantId, quota],
    );
    return (existing?.n ?? 0) + (reserved?.n ?? 0);
  };

  return {
    async findPlan(tenantId) {
      const [row] = await sql.query<{ plan: string; expires_at: Date | null }>(
        `select plan, expires_at from tenant_plans where tenant_id = $1`,
        [tenantId],
      );
      return row ? { tenantId, plan: row.plan, expiresAt: row.expires_at?.toISOString() ?? null } : null;
    },

    async setPlan({ tenantId, plan, expiresAt }) {
      await sql.query(
        `insert into tenant_plans (tenant_id, plan, expires_at, updated_at) values ($1, $2, $3, now())
         on conflict (tenant_id) do update
           set plan = excluded.plan, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
        [tenantId, plan, expiresAt],
      );
      return { tenantId, plan, expiresAt };
    },

    async grant({ tenantId, kind, name, limit, expiresAt }) {
      const [row] = await sql.query<LicenceRow>(
        `insert into licences (id, tenant_id, kind, name, quota_limit, expires_at, granted_at)
         values ($1, $2, $3, $4, $5, $6, clock_timestamp())
         returning ${licenceColumns}`,
        [`lic_${randomBytes(12).toString("hex")}`, tenantId, kind, name, limit, expiresAt],
      );
      if (!row) throw new Error("granting a licence returned no row");
      return toLicence(row);
    },

    async revoke(tenantId, id) {
      const [row] = await sql.query<LicenceRow>(
        `update licences set revoked_at = now()
          where id = $1 and tenant_id = $2 and revoked_at is null
         returning ${licenceColumns}`,
        [id, tenantId],
      );
      return row ? toLicence(row) : null;
    },

    async listByTenant(tenantId) {
      const rows = await sql.query<LicenceRow>(
        `select ${licenceColumns} from licences where tenant_id = $1 and revoked_at is null
          order by granted_at, granted_seq`,
        [tenantId],
      );
      return rows.map(toLicence);
    },

    used: (tenantId, quota) => used(sql, tenantId, quota),

    async reserve(tenantId, quota, limit, ttlSeconds) {
      // Count and reserve under a per-tenant, per-quota row lock: two instances reserving the last unit at
      // once queue on the lock, and the second counts the first's reservation. The lock row is created on
      // first use (`on conflict do nothing`, then `for update`), so it exists before anyone waits on it; on
      // PGlite every transaction is serialised anyway. The transaction holds no Auth0 call: the write itself
      // runs after it, counted through its reservation until what it made is counted itself.
      const work = async (tx: SqlClient): Promise<Reservation> => {
        await tx.query(`insert into quota_locks (tenant_id, quota) values ($1, $2) on conflict do nothing`, [
          tenantId,
          quota,
        ]);
        await tx.query(`select 1 from quota_locks where tenant_id = $1 and quota = $2 for update`, [
          tenantId,
          quota,
        ]);
        await tx.query(
          `delete from quota_reservations where tenant_id = $1 and quota = $2 and expires_at <= now()`,
          [tenantId, quota],
        );
        const inUse = await used(tx, tenantId, quota);
        if (limit !== null && inUse >= limit) return { reserved: false, used: inUse };
        const id = `res_${randomBytes(12).toString("hex")}`;
        await tx.query(
          `insert into quota_reservations (id, tenant_id, quota, expires_at)
           values ($1, $2, $3, now() + make_interval(secs => $4))`,
          [id, tenantId, quota, ttlSeconds],
        );
        return { reserved: true, id };
      };
      return transaction ? transaction(work) : work(sql);
    },

    async release(id) {
      await sql.query(`delete from quota_reservations where id = $1`, [id]);
    },
  };
}
