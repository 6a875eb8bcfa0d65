import type { Resolvers } from "../generated/graphql.js";

export const viewerResolvers: Resolvers = {
  Query: {
    viewer: (_root, _args, { caller }) => caller,
    directoryStatus: (_root, _args, { directoryStatus }) => directoryStatus(),
  },
  Viewer: {
    kind: (caller) => caller.kind,
    subject: (caller) => caller.subject,
    clientId: (caller) => caller.clientId,
    tenant: (caller, _args, { loaders }) => (caller.tenantId ? loaders.tenant.load(caller.tenantId) : null),
    user: (caller, _args, { loaders }) => (caller.userId ? loaders.user.load(caller.userId) : null),
    permissions: (caller) => [...caller.permissions].sort(),
  },
};
