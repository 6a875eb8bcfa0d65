import { mutationAuditActions } from "../authz/permissions.js";
import type { Caller } from "../caller/caller.js";
import type { AuditActor, AuditLog, RecordAuditEvent, Store } from "../store/store.js";

/** Who asks a service for a change, and in which request: what its audit record says. */
export interface Actor {
  caller: Caller;
  /** The HTTP request's id (also sent back as `x-request-id`). */
  requestId: string | null;
}

/** The caller as an audit record names it: kind, subject, client, and the partner for PARTNER callers. */
export function auditActorOf(caller: Caller): AuditActor {
  return {
    kind: caller.kind,
    subject: caller.subject,
    clientId: caller.clientId,
    partnerId: caller.kind === "PARTNER" ? caller.clientId : null,
  };
}

type AuditedChange = Omit<RecordAuditEvent, "actor" | "requestId" | "outcome" | "occurredAt">;

/** The record of a change `actor` made; for writes that record it inside their own transaction. */
export function auditRecordOf(actor: Actor, change: AuditedChange): RecordAuditEvent {
  return { ...change, actor: auditActorOf(actor.caller), requestId: actor.requestId, outcome: "succeeded" };
}

/**
 * The audit record of a change Auth0 has already made. It cannot be undone, so the record is written after it
 * (never inside a transaction held open across an Auth0 call, which on PGlite would stall every store read);
 * if the store fails now, the change stands and the missing record is logged, not hidden.
 */
export async function recordAudit(
  store: Store,
  actor: Actor,
  change: { tenantId: string | null; action: string; target: string; details?: Record<string, unknown> },
): Promise<void> {
  try {
    await store.auditLog.record(auditRecordOf(actor, change));
  } catch (error) {
    console.error(`audit record missing: ${change.action} ${change.target} (${(error as Error).name})`);
  }
}

/**
 * The record of an attempt a rule refused: nothing changed, so a store failure only loses the record (logged)
 * and never turns the refusal into another error.
 */
export async function recordRefusal(
  auditLog: AuditLog,
  actor: Actor,
  attempt: { tenantId: string | null; action: string; target: string | null },
): Promise<void> {
  try {
    await auditLog.record({
      ...attempt,
      actor: auditActorOf(actor.caller),
      requestId: actor.requestId,
      outcome: "refused",
    });
  } catch (error) {
    console.error(`audit record missing: refused ${attempt.action} (${(error as Error).name})`);
  }
}

/**
 * The record of a mutation a rule refused: the action it would have been, in the caller's tenant, with the
 * user, key or integration it named (`id` / `userId`). Anonymous callers' refusals are not recorded: they
 * name nobody, and anyone could fill the log with them.
 */
export async function recordRefusedMutation(
  auditLog: AuditLog,
  actor: Actor,
  field: string,
  args: Record<string, unknown>,
): Promise<void> {
  if (actor.caller.kind === "ANONYMOUS") return;
  const action = mutationAuditActions[field as keyof typeof mutationAuditActions];
  if (!action) return;
  const target = [args.id, args.userId].find((value): value is string => typeof value === "string") ?? null;
  await recordRefusal(auditLog, actor, {
    tenantId: actor.caller.tenantId,
    action: typeof action === "function" ? action(args) : action,
    target,
  });
}

const DAY_MS = 24 * 3600 * 1000;

/** Keeps the audit log to its retention period: events older than `retentionDays` are deleted. */
export class AuditRetention {
  constructor(
    private readonly auditLog: AuditLog,
    readonly retentionDays: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Deletes what has outlived the retention period now; answers how many events went. */
  prune(): Promise<number> {
    return this.auditLog.deleteOlderThan(new Date(this.now().getTime() - this.retentionDays * DAY_MS));
  }
}
