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

/** Where an operator's refused attempt on a user is recorded when it names no tenant: the user's. */
export type TenantsOfUser = (userId: string) => Promise<readonly string[]>;

function stringArg(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * The tenant a refused attempt is recorded in. A caller in a tenant: theirs, whatever the attempt named, so
 * nobody writes into another tenant's trail. A caller in no tenant (a platform operator): the tenant the
 * attempt named (`tenantId`, `input.tenantId`), else the tenant of the user it named.
 */
async function tenantOfAttempt(
  actor: Actor,
  args: Record<string, unknown>,
  targetUser: string | null,
  tenantsOfUser?: TenantsOfUser,
): Promise<string | null> {
  if (actor.caller.tenantId) return actor.caller.tenantId;
  const input = args.input as Record<string, unknown> | null | undefined;
  const named = stringArg(args.tenantId) ?? stringArg(input?.tenantId);
  if (named) return named;
  if (!targetUser || !tenantsOfUser) return null;
  return (await tenantsOfUser(targetUser))[0] ?? null;
}

/**
 * The record of a mutation refused by its rule or its resolver: the action it would have been, in the tenant
 * it concerned (see `tenantOfAttempt`), with what it named as target (`id`, `userId`, `licenceId`, or the tenant
 * of a plan change). Anonymous callers' refusals are not recorded: they name nobody, and anyone could fill the
 * log with them.
 */
export async function recordRefusedMutation(
  auditLog: AuditLog,
  actor: Actor,
  field: string,
  args: Record<string, unknown>,
  tenantsOfUser?: TenantsOfUser,
): Promise<void> {
  if (actor.caller.kind === "ANONYMOUS") return;
  const entry = mutationAuditActions[field as keyof typeof mutationAuditActions];
  if (!entry) return;
  const action = typeof entry === "function" ? entry(args) : entry;
  const target =
    stringArg(args.id) ??
    stringArg(args.userId) ??
    stringArg(args.licenceId) ??
    (field === "setTenantPlan" ? stringArg(args.tenantId) : null);
  const targetUser = action.startsWith("user.") ? target : null;
  let tenantId: string | null;
  try {
    tenantId = await tenantOfAttempt(actor, args, targetUser, tenantsOfUser);
  } catch (error) {
    // The refusal stands; the record goes without a tenant rather than not at all.
    console.error(`audit: the tenant of a refused ${action} is unknown (${(error as Error).name})`);
    tenantId = null;
  }
  await recordRefusal(auditLog, actor, { tenantId, action, target });
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
