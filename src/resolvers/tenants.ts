import type { Resolvers } from "../generated/graphql.js";
import { badUserInput, notFound } from "../errors.js";
import { toTenantModel } from "../directory/models.js";
import { DirectoryCursorError } from "../store/directory.js";
import { pageSize } from "./connections.js";
import { listTenantUsers } from "./users.js";

export const tenantResolvers: Resolvers = {
  Query: {
    tenant: async (_root, { id }, { caller, loaders }) => {
      const tenantId = id ?? caller.tenantId;
      if (!tenantId) return null;
      const tenant = await loaders.tenant.load(tenantId);
      if (!tenant) throw notFound("Tenant");
      return tenant;
    },
    tenants: async (_root, { first, after }, { directory, loaders }) => {
      const page = await directory.listTenants({ first: pageSize(first), after }).catch((error: unknown) => {
        throw error instanceof DirectoryCursorError
          ? badUserInput("after is not a cursor this API gave out", "after")
          : error;
      });
      const nodes = page.nodes.map(toTenantModel);
      for (const tenant of nodes) loaders.tenant.prime(tenant.id, tenant);
      return {
        nodes,
        totalCount: page.totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  Tenant: {
    users: (tenant, args, context, info) => listTenantUsers(context, tenant.id, args, info),
  },
};
