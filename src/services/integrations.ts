import { collect, type Auth0Management } from "../auth0/management.js";
import { statusOf, upstream } from "../auth0/upstream.js";
import { isPartner, toPartnerModel } from "../directory/models.js";
import { badUserInput, notFound } from "../errors.js";
import type { Integration, Store } from "../store/store.js";
import { auditRecordOf, type Actor } from "./audit.js";
import type { PlanService } from "./plans.js";

/** Partners enabled for a tenant (Gatehouse's own record) and users' consents to them (Auth0 user grants). */
export class IntegrationService {
  constructor(
    private readonly management: Auth0Management,
    private readonly store: Store,
    private readonly plans: PlanService,
  ) {}

  /** An integration of the tenant; anything else is NOT_FOUND. */
  async findOwnIntegration(tenantId: string | null, id: string): Promise<Integration> {
    const integration = await this.store.integrations.findById(id);
    if (!integration || integration.tenantId !== tenantId) throw notFound("Integration");
    return integration;
  }

  async enableIntegration(actor: Actor, tenantId: string, partnerId: string, scopes: readonly string[]) {
    const client = await this.store.directory.findClient(partnerId);
    if (!client || !isPartner(client)) throw badUserInput("no partner has this id", "partnerId");
    const partner = toPartnerModel(client);
    const wanted = [...new Set(scopes)];
    if (wanted.length === 0) throw badUserInput("enable the integration with at least one scope", "scopes");
    const offered = wanted.filter((scope) => !partner.scopes.includes(scope));
    if (offered.length > 0)
      throw badUserInput(`${partner.name} does not offer ${offered.join(", ")}`, "scopes");
    const enable = () => this.enable(actor, tenantId, partnerId, wanted);
    // Changing the scopes of an active integration takes no new unit of the quota.
    const existing = await this.store.integrations.findByPartnerAndTenant(partnerId, tenantId);
    return existing?.status === "ACTIVE"
      ? enable()
      : this.plans.withinQuota(tenantId, "integrations", enable);
  }

  private enable(actor: Actor, tenantId: string, partnerId: string, wanted: string[]): Promise<Integration> {
    return this.store.transaction(async (tx) => {
      const integration = await tx.integrations.enable({
        partnerId,
        tenantId,
        enabledBy: actor.caller.userId,
        scopes: wanted,
      });
      await tx.auditLog.record(
        auditRecordOf(actor, {
          tenantId,
          action: "integration.enabled",
          target: integration.id,
          details: { partnerId, scopes: wanted },
        }),
      );
      return integration;
    });
  }

  /**
   * Disabled first, so the partner is refused from its very next request even if revoking consents fails;
   * running it again retries the revocation.
   */
  async disableIntegration(actor: Actor, tenantId: string | null, id: string): Promise<Integration> {
    await this.findOwnIntegration(tenantId, id);
    const disabled = await this.store.transaction(async (tx) => {
      const integration = await tx.integrations.disable(id);
      if (!integration) throw notFound("Integration");
      await tx.auditLog.record(
        auditRecordOf(actor, { tenantId: integration.tenantId, action: "integration.disabled", target: id }),
      );
      return integration;
    });
    await this.revokeConsents(disabled);
    return disabled;
  }

  /**
   * Deletes the partner's user grants (consents) of the tenant's users in Auth0, which revokes the refresh
   * tokens issued under them. Consents of the same partner in other tenants stay.
   */
  private async revokeConsents(integration: Integration): Promise<void> {
    const members = new Set(await this.store.directory.memberIds(integration.tenantId));
    // Read from Auth0, not the directory: a consent given a moment ago must be revoked too.
    const grants = await upstream(async () =>
      collect(await this.management.userGrants.list({ client_id: integration.partnerId, per_page: 100 })),
    );
    for (const grant of grants.filter((candidate) => members.has(String(candidate.user_id)))) {
      await upstream(() => this.management.userGrants.delete(String(grant.id))).catch((error: unknown) => {
        if (statusOf(error) !== 404) throw error;
      });
      await this.store.directory.deleteConsent(String(grant.id));
    }
  }
}
