import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context.js";
import { registerClientGrantRoutes } from "./client-grants.js";
import { registerClientRoutes } from "./clients.js";
import { registerEventStreamRoutes } from "./event-streams.js";
import { registerUserGrantRoutes } from "./grants.js";
import { registerOrganizationRoutes } from "./organizations.js";
import { registerResourceServerRoutes } from "./resource-servers.js";
import { registerRoleRoutes } from "./roles.js";
import { registerUsersRoutes } from "./users.js";

/** The Management API v2 subset Gatehouse uses, under `/api/v2/`. */
export function registerManagementApi(app: FastifyInstance, ctx: EmulatorContext): void {
  registerUsersRoutes(app, ctx);
  registerRoleRoutes(app, ctx);
  registerOrganizationRoutes(app, ctx);
  registerClientRoutes(app, ctx);
  registerClientGrantRoutes(app, ctx);
  registerUserGrantRoutes(app, ctx);
  registerResourceServerRoutes(app, ctx);
  registerEventStreamRoutes(app, ctx);
}
