import { GraphQLError } from "graphql";

/** The stable codes a client can act on, in `extensions.code`. */
export type ErrorCode =
  "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_USER_INPUT" | "UPSTREAM_UNAVAILABLE";

export function forbidden(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN", ...extensions } });
}

export function notFound(what: string): GraphQLError {
  return new GraphQLError(`${what} not found`, { extensions: { code: "NOT_FOUND" } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...(field ? { field } : {}) } });
}

export function upstreamUnavailable(): GraphQLError {
  return new GraphQLError("Auth0 is not answering right now; try again shortly", {
    extensions: { code: "UPSTREAM_UNAVAILABLE" },
  });
}

/** A bug or a misconfiguration: the client learns only that, the server log says what. */
export function internalError(): GraphQLError {
  return new GraphQLError("Internal server error", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
}
