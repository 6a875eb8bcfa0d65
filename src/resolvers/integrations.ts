import { canSeeTenant } from "../caller/caller.js";
import { notFound } from "../errors.js";
import type { Resolvers } from "../generated/graphql.js";
import { callerTenant } from "./users.js";

export const integrationResolvers: Resolvers = {
  Query: {
    partners: (_root, _args, { loaders }) => loaders.partners(),
    integration: (_root, { id }, context) =>
      context.services.integrations.findOwnIntegration(context.caller.tenantId, id),
  },
  Tenant: {
    integrations: (tenant, _args, { store }) => store.integrations.listByTenant(tenant.id),
  },
  User: {
    // The partners this user consented to, as the integrations of their tenant.
    integrations: async (user, _args, context) => {
      const { loaders, store } = context;
      const partnerIds = await loaders.consentedPartnerIds.load(user.id);
      // Only tenants the caller may see: a user in two tenants must not open the other one's integrations.
      const tenants = (await loaders.tenantsOfUser.load(user.id)).filter((tenantId) =>
        canSeeTenant(context.caller, tenantId),
      );
      const integrations = await Promise.all(
        tenants.map((tenantId) => store.integrations.listByTenant(tenantId)),
      );
      return integrations
        .flat()
        .filter((integration) => partnerIds.has(integration.partnerId))
        .map((integration) => ({ ...integration, consentedBy: user.id }));
    },
  },
  Integration: {
    partner: async (integration, _args, { loaders }) =>
      (await loaders.partners()).find((partner) => partner.id === integration.partnerId) ?? {
        id: integration.partnerId,
        name: integration.partnerId,
        description: null,
        logoUri: null,
        scopes: [],
      },
    tenant: async (integration, _args, { loaders }) =>
      (await loaders.tenant.load(integration.tenantId)) ?? Promise.reject(notFound("Tenant")),
    enabledBy: (integration, _args, { loaders }) =>
      integration.enabledBy ? loaders.user.load(integration.enabledBy) : null,
  },
  Mutation: {
    enableIntegration: (_root, { partnerId, scopes }, context) =>
      context.services.integrations.enableIntegration(context, callerTenant(context), partnerId, scopes),
    disableIntegration: (_root, { id }, context) =>
      context.services.integrations.disableIntegration(context, context.caller.tenantId, id),
  },
};
