import { statusOf } from "../auth0/upstream.js";

/**
 * The directory's half of a write Auth0 has already made. Auth0 stays the source of truth, so when the
 * directory write fails the object is re-read from Auth0 and written again; if even that fails, the change
 * still stands in Auth0 and the next reconciliation brings the directory in step — logged, never hidden,
 * never half-applied in a way a retry cannot mend.
 */
export async function mirrorInDirectory(
  what: string,
  write: () => Promise<unknown>,
  repair: () => Promise<unknown>,
): Promise<void> {
  try {
    await write();
    return;
  } catch (error) {
    console.error(`directory: writing ${what} failed (${(error as Error).name}); re-reading it from Auth0`);
  }
  try {
    await repair();
  } catch (error) {
    console.error(
      `directory: ${what} could not be repaired now (${(error as Error).name}, status ${statusOf(error) ?? "none"}); ` +
        "the next reconciliation will",
    );
  }
}
