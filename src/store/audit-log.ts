import type { SqlClient } from "./sql.js";

/** Something a caller did, kept by Gatehouse. `details` never holds a secret. */
export interface AuditEvent {
  id: string;
  tenantId: string | null;
  /** The caller's subject; null when no caller was identified. */
  actor: string | null;
  /** What happened, as `<thing>.<past-tense verb>`: `api_key.created`, `integration.disabled`. */
  action: string;
  /** The id of what it happened to. */
  target: string | null;
  details: Record<string, unknown>;
  /** ISO 8601. */
  occurredAt: string;
}

export interface RecordAuditEvent {
  tenantId: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  details?: Record<string, unknown>;
}

export interface AuditLog {
  record(event: RecordAuditEvent): Promise<AuditEvent>;
  /** The tenant's events, newest first; `limit` defaults to 50 and may be at most 1000. */
  listByTenant(tenantId: string, options?: { limit?: number }): Promise<AuditEvent[]>;
}

type AuditEventRow = {
  id: string;
  tenant_id: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  occurred_at: Date;
};

// The id is a bigint: Postgres drivers disagree on how to return one (pg: string, PGlite: number), so cast.
// (Ordering must then name `audit_events.id`: a bare `id` would sort the text, putting "10" before "9".)
const columns = "id::text as id, tenant_id, actor, action, target, details, occurred_at";

const maxLimit = 1000;

// An audit log outlives the secrets it mentions and is read by more people; a secret written here is leaked.
const secretKey = /secret|password|token/i;

function findSecretKey(value: unknown, path: string): string | null {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findSecretKey(item, `${path}[${index}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (secretKey.test(key)) return `${path}.${key}`;
      const found = findSecretKey(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: row.details,
    occurredAt: row.occurred_at.toISOString(),
  };
}

export function auditLog(sql: SqlClient): AuditLog {
  return {
    async record({ tenantId, actor, action, target, details = {} }) {
      const secretPath = findSecretKey(details, "details");
      if (secretPath) {
        throw new Error(`audit event "${action}" must not record ${secretPath}: it looks like a secret`);
      }
      const [row] = await sql.query<AuditEventRow>(
        `insert into audit_events (tenant_id, actor, action, target, details)
         values ($1, $2, $3, $4, $5::jsonb)
         returning ${columns}`,
        // Serialised here: pg would turn a JS array into a Postgres array, not JSON.
        [tenantId, actor, action, target, JSON.stringify(details)],
      );
      if (!row) throw new Error("recording an audit event returned no row");
      return toAuditEvent(row);
    },

    async listByTenant(tenantId, { limit = 50 } = {}) {
      if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
        throw new RangeError(`limit must be an integer from 1 to ${maxLimit}, got ${limit}`);
      }
      const rows = await sql.query<AuditEventRow>(
        `select ${columns} from audit_events
          where tenant_id = $1
          order by occurred_at desc, audit_events.id desc
          limit $2`,
        [tenantId, limit],
      );
      return rows.map(toAuditEvent);
    },
  };
}
