import { randomBytes } from "node:crypto";
import type { SqlClient } from "./sql.js";

export type IntegrationStatus = "ACTIVE" | "DISABLED";

/** A partner enabled for a tenant: Gatehouse's own record of who enabled it, with which scopes, and when. */
export interface Integration {
  id: string;
  /** The partner's Auth0 client id. */
  partnerId: string;
  /** The tenant's Auth0 organization id. */
  tenantId: string;
  /** The user who last enabled it; null when no user did. */
  enabledBy: string | null;
  scopes: string[];
  status: IntegrationStatus;
  /** ISO 8601. */
  enabledAt: string;
  /** ISO 8601; null while the integration is active. */
  disabledAt: string | null;
}

export interface EnableIntegration {
  partnerId: string;
  tenantId: string;
  enabledBy: string | null;
  scopes: readonly string[];
}

export interface IntegrationRepository {
  findById(id: string): Promise<Integration | null>;
  findByPartnerAndTenant(partnerId: string, tenantId: string): Promise<Integration | null>;
  /** Active and disabled integrations of one tenant, by partner id. */
  listByTenant(tenantId: string): Promise<Integration[]>;
  /** Enables the partner for the tenant; enabling again re-activates the same integration with the new scopes. */
  enable(input: EnableIntegration): Promise<Integration>;
  /** Marks it disabled; null when there is no such integration. Disabling twice keeps the first time. */
  disable(id: string): Promise<Integration | null>;
}

type IntegrationRow = {
  id: string;
  partner_id: string;
  tenant_id: string;
  enabled_by: string | null;
  scopes: string[];
  status: IntegrationStatus;
  enabled_at: Date;
  disabled_at: Date | null;
};

const columns = "id, partner_id, tenant_id, enabled_by, scopes, status, enabled_at, disabled_at";

function toIntegration(row: IntegrationRow): Integration {
  return {
    id: row.id,
    partnerId: row.partner_id,
    tenantId: row.tenant_id,
    enabledBy: row.enabled_by,
    scopes: row.scopes,
    status: row.status,
    enabledAt: row.enabled_at.toISOString(),
    disabledAt: row.disabled_at?.toISOString() ?? null,
  };
}

function newIntegrationId(): string {
  return `int_${randomBytes(12).toString("hex")}`;
}

export function integrationRepository(sql: SqlClient): IntegrationRepository {
  const one = async (text: string, params: readonly unknown[]) => {
    const [row] = await sql.query<IntegrationRow>(text, params);
    return row ? toIntegration(row) : null;
  };

  return {
    findById: (id) => one(`select ${columns} from integrations where id = $1`, [id]),

    findByPartnerAndTenant: (partnerId, tenantId) =>
      one(`select ${columns} from integrations where partner_id = $1 and tenant_id = $2`, [
        partnerId,
        tenantId,
      ]),

    async listByTenant(tenantId) {
      const rows = await sql.query<IntegrationRow>(
        `select ${columns} from integrations where tenant_id = $1 order by partner_id`,
        [tenantId],
      );
      return rows.map(toIntegration);
    },

    async enable({ partnerId, tenantId, enabledBy, scopes }) {
      // One statement, so two admins enabling the same partner at once end with one integration, not an error.
      const enabled = await one(
        `insert into integrations (${columns})
         values ($1, $2, $3, $4, $5, 'ACTIVE', now(), null)
         on conflict (partner_id, tenant_id) do update
           set enabled_by = excluded.enabled_by,
               scopes = excluded.scopes,
               status = 'ACTIVE',
               enabled_at = excluded.enabled_at,
               disabled_at = null
         returning ${columns}`,
        [newIntegrationId(), partnerId, tenantId, enabledBy, [...scopes]],
      );
      if (!enabled) throw new Error("enabling an integration returned no row");
      return enabled;
    },

    disable: (id) =>
      one(
        `update integrations
            set status = 'DISABLED', disabled_at = coalesce(disabled_at, now())
          where id = $1
         returning ${columns}`,
        [id],
      ),
  };
}
