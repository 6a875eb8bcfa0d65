import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { notFound } from "../errors.js";
import type { StoredResourceServer } from "../model.js";
import { requireScopes } from "./auth.js";
import { offsetPage, type Query } from "./paging.js";

function toResourceServer(server: StoredResourceServer): Management.ResourceServer {
  return { ...server };
}

/** `/api/v2/resource-servers`: the APIs, with their permissions (read-only here). */
export function registerResourceServerRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get(
    "/api/v2/resource-servers",
    { preHandler: requireScopes(ctx, "read:resource_servers") },
    async (request) => {
      const servers = Object.values(ctx.store.data.resourceServers).map(toResourceServer);
      return offsetPage(servers, request.query as Query, "resource_servers");
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v2/resource-servers/:id",
    { preHandler: requireScopes(ctx, "read:resource_servers") },
    async (request) => {
      // Auth0 accepts the id or the identifier (URL-encoded) here.
      const server =
        ctx.store.data.resourceServers[request.params.id] ?? ctx.store.findResourceServer(request.params.id);
      if (!server) throw notFound("The resource server does not exist", "inexistent_resource_server");
      return toResourceServer(server);
    },
  );
}
