import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLFormattedError } from "graphql";

/** Apollo's answer to a persisted query whose hash is not the query's: a client's mistake, raised without a code. */
const APQ_HASH_MISMATCH = "provided sha does not match query";

/**
 * Errors in what the client sent that libraries raise without a client error code; the error formatter
 * passes them as the client errors they are instead of logging them as internal ones.
 */
export function graphqlInputErrors(
  formatted: GraphQLFormattedError,
  original: unknown,
): GraphQLFormattedError | undefined {
  // By name, not `instanceof`: Apollo may hold another copy of graphql than this module (CJS and ESM).
  if (
    (original as Error | undefined)?.name === "GraphQLError" &&
    (original as Error).message === APQ_HASH_MISMATCH
  ) {
    return {
      message: "The persisted query's sha256Hash is not the hash of the query sent with it",
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  return undefined;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === "object") return Object.values(value).some(holdsNul);
  return false;
}

function documentHoldsNul(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes("\u0000")) found = true;
    },
  });
  return found;
}

/**
 * No argument Gatehouse takes may hold a NUL character: ids, emails and names never do, and Postgres cannot
 * store one in text (it would fail as an internal error deep in the store). Refused at the edge, before
 * anything runs, as the client error it is.
 */
export function rejectNulCharacters<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    requestDidStart: async () => ({
      didResolveOperation: async ({ request, document }) => {
        if (holdsNul(request.variables) || documentHoldsNul(document)) {
          throw new GraphQLError("Arguments must not contain NUL characters", {
            extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
          });
        }
      },
    }),
  };
}
