import type { Resolvers } from "../generated/graphql.js";
import { QUOTAS } from "../plans/catalogue.js";

export const planResolvers: Resolvers = {
  Tenant: {
    plan: (tenant, _args, { services }) => services.plans.entitlements(tenant.id),
  },
  Plan: {
    name: (plan) => plan.plan,
    features: (plan) => [...plan.features].sort(),
    quotas: (plan, _args, { services }) =>
      Promise.all(
        QUOTAS.map(async (name) => ({
          name,
          limit: plan.limits[name],
          used: await services.plans.used(plan.tenantId, name),
        })),
      ),
    licences: (plan) => [...plan.licences],
  },
  Licence: {
    kind: (licence) => (licence.kind === "feature" ? "FEATURE" : "QUOTA"),
  },
  Mutation: {
    setTenantPlan: (_root, { tenantId, plan, expiresAt }, context) =>
      context.services.plans.setTenantPlan(context, tenantId, plan, expiresAt),
    grantLicence: (_root, { tenantId, ...licence }, context) =>
      context.services.plans.grantLicence(context, tenantId, licence),
    revokeLicence: (_root, { tenantId, licenceId }, context) =>
      context.services.plans.revokeLicence(context, tenantId, licenceId),
  },
};
