import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { notFound } from "../errors.js";
import type { StoredRole } from "../model.js";
import { requireScopes } from "./auth.js";
import { checkpointPage, offsetPage, wantsCheckpoint, type Query } from "./paging.js";

type ForRole = { Params: { id: string } };

function toRole(role: StoredRole): Management.Role {
  return { id: role.id, name: role.name, description: role.description };
}

/** `/api/v2/roles`: the tenant's roles (read-only here), their permissions and who holds them. */
export function registerRoleRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findRole(id: string): StoredRole {
    const role = store.data.roles[id];
    if (!role) throw notFound("The role does not exist.", "inexistent_role");
    return role;
  }

  app.get("/api/v2/roles", { preHandler: requireScopes(ctx, "read:roles") }, async (request) => {
    const query = request.query as Query;
    // Auth0's name_filter is a case-insensitive match anywhere in the name.
    const filter = query.name_filter?.toLowerCase();
    const roles = Object.values(store.data.roles)
      .filter((role) => !filter || role.name.toLowerCase().includes(filter))
      .map(toRole);
    return offsetPage(roles, query, "roles");
  });

  app.get<ForRole>("/api/v2/roles/:id", { preHandler: requireScopes(ctx, "read:roles") }, async (request) =>
    toRole(findRole(request.params.id)),
  );

  app.get<ForRole>(
    "/api/v2/roles/:id/permissions",
    { preHandler: requireScopes(ctx, "read:roles") },
    async (request) => {
      const role = findRole(request.params.id);
      const permissions = role.permissions.map(
        ({ resource_server_identifier, permission_name }): Management.PermissionsResponsePayload => {
          const server = store.findResourceServer(resource_server_identifier);
          return {
            resource_server_identifier,
            permission_name,
            resource_server_name: server?.name ?? resource_server_identifier,
            description: server?.scopes.find((scope) => scope.value === permission_name)?.description ?? "",
          };
        },
      );
      return offsetPage(permissions, request.query as Query, "permissions");
    },
  );

  // Auth0 pages a role's users both ways: from/take (checkpoint, what the SDK sends) and page/per_page.
  app.get<ForRole>(
    "/api/v2/roles/:id/users",
    { preHandler: requireScopes(ctx, "read:users", "read:roles", "read:role_members") },
    async (request) => {
      const role = findRole(request.params.id);
      const query = request.query as Query;
      const holders = Object.values(store.data.users)
        .filter((user) => store.data.userRoles[user.user_id]?.includes(role.id))
        .map((user): Management.RoleUser => ({
          user_id: user.user_id,
          picture: user.picture,
          name: user.name,
          email: user.email,
        }));
      if (wantsCheckpoint(query))
        return checkpointPage(holders, query, "users", (user) => String(user.user_id));
      return offsetPage(holders, query, "users");
    },
  );
}
