import type { TransactionRunner } from "./licences.js";
import type { SqlClient } from "./sql.js";

/** A Gatehouse-native API key as stored: a hash of its secret, never the secret. */
export interface NativeApiKey {
  id: string;
  tenantId: string;
  name: string;
  /** `gatehouse_` and the key id: what may be shown again to tell keys apart. */
  prefix: string;
  /** SHA-256 of the secret, hex. */
  secretHash: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  rotatedAt: string | null;
  firstUsedAfterRotationAt: string | null;
  lastUsedAt: string | null;
}

export type CreateNativeApiKey = Omit<
  NativeApiKey,
  "rotatedAt" | "firstUsedAfterRotationAt" | "lastUsedAt" | "createdAt"
>;

/** When Gatehouse last rotated an Auth0-application key: tokens Auth0 issued until then are refused. */
export interface ApiKeyRotation {
  clientId: string;
  rotatedAt: string;
  firstUsedAt: string | null;
}

export interface ApiKeyRepository {
  createNative(key: CreateNativeApiKey): Promise<NativeApiKey>;
  /** A live (not revoked) key, expired or not. */
  findNative(id: string): Promise<NativeApiKey | null>;
  /** The tenant's live keys, oldest first. */
  listNative(tenantId: string): Promise<NativeApiKey[]>;
  /** Gives a live key a new secret hash; null when there is no such live key. */
  rotateNative(id: string, secretHash: string): Promise<NativeApiKey | null>;
  /** Revokes a live key; false when there was none. */
  revokeNative(id: string): Promise<boolean>;
  /** Records when keys were last used, in one statement; a later time never goes back. */
  recordLastUses(uses: ReadonlyMap<string, Date>): Promise<void>;
  /** Marks the first use after the rotation at `rotatedAt`; true for the one caller that marked it. */
  markNativeFirstUseAfterRotation(id: string, rotatedAt: string): Promise<boolean>;

  findRotation(clientId: string): Promise<ApiKeyRotation | null>;
  /** Records a rotation of an Auth0-application key at `rotatedAt` (or puts back `previous`). */
  recordRotation(clientId: string, rotatedAt: Date): Promise<void>;
  restoreRotation(clientId: string, previous: ApiKeyRotation | null): Promise<void>;
  markRotationFirstUse(clientId: string, rotatedAt: string): Promise<boolean>;
}

type NativeRow = {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string[];
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  rotated_at: Date | null;
  first_used_after_rotation_at: Date | null;
  last_used_at: Date | null;
};

const nativeColumns = `id, tenant_id, name, prefix, secret_hash, scopes, created_by, created_at, expires_at,
  rotated_at, first_used_after_rotation_at, last_used_at`;

function toNative(row: NativeRow): NativeApiKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    secretHash: row.secret_hash,
    scopes: row.scopes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    rotatedAt: row.rotated_at?.toISOString() ?? null,
    firstUsedAfterRotationAt: row.first_used_after_rotation_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

/**
 * Gatehouse's API keys. Every write that changes whether a credential is accepted moves the directory's
 * version on in the same transaction, after the write: the request path caches what it read under that
 * version (src/caller/api-key-checks.ts), so a creation, rotation or revocation on any instance is seen by
 * every instance on its next request. Recording last use does not move it: it changes no decision.
 */
export function apiKeyRepository(sql: SqlClient, transaction?: TransactionRunner): ApiKeyRepository {
  const bumpingVersion = <T>(work: (tx: SqlClient) => Promise<T>): Promise<T> => {
    const run = async (tx: SqlClient) => {
      const result = await work(tx);
      await tx.query("update directory_version set version = version + 1 where id = 1");
      return result;
    };
    return transaction ? transaction(run) : run(sql);
  };

  return {
    createNative: (key) =>
      bumpingVersion(async (tx) => {
        const [row] = await tx.query<NativeRow>(
          `insert into api_keys (id, tenant_id, name, prefix, secret_hash, scopes, created_by, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, clock_timestamp(), $8)
           returning ${nativeColumns}`,
          [
            key.id,
            key.tenantId,
            key.name,
            key.prefix,
            key.secretHash,
            key.scopes,
            key.createdBy,
            key.expiresAt,
          ],
        );
        if (!row) throw new Error("creating an API key returned no row");
        return toNative(row);
      }),

    async findNative(id) {
      const [row] = await sql.query<NativeRow>(
        `select ${nativeColumns} from api_keys where id = $1 and revoked_at is null`,
        [id],
      );
      return row ? toNative(row) : null;
    },

    async listNative(tenantId) {
      const rows = await sql.query<NativeRow>(
        `select ${nativeColumns} from api_keys where tenant_id = $1 and revoked_at is null
          order by created_at, created_seq`,
        [tenantId],
      );
      return rows.map(toNative);
    },

    rotateNative: (id, secretHash) =>
      bumpingVersion(async (tx) => {
        const [row] = await tx.query<NativeRow>(
          `update api_keys set secret_hash = $2, first_used_after_rotation_at = null,
                -- Milliseconds, as the rotation time travels in JavaScript and comes back to mark the first use.
                rotated_at = date_trunc('milliseconds', clock_timestamp())
            where id = $1 and revoked_at is null
           returning ${nativeColumns}`,
          [id, secretHash],
        );
        return row ? toNative(row) : null;
      }),

    revokeNative: (id) =>
      bumpingVersion(async (tx) => {
        const rows = await tx.query<{ id: string }>(
          `update api_keys set revoked_at = clock_timestamp() where id = $1 and revoked_at is null returning id`,
          [id],
        );
        return rows.length > 0;
      }),

    async recordLastUses(uses) {
      if (uses.size === 0) return;
      const ids = [...uses.keys()];
      const times = ids.map((id) => uses.get(id)!.toISOString());
      await sql.query(
        `update api_keys as k set last_used_at = greatest(k.last_used_at, u.used_at)
           from unnest($1::text[], $2::timestamptz[]) as u(id, used_at)
          where k.id = u.id`,
        [ids, times],
      );
    },

    async markNativeFirstUseAfterRotation(id, rotatedAt) {
      const rows = await sql.query<{ id: string }>(
        `update api_keys set first_used_after_rotation_at = clock_timestamp()
          where id = $1 and rotated_at = $2 and first_used_after_rotation_at is null returning id`,
        [id, rotatedAt],
      );
      return rows.length > 0;
    },

    async findRotation(clientId) {
      const [row] = await sql.query<{ client_id: string; rotated_at: Date; first_used_at: Date | null }>(
        `select client_id, rotated_at, first_used_at from api_key_rotations where client_id = $1`,
        [clientId],
      );
      return row
        ? {
            clientId: row.client_id,
            rotatedAt: row.rotated_at.toISOString(),
            firstUsedAt: row.first_used_at?.toISOString() ?? null,
          }
        : null;
    },

    recordRotation: (clientId, rotatedAt) =>
      bumpingVersion(async (tx) => {
        await tx.query(
          `insert into api_key_rotations (client_id, rotated_at) values ($1, $2)
           on conflict (client_id) do update set rotated_at = excluded.rotated_at, first_used_at = null`,
          [clientId, rotatedAt.toISOString()],
        );
      }),

    restoreRotation: (clientId, previous) =>
      bumpingVersion(async (tx) => {
        if (!previous) {
          await tx.query(`delete from api_key_rotations where client_id = $1`, [clientId]);
          return;
        }
        await tx.query(
          `update api_key_rotations set rotated_at = $2, first_used_at = $3 where client_id = $1`,
          [clientId, previous.rotatedAt, previous.firstUsedAt],
        );
      }),

    async markRotationFirstUse(clientId, rotatedAt) {
      const rows = await sql.query<{ client_id: string }>(
        `update api_key_rotations set first_used_at = clock_timestamp()
          where client_id = $1 and rotated_at = $2 and first_used_at is null returning client_id`,
        [clientId, rotatedAt],
      );
      return rows.length > 0;
    },
  };
}
