import type { Resolvers } from "../generated/graphql.js";
import { toApiKeyModel, type ApiKeyModel } from "../directory/models.js";
import { callerTenant } from "./users.js";

export const apiKeyResolvers: Resolvers = {
  Tenant: {
    apiKeys: async (tenant, _args, { directory, services }) => {
      const [native, applications] = await Promise.all([
        services.apiKeys.listNativeApiKeys(tenant.id),
        directory.listApiKeys(tenant.id),
      ]);
      return [
        ...native,
        ...applications.map(toApiKeyModel).filter((key): key is ApiKeyModel => key !== null),
      ];
    },
  },
  ApiKey: {
    createdBy: (key, _args, { loaders }) =>
      key.createdBy?.includes("|") ? loaders.user.load(key.createdBy) : null,
  },
  Mutation: {
    createApiKey: (_root, { name, scopes, kind, expiresAt }, context) =>
      context.services.apiKeys.createApiKey(
        context,
        callerTenant(context),
        name,
        scopes,
        kind ?? "NATIVE",
        expiresAt,
      ),
    rotateApiKey: (_root, { id }, context) =>
      context.services.apiKeys.rotateApiKey(context, context.caller.tenantId, id),
    revokeApiKey: (_root, { id }, context) =>
      context.services.apiKeys.revokeApiKey(context, context.caller.tenantId, id),
  },
};
