import type { Caller } from "../caller/caller.js";
import type { Store } from "../store/store.js";

/**
 * The audit record of a change Auth0 has already made. It cannot be undone, so the record is written after it
 * (never inside a transaction held open across an Auth0 call, which on PGlite would stall every store read);
 * if the store fails now, the change stands and the missing record is logged, not hidden.
 */
export async function recordAudit(
  store: Store,
  caller: Caller,
  event: { tenantId: string | null; action: string; target: string; details?: Record<string, unknown> },
): Promise<void> {
  try {
    await store.auditLog.record({ ...event, actor: caller.subject });
  } catch (error) {
    console.error(`audit record missing: ${event.action} ${event.target} (${(error as Error).name})`);
  }
}
