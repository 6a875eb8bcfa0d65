import type { CallerKind } from "../caller/caller.js";
import type { SqlClient } from "./sql.js";

/** Who did it: the caller as resolved for the request. Never a credential. */
export interface AuditActor {
  /** Null for events recorded before Gatehouse kept it. */
  kind: CallerKind | null;
  /** The caller's subject: a user id (for a partner, the user it acts for), or `<client_id>@clients`. */
  subject: string | null;
  /** The SPA, the tenant's app (API key), or the partner. */
  clientId: string | null;
  /** The partner acting for the user, for PARTNER callers. */
  partnerId: string | null;
}

/** `succeeded`: the change was made. `refused`: a rule refused the attempt, and nothing was changed. */
export type AuditOutcome = "succeeded" | "refused";

/** Something a caller did, or tried to do, kept by Gatehouse. `details` never holds a secret. */
export interface AuditEvent {
  id: string;
  tenantId: string | null;
  actor: AuditActor;
  /** What happened, as `<thing>.<past-tense verb>`: `api_key.created`, `integration.disabled`. */
  action: string;
  outcome: AuditOutcome;
  /** The id of what it happened to. */
  target: string | null;
  /** The id of the HTTP request it happened in. */
  requestId: string | null;
  details: Record<string, unknown>;
  /** ISO 8601. */
  occurredAt: string;
}

export interface RecordAuditEvent {
  tenantId: string | null;
  actor: AuditActor;
  action: string;
  target: string | null;
  outcome?: AuditOutcome;
  requestId?: string | null;
  details?: Record<string, unknown>;
  /** When it happened; default now (the transaction's start). Imports and tests name another time. */
  occurredAt?: string;
}

/** A page of events, newest first: pass `endCursor` as `after` for the next. */
export interface AuditPage {
  nodes: AuditEvent[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface AuditQuery {
  /** At most 1000. */
  first: number;
  /** An `endCursor` this log gave out. */
  after?: string | null;
  /** Only this action (`user.deleted`). */
  action?: string | null;
  /** Only this actor's subject. */
  actor?: string | null;
  /** Only events at or after this time (ISO 8601). */
  since?: string | null;
}

/** An `after` that is not a cursor this log gave out. */
export class AuditCursorError extends Error {
  override name = "AuditCursorError";
}

export interface AuditLog {
  record(event: RecordAuditEvent): Promise<AuditEvent>;
  /** The tenant's events, newest first; `limit` defaults to 50 and may be at most 1000. */
  listByTenant(tenantId: string, options?: { limit?: number }): Promise<AuditEvent[]>;
  /** A page of the tenant's events, newest first (keyset pagination: pages stay stable as events arrive). */
  list(tenantId: string, query: AuditQuery): Promise<AuditPage>;
  /** A page of every tenant's events (and those of no tenant), newest first: for platform operators. */
  listAcrossTenants(query: AuditQuery): Promise<AuditPage>;
  /** Deletes the events that happened before `cutoff` (retention); answers how many. */
  deleteOlderThan(cutoff: Date): Promise<number>;
}

type AuditEventRow = {
  id: string;
  tenant_id: string | null;
  actor: string | null;
  actor_kind: CallerKind | null;
  actor_client_id: string | null;
  actor_partner_id: string | null;
  action: string;
  outcome: AuditOutcome;
  target: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  occurred_at: Date;
  /** Microseconds since the epoch: a JS Date keeps milliseconds only, too coarse for a keyset cursor. */
  occurred_at_us: string;
};

// The id is a bigint: Postgres drivers disagree on how to return one (pg: string, PGlite: number), so cast.
// (Ordering must then name `audit_events.id`: a bare `id` would sort the text, putting "10" before "9".)
const columns = `id::text as id, tenant_id, actor, actor_kind, actor_client_id, actor_partner_id, action,
  outcome, target, request_id, details, occurred_at,
  ((extract(epoch from occurred_at) * 1000000)::bigint)::text as occurred_at_us`;

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
    actor: {
      kind: row.actor_kind,
      subject: row.actor,
      clientId: row.actor_client_id,
      partnerId: row.actor_partner_id,
    },
    action: row.action,
    outcome: row.outcome,
    target: row.target,
    requestId: row.request_id,
    details: row.details,
    occurredAt: row.occurred_at.toISOString(),
  };
}

/** The cursor of an event: its position in newest-first order, (time in microseconds, id), opaque. */
function cursorOf(row: AuditEventRow): string {
  return Buffer.from(`audit:${row.occurred_at_us}:${row.id}`).toString("base64url");
}

function positionOf(after: string): { micros: string; id: string } {
  const match = /^audit:(-?\d{1,18}):(\d{1,19})$/.exec(Buffer.from(after, "base64url").toString("utf8"));
  if (!match?.[1] || !match[2]) throw new AuditCursorError("not a cursor of the audit log");
  return { micros: match[1], id: match[2] };
}

function assertLimit(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > maxLimit) {
    throw new RangeError(`${name} must be an integer from 1 to ${maxLimit}, got ${value}`);
  }
}

async function listPage(sql: SqlClient, tenantId: string | null, query: AuditQuery): Promise<AuditPage> {
  assertLimit("first", query.first);
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (tenantId !== null) conditions.push(`tenant_id = ${param(tenantId)}`);
  if (query.action) conditions.push(`action = ${param(query.action)}`);
  if (query.actor) conditions.push(`actor = ${param(query.actor)}`);
  if (query.since) conditions.push(`occurred_at >= ${param(query.since)}::timestamptz`);
  if (query.after) {
    const { micros, id } = positionOf(query.after);
    conditions.push(
      `(occurred_at, audit_events.id) < (timestamptz 'epoch' + ${param(micros)}::bigint * interval '1 microsecond', ${param(id)}::bigint)`,
    );
  }
  const rows = await sql.query<AuditEventRow>(
    `select ${columns} from audit_events
      ${conditions.length > 0 ? `where ${conditions.join(" and ")}` : ""}
      order by occurred_at desc, audit_events.id desc
      limit ${param(query.first + 1)}`,
    params,
  );
  const page = rows.slice(0, query.first);
  const last = page.at(-1);
  return {
    nodes: page.map(toAuditEvent),
    hasNextPage: rows.length > query.first,
    endCursor: last ? cursorOf(last) : null,
  };
}

export function auditLog(sql: SqlClient): AuditLog {
  return {
    async record({
      tenantId,
      actor,
      action,
      target,
      outcome = "succeeded",
      requestId = null,
      details = {},
      occurredAt,
    }) {
      const secretPath = findSecretKey(details, "details");
      if (secretPath) {
        throw new Error(`audit event "${action}" must not record ${secretPath}: it looks like a secret`);
      }
      const [row] = await sql.query<AuditEventRow>(
        `insert into audit_events (tenant_id, actor, actor_kind, actor_client_id, actor_partner_id, action,
           outcome, target, request_id, details, occurred_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, coalesce($11::timestamptz, now()))
         returning ${columns}`,
        [
          tenantId,
          actor.subject,
          actor.kind,
          actor.clientId,
          actor.partnerId,
          action,
          outcome,
          target,
          requestId,
          // Serialised here: pg would turn a JS array into a Postgres array, not JSON.
          JSON.stringify(details),
          occurredAt ?? null,
        ],
      );
      if (!row) throw new Error("recording an audit event returned no row");
      return toAuditEvent(row);
    },

    async listByTenant(tenantId, { limit = 50 } = {}) {
      assertLimit("limit", limit);
      return (await listPage(sql, tenantId, { first: limit })).nodes;
    },

    list: (tenantId, query) => listPage(sql, tenantId, query),

    listAcrossTenants: (query) => listPage(sql, null, query),

    async deleteOlderThan(cutoff) {
      const [row] = await sql.query<{ deleted: string }>(
        `with deleted as (delete from audit_events where occurred_at < $1 returning 1)
         select count(*)::text as deleted from deleted`,
        [cutoff.toISOString()],
      );
      return Number(row?.deleted ?? 0);
    },
  };
}
