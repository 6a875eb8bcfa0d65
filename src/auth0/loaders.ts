import DataLoader from "dataloader";
import type { Auth0Management, MemberModel } from "./management.js";
import type { TenantModel, UserModel } from "./models.js";

/**
 * Per-request batching and de-duplication of Management reads. Created for each request, so nothing one
 * caller loaded is ever served to another; what may be shared across requests is cached in Auth0Management.
 */
export function createLoaders(management: Auth0Management) {
  let roleNamesByUser: Promise<Map<string, string[]>> | undefined;

  /**
   * Who holds which role, from one pass over the roles: a fixed number of Management calls (one per role)
   * however many users a response lists, instead of one call per user.
   */
  function roleMembership(): Promise<Map<string, string[]>> {
    roleNamesByUser ??= (async () => {
      const roles = await management.listRoles();
      const holders = await Promise.all(roles.map((role) => management.listRoleUserIds(role.id)));
      const byUser = new Map<string, string[]>();
      roles.forEach((role, index) => {
        for (const userId of holders[index] ?? [])
          byUser.set(userId, [...(byUser.get(userId) ?? []), role.name]);
      });
      return byUser;
    })();
    return roleNamesByUser;
  }

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
    members: new DataLoader<string, MemberModel[]>((tenantIds) =>
      Promise.all(tenantIds.map((id) => management.listMembers(id))),
    ),
    async partnersConsentedBy(userId: string): Promise<Set<string>> {
      return (await partnerConsents()).get(userId) ?? new Set();
    },
    async roleNamesOf(userId: string): Promise<string[]> {
      return [...((await roleMembership()).get(userId) ?? [])].sort();
    },
    /** Forgets what this request loaded about a user after changing them. */
    forgetUser(userId: string): void {
      roleNamesByUser = undefined;
      this.user.clear(userId);
      this.tenantsOfUser.clear(userId);
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
