import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest } from "../errors.js";
import type { StoredUserGrant } from "../model.js";
import { requireScopes } from "./auth.js";
import { offsetPage, type Query } from "./paging.js";

function toUserGrant(grant: StoredUserGrant): Management.UserGrant {
  return { ...grant, scope: [...grant.scope] };
}

/**
 * `/api/v2/grants`: users' consents to third-party applications. Deleting one revokes the refresh tokens
 * issued under it, so the application loses the user's access at its next refresh.
 */
export function registerUserGrantRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  app.get("/api/v2/grants", { preHandler: requireScopes(ctx, "read:grants") }, async (request) => {
    const query = request.query as Query;
    const grants = Object.values(store.data.userGrants)
      .filter((grant) => !query.user_id || grant.user_id === query.user_id)
      .filter((grant) => !query.client_id || grant.clientID === query.client_id)
      .filter((grant) => !query.audience || grant.audience === query.audience)
      .map(toUserGrant);
    return offsetPage(grants, query, "grants");
  });

  app.delete<{ Params: { id: string } }>(
    "/api/v2/grants/:id",
    { preHandler: requireScopes(ctx, "delete:grants") },
    async (request, reply) => {
      store.deleteUserGrant(request.params.id);
      return reply.code(204).send();
    },
  );

  app.delete(
    "/api/v2/grants",
    { preHandler: requireScopes(ctx, "delete:grants") },
    async (request, reply) => {
      const userId = (request.query as Query).user_id;
      if (!userId) {
        throw badRequest(
          "Query validation error: 'Missing required property: user_id'",
          "invalid_query_string",
        );
      }
      for (const grant of Object.values(store.data.userGrants)) {
        if (grant.user_id === userId) store.deleteUserGrant(grant.id);
      }
      return reply.code(204).send();
    },
  );
}
