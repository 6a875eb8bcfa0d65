import { tenantInQuestion } from "../authz/rules.js";
import { canSeeTenant, type Caller } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { memberKey } from "../directory/loaders.js";
import type { UserModel } from "../directory/models.js";
import type { GraphQLResolveInfo } from "graphql";
import { badUserInput, notFound } from "../errors.js";
import type { Resolvers, ResolversTypes } from "../generated/graphql.js";
import { DirectoryCursorError } from "../store/directory.js";
import { pageSize, selectsField } from "./connections.js";

/** What Auth0 user ids look like (`auth0|…`, `google-oauth2|…`); anything else cannot be a user. */
const USER_ID = /^[\w.-]+\|[\w.@-]+$/;

/** Of a user's tenants, the one the caller looks at them in: the caller's own, else the first the caller sees. */
function visibleTenantOf(caller: Caller, tenants: readonly string[]): string | null {
  return (
    tenants.find((id) => id === caller.tenantId) ?? tenants.find((id) => canSeeTenant(caller, id)) ?? null
  );
}

/**
 * The user with this id if the caller may see them: themselves, or a member of a tenant the caller acts in.
 * Anyone else is NOT_FOUND, exactly like an id that does not exist, so nothing leaks across tenants. The user
 * is looked at in the caller's tenant if they are a member there, else in the first one the caller may see.
 */
async function findVisibleUser({ caller, loaders }: GatehouseContext, id: string): Promise<UserModel> {
  if (!USER_ID.test(id)) throw notFound("User");
  const tenants = await loaders.tenantsOfUser.load(id);
  const tenantId = visibleTenantOf(caller, tenants);
  if (id !== caller.userId && !tenantId) throw notFound("User");
  const user = await loaders.user.load(id);
  if (!user) throw notFound("User");
  return { ...user, tenantId };
}

/** Where a user is looked at when the path did not say: the caller's tenant, or the first the caller sees. */
async function tenantLookedAt(
  user: UserModel,
  { caller, loaders }: GatehouseContext,
): Promise<string | null> {
  if (user.tenantId !== undefined) return user.tenantId;
  const tenants = await loaders.tenantsOfUser.load(user.id);
  return visibleTenantOf(caller, tenants) ?? tenants[0] ?? null;
}

export async function listTenantUsers(
  { directory, loaders }: GatehouseContext,
  tenantId: string,
  args: { search?: string | null; first?: number | null; after?: string | null },
  info: GraphQLResolveInfo,
): Promise<ResolversTypes["UserConnection"]> {
  const search = args.search?.trim();
  if (search && search.length > 100) throw badUserInput("search must be at most 100 characters", "search");
  const page = await directory
    .listTenantUsers(tenantId, {
      search,
      first: pageSize(args.first),
      after: args.after,
      // Counting every matching member costs a statement: only when the query asks.
      withTotal: selectsField(info, "totalCount"),
    })
    .catch((error: unknown) => {
      throw error instanceof DirectoryCursorError
        ? badUserInput("after is not a cursor this API gave out", "after")
        : error;
    });
  for (const user of page.nodes) {
    loaders.user.prime(user.id, user);
  }
  return {
    nodes: page.nodes.map((user) => ({ ...user, tenantId })),
    totalCount: page.totalCount,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}

export function callerTenant({ caller }: GatehouseContext): string {
  if (!caller.tenantId) throw badUserInput("you act in no tenant: name one with tenant(id: …) { users }");
  return caller.tenantId;
}

/** The tenant a membership mutation acts in; the permission map has checked the caller may act there. */
function membershipTenant(context: GatehouseContext, args: { tenantId?: string | null }): string {
  const tenantId = tenantInQuestion(context.caller, args);
  if (!tenantId) throw badUserInput("you act in no tenant: name one with tenantId", "tenantId");
  return tenantId;
}

export const userResolvers: Resolvers = {
  Query: {
    user: (_root, { id }, context) => findVisibleUser(context, id),
    users: (_root, args, context, info) => listTenantUsers(context, callerTenant(context), args, info),
  },
  Mutation: {
    createUser: (_root, { input }, context) =>
      context.services.users.createUser(context, {
        ...input,
        tenantId: input.tenantId ?? callerTenant(context),
      }),
    updateUser: async (_root, { id, input }, context) => {
      const { tenantId } = await findVisibleUser(context, id);
      return context.services.users.updateUser(context, id, tenantId ?? null, input);
    },
    setUserBlocked: async (_root, { id, blocked }, context) => {
      const { tenantId } = await findVisibleUser(context, id);
      return context.services.users.setBlocked(context, id, tenantId ?? null, blocked);
    },
    deleteUser: async (_root, { id }, context) => {
      const { tenantId } = await findVisibleUser(context, id);
      return context.services.users.deleteUser(context, id, tenantId ?? null);
    },
    removeFromTenant: (_root, args, context) =>
      context.services.users.removeFromTenant(context, membershipTenant(context, args), args.userId),
    assignRoles: (_root, args, context) =>
      context.services.users.assignRoles(context, membershipTenant(context, args), args.userId, args.roles),
    removeRoles: (_root, args, context) =>
      context.services.users.removeRoles(context, membershipTenant(context, args), args.userId, args.roles),
  },
  User: {
    email: (user) => user.email,
    blocked: (user) => user.blocked,
    lastLogin: (user) => user.lastLogin,
    loginsCount: (user) => user.loginsCount,
    roles: (user, _args, context) => {
      // A tenant's user list reads each member's roles with its page: no look-up, no promise per user.
      if (user.tenantId !== undefined && user.memberRoleNames) return user.memberRoleNames;
      return tenantLookedAt(user, context).then((tenantId) =>
        tenantId
          ? context.loaders.memberRoleNames.load(memberKey(tenantId, user.id))
          : user.platformRoleNames,
      );
    },
    tenant: async (user, _args, context) => {
      const tenantId = await tenantLookedAt(user, context);
      return tenantId ? context.loaders.tenant.load(tenantId) : null;
    },
  },
};
