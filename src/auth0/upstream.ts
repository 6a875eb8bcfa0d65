import { upstreamUnavailable } from "../errors.js";

/** The HTTP status of an `auth0` SDK error, if it has one (network failures and time-outs have none). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** Auth0 is rate limiting, failing or unreachable: the SDK already retried as Auth0 asks. */
export function isUpstreamFailure(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status === 429 || status >= 500;
}

/**
 * Runs a Management call; an upstream failure becomes `UPSTREAM_UNAVAILABLE` (the field is null, the rest of
 * the response intact) and a 404 becomes `undefined`. Other errors go on to the caller, which knows what
 * they mean (a 409 on create is the caller's input, a 403 is Gatehouse's misconfiguration).
 */
export async function findOrUndefined<T>(operation: () => Promise<T>): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw translateUpstream(error);
  }
}

export async function upstream<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateUpstream(error);
  }
}

export function translateUpstream(error: unknown): unknown {
  return isUpstreamFailure(error) ? upstreamUnavailable() : error;
}
