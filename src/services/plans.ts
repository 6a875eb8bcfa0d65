import { isFeature, isPlanName, isQuota, PLANS, type Feature, type Quota } from "../plans/catalogue.js";
import { entitlementsOf, type Entitlements } from "../plans/entitlements.js";
import { badUserInput, licenceRequired, notFound, quotaExceeded } from "../errors.js";
import type { Licence, Store } from "../store/store.js";
import { auditRecordOf, type Actor } from "./audit.js";

/**
 * How long a quota reservation holds a unit for a write under way: far longer than any write takes, short
 * enough that one left by an instance that died mid-write frees the unit soon.
 */
const RESERVATION_SECONDS = 120;

export interface GrantLicenceInput {
  feature?: string | null;
  quota?: string | null;
  limit?: number | null;
  expiresAt?: string | null;
}

/**
 * Tenants' plans and licences. Read from the store on every call, never cached across requests, so a change
 * made on any instance applies from the next request everywhere.
 */
export class PlanService {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** What the tenant may use now. */
  async entitlements(tenantId: string): Promise<Entitlements> {
    const [onRecord, tenant, licences] = await Promise.all([
      this.store.licences.findPlan(tenantId),
      this.store.directory.findTenant(tenantId),
      this.store.licences.listByTenant(tenantId),
    ]);
    // Before Gatehouse kept plans, a tenant's plan was its Auth0 organization's `metadata.plan`.
    const initialPlan = typeof tenant?.metadata.plan === "string" ? tenant.metadata.plan : null;
    return entitlementsOf(tenantId, onRecord, initialPlan, licences, this.now());
  }

  used(tenantId: string, quota: Quota): Promise<number> {
    return this.store.licences.used(tenantId, quota);
  }

  /** Refuses with LICENCE_REQUIRED unless the tenant has the feature. */
  async assertFeature(tenantId: string, feature: Feature): Promise<void> {
    if (!(await this.entitlements(tenantId)).features.has(feature)) throw licenceRequired(feature);
  }

  /** Refuses with QUOTA_EXCEEDED when the tenant already uses all of a quota (a check, not a reservation). */
  async assertWithinQuota(tenantId: string, quota: Quota): Promise<void> {
    const limit = (await this.entitlements(tenantId)).limits[quota];
    if (limit === null) return;
    const used = await this.used(tenantId, quota);
    if (used >= limit) throw quotaExceeded(quota, limit, used);
  }

  /**
   * Runs `write`, which creates one unit of a quota, holding a reservation for it: two writes at the last free
   * unit cannot both pass, on one instance or many. The reservation is given back once the write is done
   * (what it made is then counted itself) or has failed.
   */
  async withinQuota<T>(tenantId: string, quota: Quota, write: () => Promise<T>): Promise<T> {
    const limit = (await this.entitlements(tenantId)).limits[quota];
    const reservation = await this.store.licences.reserve(tenantId, quota, limit, RESERVATION_SECONDS);
    if (!reservation.reserved) throw quotaExceeded(quota, limit ?? 0, reservation.used);
    try {
      return await write();
    } finally {
      await this.store.licences.release(reservation.id).catch((error: unknown) => {
        // It expires by itself; until then the tenant has one unit less.
        console.error(`plans: a quota reservation could not be released (${(error as Error).name})`);
      });
    }
  }

  private async assertTenant(tenantId: string): Promise<void> {
    if (!(await this.store.directory.findTenant(tenantId))) throw notFound("Tenant");
  }

  private assertFuture(expiresAt: string | null | undefined): string | null {
    if (expiresAt == null) return null;
    if (Date.parse(expiresAt) <= this.now().getTime()) {
      throw badUserInput("expiresAt must be in the future", "expiresAt");
    }
    return expiresAt;
  }

  async setTenantPlan(
    actor: Actor,
    tenantId: string,
    plan: string,
    expiresAt?: string | null,
  ): Promise<Entitlements> {
    if (!isPlanName(plan)) {
      throw badUserInput(`unknown plan: choose one of ${Object.keys(PLANS).join(", ")}`, "plan");
    }
    const ends = this.assertFuture(expiresAt);
    await this.assertTenant(tenantId);
    await this.store.transaction(async (tx) => {
      await tx.licences.setPlan({ tenantId, plan, expiresAt: ends });
      await tx.auditLog.record(
        auditRecordOf(actor, {
          tenantId,
          action: "tenant.plan_changed",
          target: tenantId,
          details: { plan, expiresAt: ends },
        }),
      );
    });
    return this.entitlements(tenantId);
  }

  async grantLicence(actor: Actor, tenantId: string, input: GrantLicenceInput): Promise<Licence> {
    const { feature, quota, limit } = input;
    if ((feature == null) === (quota == null)) throw badUserInput("give either feature or quota");
    if (feature != null && !isFeature(feature)) throw badUserInput(`unknown feature: ${feature}`, "feature");
    if (quota != null && !isQuota(quota)) throw badUserInput(`unknown quota: ${quota}`, "quota");
    if (feature != null && limit != null) throw badUserInput("a feature has no limit", "limit");
    if (limit != null && limit < 0) throw badUserInput("limit must not be negative", "limit");
    const expiresAt = this.assertFuture(input.expiresAt);
    await this.assertTenant(tenantId);
    return this.store.transaction(async (tx) => {
      const licence = await tx.licences.grant({
        tenantId,
        kind: feature != null ? "feature" : "quota",
        name: (feature ?? quota) as string,
        limit: feature != null ? null : (limit ?? null),
        expiresAt,
      });
      await tx.auditLog.record(
        auditRecordOf(actor, {
          tenantId,
          action: "licence.granted",
          target: licence.id,
          details: { kind: licence.kind, name: licence.name, limit: licence.limit, expiresAt },
        }),
      );
      return licence;
    });
  }

  async revokeLicence(actor: Actor, tenantId: string, licenceId: string): Promise<string> {
    return this.store.transaction(async (tx) => {
      const licence = await tx.licences.revoke(tenantId, licenceId);
      if (!licence) throw notFound("Licence");
      await tx.auditLog.record(
        auditRecordOf(actor, { tenantId, action: "licence.revoked", target: licenceId }),
      );
      return licenceId;
    });
  }
}
