/**
 * What each plan includes: the one place the product's plans are defined. A plan is a named bundle of
 * features and quotas; a tenant's licences (src/store/licences.ts) add to it or override it for that tenant.
 * A quota's limit is how many the tenant may have at once; `null` means no limit.
 */
export const FEATURES = ["integrations", "api_keys", "audit_log", "sso"] as const;
export type Feature = (typeof FEATURES)[number];

export const QUOTAS = ["seats", "api_keys", "integrations"] as const;
export type Quota = (typeof QUOTAS)[number];

export interface PlanDefinition {
  features: readonly Feature[];
  quotas: Readonly<Record<Quota, number | null>>;
}

export const PLANS = {
  free: {
    features: ["api_keys"],
    quotas: { seats: 5, api_keys: 2, integrations: 0 },
  },
  pro: {
    features: ["integrations", "api_keys", "audit_log", "sso"],
    quotas: { seats: 100, api_keys: 20, integrations: 10 },
  },
} as const satisfies Record<string, PlanDefinition>;

export type PlanName = keyof typeof PLANS;

/** A tenant with no plan on record, or whose plan has expired, is on this one. */
export const DEFAULT_PLAN: PlanName = "free";

export function isPlanName(value: string): value is PlanName {
  return Object.hasOwn(PLANS, value);
}

export function isFeature(value: string): value is Feature {
  return (FEATURES as readonly string[]).includes(value);
}

export function isQuota(value: string): value is Quota {
  return (QUOTAS as readonly string[]).includes(value);
}
