import { badUserInput } from "../errors.js";
import type { Resolvers } from "../generated/graphql.js";
import { AuditCursorError } from "../store/store.js";
import { pageSize } from "./connections.js";

export const auditResolvers: Resolvers = {
  Tenant: {
    auditEvents: async (tenant, { first, after, action, actor, since }, { store }) => {
      const page = await store.auditLog
        .list(tenant.id, { first: pageSize(first), after, action, actor, since })
        .catch((error: unknown) => {
          throw error instanceof AuditCursorError
            ? badUserInput("after is not a cursor this API gave out", "after")
            : error;
        });
      return {
        nodes: page.nodes,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      };
    },
  },
  AuditEvent: {
    outcome: (event) => (event.outcome === "refused" ? "REFUSED" : "SUCCEEDED"),
    at: (event) => event.occurredAt,
    tenant: (event, _args, { loaders }) => (event.tenantId ? loaders.tenant.load(event.tenantId) : null),
  },
};
