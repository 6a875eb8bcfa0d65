import { canSeeTenant } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { badUserInput, notFound } from "../errors.js";
import type { Resolvers } from "../generated/graphql.js";
import type { PartnerModel } from "../auth0/models.js";
import { upstream } from "../auth0/upstream.js";
import type { Integration } from "../store/store.js";
import { callerTenant } from "./users.js";

async function findPartner(
  { management }: GatehouseContext,
  partnerId: string,
): Promise<PartnerModel | undefined> {
  return (await management.listPartners()).find((partner) => partner.id === partnerId);
}

/** An integration of a tenant the caller acts in; anything else is NOT_FOUND. */
async function findOwnIntegration(context: GatehouseContext, id: string): Promise<Integration> {
  const integration = await context.store.integrations.findById(id);
  if (!integration || integration.tenantId !== context.caller.tenantId) throw notFound("Integration");
  return integration;
}

/**
 * Deletes the partner's user grants (consents) of the tenant's users in Auth0, which revokes the refresh
 * tokens issued under them. Consents of the same partner in other tenants stay.
 */
async function revokeConsents(context: GatehouseContext, integration: Integration): Promise<void> {
  const { management, loaders } = context;
  const members = new Set((await loaders.members.load(integration.tenantId)).map((member) => member.userId));
  const page = await upstream(() =>
    management.userGrants.list({ client_id: integration.partnerId, per_page: 100 }),
  );
  const grants = [];
  for await (const grant of page) grants.push(grant);
  for (const grant of grants.filter((candidate) => members.has(String(candidate.user_id)))) {
    await upstream(() => management.userGrants.delete(String(grant.id)));
  }
}

export const integrationResolvers: Resolvers = {
  Query: {
    partners: (_root, _args, { management }) => management.listPartners(),
    integration: (_root, { id }, context) => findOwnIntegration(context, id),
  },
  Tenant: {
    integrations: (tenant, _args, { store }) => store.integrations.listByTenant(tenant.id),
  },
  User: {
    // The partners this user consented to, as the integrations of their tenant.
    integrations: async (user, _args, context) => {
      const { loaders, store } = context;
      const partnerIds = await loaders.partnersConsentedBy(user.id);
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
    partner: async (integration, _args, context) =>
      (await findPartner(context, integration.partnerId)) ?? {
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
    enableIntegration: async (_root, { partnerId, scopes }, context) => {
      const tenantId = callerTenant(context);
      const partner = await findPartner(context, partnerId);
      if (!partner) throw badUserInput("no partner has this id", "partnerId");
      const wanted = [...new Set(scopes)];
      if (wanted.length === 0) throw badUserInput("enable the integration with at least one scope", "scopes");
      const offered = wanted.filter((scope) => !partner.scopes.includes(scope));
      if (offered.length > 0) {
        throw badUserInput(`${partner.name} does not offer ${offered.join(", ")}`, "scopes");
      }
      return context.store.transaction(async (tx) => {
        const integration = await tx.integrations.enable({
          partnerId,
          tenantId,
          enabledBy: context.caller.userId,
          scopes: wanted,
        });
        await tx.auditLog.record({
          tenantId,
          actor: context.caller.subject,
          action: "integration.enabled",
          target: integration.id,
          details: { partnerId, scopes: wanted },
        });
        return integration;
      });
    },

    disableIntegration: async (_root, { id }, context) => {
      await findOwnIntegration(context, id);
      // Disabled first, so the partner is refused from its very next request even if revoking consents
      // below fails; running disableIntegration again retries the revocation.
      const disabled = await context.store.transaction(async (tx) => {
        const integration = await tx.integrations.disable(id);
        if (!integration) throw notFound("Integration");
        await tx.auditLog.record({
          tenantId: integration.tenantId,
          actor: context.caller.subject,
          action: "integration.disabled",
          target: id,
        });
        return integration;
      });
      await revokeConsents(context, disabled);
      return disabled;
    },
  },
};
