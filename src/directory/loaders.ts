import DataLoader from "dataloader";
import type { DirectoryReader, DirectoryRole } from "../store/directory.js";
import {
  isPartner,
  toPartnerModel,
  toTenantModel,
  type PartnerModel,
  type TenantModel,
  type UserModel,
} from "./models.js";

/** The key of one membership: a user in a tenant. */
export function memberKey(tenantId: string, userId: string): string {
  return `${tenantId}\u0000${userId}`;
}

function parseMemberKey(key: string): { tenantId: string; userId: string } {
  const [tenantId = "", userId = ""] = key.split("\u0000");
  return { tenantId, userId };
}

function byId<T extends { id: string }>(ids: readonly string[], rows: readonly T[]): (T | null)[] {
  const found = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => found.get(id) ?? null);
}

/**
 * Per-request batching and de-duplication of directory reads: a list of 50 users costs one query per field,
 * not one per user. Created for each request, so nothing one caller loaded is ever served to another.
 */
export function createLoaders(directory: DirectoryReader) {
  let roles: Promise<DirectoryRole[]> | undefined;
  let partners: Promise<PartnerModel[]> | undefined;

  return {
    user: new DataLoader<string, UserModel | null>(async (ids) => byId(ids, await directory.findUsers(ids))),
    tenant: new DataLoader<string, TenantModel | null>(async (ids) =>
      byId(ids, await directory.findTenants(ids)).map((tenant) => (tenant ? toTenantModel(tenant) : null)),
    ),
    tenantsOfUser: new DataLoader<string, string[]>((ids) =>
      Promise.all(ids.map((id) => directory.tenantsOfUser(id))),
    ),
    /** A user's member roles in a tenant, keyed `memberKey(tenant, user)`; one query per tenant. */
    memberRoleNames: new DataLoader<string, string[]>(async (keys) => {
      const pairs = keys.map(parseMemberKey);
      const tenants = [...new Set(pairs.map((pair) => pair.tenantId))];
      const memberships = new Map(
        await Promise.all(
          tenants.map(
            async (tenantId) =>
              [
                tenantId,
                await directory.findMemberships(
                  tenantId,
                  pairs.filter((pair) => pair.tenantId === tenantId).map((pair) => pair.userId),
                ),
              ] as const,
          ),
        ),
      );
      return pairs.map(({ tenantId, userId }) => memberships.get(tenantId)?.get(userId)?.roleNames ?? []);
    }),
    consentedPartnerIds: new DataLoader<string, Set<string>>((userIds) =>
      Promise.all(
        userIds.map(async (userId) => {
          const consents = await directory.consentsOfUser(userId);
          return new Set(consents.map((consent) => consent.clientId));
        }),
      ),
    ),
    /** Every role with its permissions. */
    roles(): Promise<DirectoryRole[]> {
      roles ??= directory.listRoles();
      return roles;
    },
    /** The partner catalogue. */
    partners(): Promise<PartnerModel[]> {
      partners ??= directory.listPartners().then((clients) => clients.filter(isPartner).map(toPartnerModel));
      return partners;
    },
    /** Forgets what this request loaded about a user after changing them. */
    forgetUser(userId: string): void {
      this.user.clear(userId);
      this.tenantsOfUser.clear(userId);
      this.memberRoleNames.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
