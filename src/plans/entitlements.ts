import { DEFAULT_PLAN, PLANS, type Feature, type PlanName, type Quota } from "./catalogue.js";
import type { Licence, TenantPlan } from "../store/licences.js";

/** What a tenant may use right now: its plan, with its live licences applied. */
export interface Entitlements {
  tenantId: string;
  plan: PlanName;
  /** When the plan ends (the tenant then falls back to the default plan); null for no end. */
  expiresAt: string | null;
  features: ReadonlySet<Feature>;
  /** The limit of each quota; null means no limit. */
  limits: Readonly<Record<Quota, number | null>>;
  /** The licences in force, oldest first. */
  licences: readonly Licence[];
}

function isLive(expiresAt: string | null, now: Date): boolean {
  return expiresAt === null || Date.parse(expiresAt) > now.getTime();
}

/**
 * A tenant's entitlements at `now`. The plan on record wins over the one Auth0's organization metadata names
 * (how tenants were set up before Gatehouse kept plans); an expired or unknown plan is the default plan.
 * A quota licence overrides the plan's limit (the latest granted wins), so it can raise or lower it.
 */
export function entitlementsOf(
  tenantId: string,
  onRecord: TenantPlan | null,
  initialPlan: string | null,
  licences: readonly Licence[],
  now: Date,
): Entitlements {
  const named = onRecord && isLive(onRecord.expiresAt, now) ? onRecord.plan : onRecord ? null : initialPlan;
  const plan: PlanName = named !== null && Object.hasOwn(PLANS, named) ? (named as PlanName) : DEFAULT_PLAN;
  const definition = PLANS[plan];
  const features = new Set<Feature>(definition.features);
  const limits: Record<Quota, number | null> = { ...definition.quotas };
  const live = licences.filter((licence) => isLive(licence.expiresAt, now));
  for (const licence of live) {
    if (licence.kind === "feature") features.add(licence.name as Feature);
    else limits[licence.name as Quota] = licence.limit;
  }
  return {
    tenantId,
    plan,
    expiresAt: onRecord && isLive(onRecord.expiresAt, now) ? onRecord.expiresAt : null,
    features,
    limits,
    licences: live,
  };
}
