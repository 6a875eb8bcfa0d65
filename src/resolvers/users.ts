import { memberKey } from "../auth0/loaders.js";
import { tenantInQuestion } from "../authz/rules.js";
import { PLATFORM_PERMISSIONS } from "../authz/vocabulary.js";
import { canSeeTenant } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { badUserInput, notFound } from "../errors.js";
import type { Resolvers, ResolversTypes } from "../generated/graphql.js";
import { toUserModel, type UserModel } from "../auth0/models.js";
import { statusOf, upstream } from "../auth0/upstream.js";
import { slicePage } from "./connections.js";

/** The database connection Gatehouse creates users in. */
const USER_CONNECTION = "Username-Password-Authentication";
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;
/** What Auth0 user ids look like (`auth0|…`, `google-oauth2|…`); anything else cannot be a user. */
const USER_ID = /^[\w.-]+\|[\w.@-]+$/;

function assertEmail(email: string): void {
  if (email.length > 254 || !EMAIL.test(email))
    throw badUserInput("email is not a valid email address", "email");
}

function assertName(name: string | null | undefined, field = "name"): void {
  if (name != null && (name.trim().length === 0 || name.length > 300)) {
    throw badUserInput(`${field} must be between 1 and 300 characters`, field);
  }
}

/**
 * The user with this id if the caller may see them: themselves, or a member of a tenant the caller acts
 * in. Anyone else is NOT_FOUND, exactly like an id that does not exist, so nothing leaks across tenants.
 * The user is looked at in the caller's tenant if they are a member there, else in the first one the caller
 * may see.
 */
async function findVisibleUser({ caller, loaders }: GatehouseContext, id: string): Promise<UserModel> {
  if (!USER_ID.test(id)) throw notFound("User");
  const tenants = await loaders.tenantsOfUser.load(id);
  const tenantId =
    tenants.find((candidate) => candidate === caller.tenantId) ??
    tenants.find((candidate) => canSeeTenant(caller, candidate)) ??
    null;
  if (id !== caller.userId && !tenantId) throw notFound("User");
  const user = await loaders.user.load(id);
  if (!user) throw notFound("User");
  return { ...user, tenantId };
}

/** After a write, the answer is what Auth0 returned for it: its user search is only eventually consistent. */
function freshUser(
  context: GatehouseContext,
  user: Parameters<typeof toUserModel>[0],
  tenantId?: string | null,
): UserModel {
  const model = toUserModel(user);
  context.loaders.forgetUser(model.id);
  context.loaders.user.prime(model.id, model);
  return tenantId === undefined ? model : { ...model, tenantId };
}

/** Where a user is looked at when the path did not say: the caller's tenant, or the first the caller sees. */
async function tenantLookedAt(
  user: UserModel,
  { caller, loaders }: GatehouseContext,
): Promise<string | null> {
  if (user.tenantId !== undefined) return user.tenantId;
  const tenants = await loaders.tenantsOfUser.load(user.id);
  return (
    tenants.find((id) => id === caller.tenantId) ??
    tenants.find((id) => canSeeTenant(caller, id)) ??
    tenants[0] ??
    null
  );
}

export async function listTenantUsers(
  context: GatehouseContext,
  tenantId: string,
  args: { search?: string | null; first?: number | null; after?: string | null },
): Promise<ResolversTypes["UserConnection"]> {
  const { loaders } = context;
  const members = await loaders.members.load(tenantId);
  const search = args.search?.trim().toLowerCase();
  // Auth0 cannot search inside an organization, so the member list is filtered here: a prefix of the
  // email or of any word of the name.
  const matching = search
    ? members.filter(
        (member) =>
          member.email?.toLowerCase().startsWith(search) ||
          member.name
            ?.toLowerCase()
            .split(/\s+/)
            .some((word) => word.startsWith(search)) ||
          member.name?.toLowerCase().startsWith(search),
      )
    : members;
  const page = slicePage(matching, args.first, args.after);
  for (const member of page.nodes) loaders.tenantsOfUser.prime(member.userId, [tenantId]);
  const users = await loaders.user.loadMany(page.nodes.map((member) => member.userId));
  const firstFailure = users.find((user) => user instanceof Error);
  if (firstFailure) throw firstFailure;
  return {
    ...page,
    nodes: users
      .filter((user): user is UserModel => user !== null && !(user instanceof Error))
      .map((user) => ({ ...user, tenantId })),
  };
}

export function callerTenant({ caller }: GatehouseContext): string {
  if (!caller.tenantId) throw badUserInput("you act in no tenant: name one with tenant(id: …) { users }");
  return caller.tenantId;
}

/** Auth0's answer to a bad create or update, as input the user can fix; anything else goes up. */
function asUserInputError(error: unknown): unknown {
  const status = statusOf(error);
  if (status === 409) return badUserInput("a user with this email already exists", "email");
  if (status === 400) {
    const message = String((error as { body?: { message?: unknown } }).body?.message ?? "");
    if (message.includes("PasswordStrengthError")) {
      return badUserInput(
        "the password is too weak: use at least 8 characters mixing letters, digits and symbols",
        "password",
      );
    }
    return badUserInput("Auth0 refused this input", undefined);
  }
  return error;
}

/** The ids of tenant roles by name; unknown names, and platform roles, are the caller's input to fix. */
async function memberRoleIdsFor(context: GatehouseContext, names: readonly string[]): Promise<string[]> {
  const roles = await context.management.listRoles();
  const unknown = names.filter((name) => !roles.some((role) => role.name === name));
  if (unknown.length > 0) throw badUserInput(`unknown role: ${unknown.join(", ")}`, "roles");
  const chosen = roles.filter((role) => names.includes(role.name));
  const platform = chosen.filter((role) =>
    role.permissions.some((permission) => (PLATFORM_PERMISSIONS as readonly string[]).includes(permission)),
  );
  if (platform.length > 0) {
    throw badUserInput(
      `${platform.map((role) => role.name).join(", ")} acts across tenants and is never a tenant role`,
      "roles",
    );
  }
  return chosen.map((role) => role.id);
}

/** Auth0 refuses a member more than 50 roles in one organization. */
function asRoleInputError(error: unknown): unknown {
  return statusOf(error) === 400
    ? badUserInput("Auth0 refused these roles: a member holds at most 50 roles in a tenant", "roles")
    : error;
}

/** The tenant a membership mutation acts in; the permission map has checked the caller may act there. */
function membershipTenant(context: GatehouseContext, args: { tenantId?: string | null }): string {
  const tenantId = tenantInQuestion(context.caller, args);
  if (!tenantId) throw badUserInput("you act in no tenant: name one with tenantId", "tenantId");
  return tenantId;
}

/** The user as they are in the tenant, after their roles there changed. */
async function memberAfterRoleChange(
  context: GatehouseContext,
  tenantId: string,
  userId: string,
): Promise<UserModel> {
  context.loaders.forgetUser(userId);
  const user = await context.loaders.user.load(userId);
  if (!user) throw notFound("User");
  return { ...user, tenantId };
}

export const userResolvers: Resolvers = {
  Query: {
    user: (_root, { id }, context) => findVisibleUser(context, id),
    users: (_root, args, context) => listTenantUsers(context, callerTenant(context), args),
  },
  Mutation: {
    createUser: async (_root, { input }, context) => {
      const { management, loaders, caller } = context;
      assertEmail(input.email);
      assertName(input.name);
      const tenantId = input.tenantId ?? callerTenant(context);
      if (!(await loaders.tenant.load(tenantId))) throw badUserInput("no tenant has this id", "tenantId");
      const roleIds = await memberRoleIdsFor(context, input.roles ?? []);

      const created = await upstream(() =>
        management.users.create({
          connection: USER_CONNECTION,
          email: input.email,
          ...(input.name ? { name: input.name } : {}),
          // Without a password the user gets a random one and signs in after a password reset.
          password: input.password ?? `${crypto.randomUUID()}-Aa1!`,
          email_verified: false,
          app_metadata: { created_by: caller.subject },
        }),
      ).catch((error: unknown) => {
        throw asUserInputError(error);
      });
      const userId = String(created.user_id);
      try {
        await upstream(() => management.organizations.members.create(tenantId, { members: [userId] }));
        if (roleIds.length > 0) await management.assignMemberRoles(tenantId, userId, roleIds);
      } catch (error) {
        // No half-made user: one who is in no tenant, or lacks the roles asked for, is removed again.
        await management.users.delete(userId).catch((cleanupError: unknown) => {
          console.error(
            `createUser: could not remove the half-created user ${userId}`,
            statusOf(cleanupError),
          );
        });
        throw error;
      }
      await management.forget(`user-tenants:${userId}`);
      loaders.tenantsOfUser.clear(userId).prime(userId, [tenantId]);
      return freshUser(context, created, tenantId);
    },

    updateUser: async (_root, { id, input }, context) => {
      const { tenantId } = await findVisibleUser(context, id);
      const changes: { name?: string; picture?: string; email?: string; connection?: string } = {};
      if (input.name != null) {
        assertName(input.name);
        changes.name = input.name;
      }
      if (input.picture != null) {
        if (!/^https:\/\/\S{1,2000}$/.test(input.picture))
          throw badUserInput("picture must be an https URL", "picture");
        changes.picture = input.picture;
      }
      if (input.email != null) {
        assertEmail(input.email);
        changes.email = input.email;
        changes.connection = USER_CONNECTION;
      }
      if (Object.keys(changes).length === 0) throw badUserInput("give at least one of name, picture, email");
      const updated = await upstream(() => context.management.users.update(id, changes)).catch(
        (error: unknown) => {
          throw asUserInputError(error);
        },
      );
      return freshUser(context, updated, tenantId);
    },

    setUserBlocked: async (_root, { id, blocked }, context) => {
      const { tenantId } = await findVisibleUser(context, id);
      const updated = await upstream(() => context.management.users.update(id, { blocked }));
      return freshUser(context, updated, tenantId);
    },

    deleteUser: async (_root, { id }, context) => {
      await findVisibleUser(context, id);
      await upstream(() => context.management.users.delete(id));
      await context.management.forget(`user-tenants:${id}`);
      context.loaders.forgetUser(id);
      return id;
    },

    removeFromTenant: async (_root, args, context) => {
      const tenantId = membershipTenant(context, args);
      await context.management.removeMember(tenantId, args.userId);
      await context.management.forget(`user-tenants:${args.userId}`);
      context.loaders.forgetUser(args.userId);
      return args.userId;
    },

    assignRoles: async (_root, args, context) => {
      const tenantId = membershipTenant(context, args);
      const roleIds = await memberRoleIdsFor(context, args.roles);
      if (roleIds.length > 0) {
        await context.management.assignMemberRoles(tenantId, args.userId, roleIds).catch((error: unknown) => {
          throw asRoleInputError(error);
        });
      }
      return memberAfterRoleChange(context, tenantId, args.userId);
    },

    removeRoles: async (_root, args, context) => {
      const tenantId = membershipTenant(context, args);
      const roleIds = await memberRoleIdsFor(context, args.roles);
      if (roleIds.length > 0) await context.management.removeMemberRoles(tenantId, args.userId, roleIds);
      return memberAfterRoleChange(context, tenantId, args.userId);
    },
  },
  User: {
    email: (user) => user.email,
    blocked: (user) => user.blocked,
    lastLogin: (user) => user.lastLogin,
    loginsCount: (user) => user.loginsCount,
    roles: async (user, _args, context) => {
      const tenantId = await tenantLookedAt(user, context);
      return tenantId
        ? context.loaders.memberRoleNames.load(memberKey(tenantId, user.id))
        : context.loaders.platformRoleNames.load(user.id);
    },
    tenant: async (user, _args, context) => {
      const tenantId = await tenantLookedAt(user, context);
      return tenantId ? context.loaders.tenant.load(tenantId) : null;
    },
  },
};
