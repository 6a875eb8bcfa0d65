/** The stable codes a client can act on, in `extensions.code`. */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "UPSTREAM_UNAVAILABLE"
  | "LICENCE_REQUIRED"
  | "QUOTA_EXCEEDED"
  | "INTERNAL_SERVER_ERROR";

/**
 * What the domain (rules, services, the directory) says went wrong, in its own words: a stable code, a
 * message a user can act on, and safe details. It knows nothing of GraphQL; one place (`formatError` in
 * app.ts) turns it into a GraphQL error.
 */
export class DomainError extends Error {
  override name = "DomainError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function forbidden(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("FORBIDDEN", message, details);
}

export function notFound(what: string): DomainError {
  return new DomainError("NOT_FOUND", `${what} not found`);
}

export function badUserInput(message: string, field?: string): DomainError {
  return new DomainError("BAD_USER_INPUT", message, field ? { field } : {});
}

export function upstreamUnavailable(): DomainError {
  return new DomainError("UPSTREAM_UNAVAILABLE", "Auth0 is not answering right now; try again shortly");
}

/** The tenant's plan does not include a feature, and no licence gives it. */
export function licenceRequired(feature: string): DomainError {
  return new DomainError(
    "LICENCE_REQUIRED",
    `Your tenant's plan does not include '${feature}': upgrade the plan or ask for a licence`,
    { feature },
  );
}

/** The tenant already uses all of a quota. */
export function quotaExceeded(quota: string, limit: number, used: number): DomainError {
  return new DomainError(
    "QUOTA_EXCEEDED",
    `Your tenant uses ${used} of its ${limit} ${quota.replace("_", " ")}: free one or raise the limit`,
    { quota, limit, used },
  );
}

/** A bug or a misconfiguration: the client learns only that, the server log says what. */
export function internalError(): DomainError {
  return new DomainError("INTERNAL_SERVER_ERROR", "Internal server error");
}
