import DataLoader from "dataloader";
import type { Auth0Management, MemberModel } from "./management.js";
import type { TenantModel, UserModel } from "./models.js";

/** The key of one membership: a user in a tenant. */
export function memberKey(tenantId: string, userId: string): string {
  return `${tenantId}\u0000${userId}`;
}

function parseMemberKey(key: string): { tenantId: string; userId: string } {
  const [tenantId = "", userId = ""] = key.split("\u0000");
  return { tenantId, userId };
}

/**
 * Per-request batching and de-duplication of Management reads. Created for each request, so nothing one
 * caller loaded is ever served to another; what may be shared across requests is cached in Auth0Management.
 */
export function createLoaders(management: Auth0Management) {
  let consentsByUser: Promise<Map<string, Set<string>>> | undefined;

  /**
   * Which partners each user consented to, from one pass over the partners' consents: one Management call
   * per partner however many users a response lists, instead of one per user.
   */
  function partnerConsents(): Promise<Map<string, Set<string>>> {
    consentsByUser ??= (async () => {
      const partners = await management.listPartners();
      const byUser = new Map<string, Set<string>>();
      await Promise.all(
        partners.map(async (partner) => {
          for (const userId of await management.listConsentingUserIds(partner.id)) {
            byUser.set(userId, (byUser.get(userId) ?? new Set()).add(partner.id));
          }
        }),
      );
      return byUser;
    })();
    return consentsByUser;
  }

  const members = new DataLoader<string, MemberModel[]>((tenantIds) =>
    Promise.all(tenantIds.map((id) => management.listMembers(id))),
  );

  return {
    // One user is read by id (consistent at once); several through one user search (eventually consistent,
    // fine for lists).
    user: new DataLoader<string, UserModel | null>(
      async (ids) => {
        if (ids.length === 1) return [await management.findUser(ids[0] as string)];
        const found = new Map((await management.findUsersByIds(ids)).map((user) => [user.id, user]));
        return ids.map((id) => found.get(id) ?? null);
      },
      { maxBatchSize: 50 },
    ),
    tenant: new DataLoader<string, TenantModel | null>((ids) =>
      Promise.all(ids.map((id) => management.findOrganization(id))),
    ),
    tenantsOfUser: new DataLoader<string, string[]>((ids) =>
      Promise.all(ids.map((id) => management.tenantsOfUser(id))),
    ),
    members,
    /**
     * A user's member roles in a tenant, keyed `memberKey(tenant, user)`. Several members of one tenant in a
     * response are answered from one members list (which carries roles); a lone one by its own call.
     */
    memberRoleNames: new DataLoader<string, string[]>(async (keys) => {
      const pairs = keys.map(parseMemberKey);
      const perTenant = new Map<string, number>();
      for (const { tenantId } of pairs) perTenant.set(tenantId, (perTenant.get(tenantId) ?? 0) + 1);
      return Promise.all(
        pairs.map(async ({ tenantId, userId }) => {
          if ((perTenant.get(tenantId) ?? 0) < 2) return management.memberRoleNames(tenantId, userId);
          const member = (await members.load(tenantId)).find((candidate) => candidate.userId === userId);
          return member?.roleNames ?? [];
        }),
      );
    }),
    platformRoleNames: new DataLoader<string, string[]>((userIds) =>
      Promise.all(userIds.map((id) => management.platformRoleNames(id))),
    ),
    async partnersConsentedBy(userId: string): Promise<Set<string>> {
      return (await partnerConsents()).get(userId) ?? new Set();
    },
    /** Forgets what this request loaded about a user after changing them. */
    forgetUser(userId: string): void {
      this.user.clear(userId);
      this.tenantsOfUser.clear(userId);
      this.platformRoleNames.clear(userId);
      this.memberRoleNames.clearAll();
      members.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
