import type { Resolvers } from "../generated/graphql.js";
import { notFound } from "../errors.js";
import { toTenantModel } from "../auth0/models.js";
import { upstream } from "../auth0/upstream.js";
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
    // Auth0 pages organizations by checkpoint: the cursor is Auth0's own `next`, and no total is known.
    tenants: async (_root, { first, after }, { management, loaders }) => {
      const page = await upstream(() =>
        management.organizations.list({ from: after ?? undefined, take: pageSize(first) }),
      );
      const nodes = page.data.map(toTenantModel);
      for (const tenant of nodes) loaders.tenant.prime(tenant.id, tenant);
      const next = (page.response as { next?: string }).next || null;
      return { nodes, totalCount: null, pageInfo: { hasNextPage: next !== null, endCursor: next } };
    },
  },
  Tenant: {
    plan: (tenant) => tenant.plan,
    users: (tenant, args, context) => listTenantUsers(context, tenant.id, args),
  },
};
