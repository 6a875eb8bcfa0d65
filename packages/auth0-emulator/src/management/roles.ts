import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, notFound } from "../errors.js";
import type { RolePermission, StoredRole } from "../model.js";
import { newId } from "../store.js";
import { requireScopes } from "./auth.js";
import { checkpointPage, offsetPage, wantsCheckpoint, type Query } from "./paging.js";
import { invalidPayload, optionalString, payloadOf, requiredString, type Payload } from "./payload.js";

type ForRole = { Params: { id: string } };

function toRole(role: StoredRole): Management.Role {
  return { id: role.id, name: role.name, description: role.description };
}

/** `{ permissions: [{ resource_server_identifier, permission_name }] }`: required and never empty. */
function permissionList(payload: Payload): RolePermission[] {
  const value = payload.permissions;
  if (value === undefined) invalidPayload("Missing required property: permissions");
  if (!Array.isArray(value)) invalidPayload("Expected type array", "permissions");
  if (value.length === 0) invalidPayload("Array is too short (0), minimum 1", "permissions");
  return (value as unknown[]).map((entry) => {
    const item = (typeof entry === "object" && entry !== null ? entry : {}) as Payload;
    return {
      resource_server_identifier: requiredString(item, "resource_server_identifier"),
      permission_name: requiredString(item, "permission_name"),
    };
  });
}

const samePermission = (a: RolePermission) => (b: RolePermission) =>
  a.resource_server_identifier === b.resource_server_identifier && a.permission_name === b.permission_name;

/** `/api/v2/roles`: the tenant's roles, their permissions and who holds them. */
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

  function requireUniqueName(name: string, except?: string): void {
    // Auth0 refuses a second role of the same name (409).
    if (Object.values(store.data.roles).some((role) => role.name === name && role.id !== except)) {
      throw conflict("Role name already exists", "conflict");
    }
  }

  app.post("/api/v2/roles", { preHandler: requireScopes(ctx, "create:roles") }, async (request, reply) => {
    const payload = payloadOf(request.body);
    const name = requiredString(payload, "name");
    requireUniqueName(name);
    const role: StoredRole = {
      id: newId("rol"),
      name,
      description: optionalString(payload, "description") ?? "",
      permissions: [],
    };
    store.data.roles[role.id] = role;
    return reply.code(200).send(toRole(role));
  });

  app.patch<ForRole>(
    "/api/v2/roles/:id",
    { preHandler: requireScopes(ctx, "update:roles") },
    async (request) => {
      const role = findRole(request.params.id);
      const payload = payloadOf(request.body);
      const name = optionalString(payload, "name");
      const description = optionalString(payload, "description");
      if (name !== undefined) {
        requireUniqueName(name, role.id);
        role.name = name;
      }
      if (description !== undefined) role.description = description;
      return toRole(role);
    },
  );

  // Adding or removing a role's permissions is an update of the role in Auth0's scopes.
  app.post<ForRole>(
    "/api/v2/roles/:id/permissions",
    { preHandler: requireScopes(ctx, "update:roles") },
    async (request, reply) => {
      const role = findRole(request.params.id);
      const added = permissionList(payloadOf(request.body));
      for (const permission of added) {
        const server = store.findResourceServer(permission.resource_server_identifier);
        if (!server?.scopes.some((scope) => scope.value === permission.permission_name)) {
          throw badRequest(
            `Permission ${permission.permission_name} is not defined on resource server ` +
              `${permission.resource_server_identifier}`,
          );
        }
      }
      for (const permission of added) {
        if (!role.permissions.some(samePermission(permission))) role.permissions.push(permission);
      }
      return reply.code(201).send();
    },
  );

  app.delete<ForRole>(
    "/api/v2/roles/:id/permissions",
    { preHandler: requireScopes(ctx, "update:roles") },
    async (request, reply) => {
      const role = findRole(request.params.id);
      const removed = permissionList(payloadOf(request.body));
      role.permissions = role.permissions.filter((permission) => !removed.some(samePermission(permission)));
      return reply.code(204).send();
    },
  );

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
