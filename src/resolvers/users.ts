import { canSeeTenant, hasPermission } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { badUserInput, forbidden, notFound } from "../errors.js";
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
 */
async function findVisibleUser({ caller, loaders }: GatehouseContext, id: string): Promise<UserModel> {
  if (!USER_ID.test(id)) throw notFound("User");
  if (id !== caller.userId) {
    const tenants = await loaders.tenantsOfUser.load(id);
    if (!tenants.some((tenantId) => canSeeTenant(caller, tenantId))) throw notFound("User");
  }
  const user = await loaders.user.load(id);
  if (!user) throw notFound("User");
  return user;
}

/**
 * The user with this id if the caller may change them: one the caller can see, in the caller's own tenant.
 * Seeing every tenant (`read:tenants`) is not changing every tenant: that needs `manage:tenants`.
 */
async function findChangeableUser(context: GatehouseContext, id: string): Promise<UserModel> {
  const user = await findVisibleUser(context, id);
  const { caller, loaders } = context;
  if (id === caller.userId || hasPermission(caller, "manage:tenants")) return user;
  const tenants = await loaders.tenantsOfUser.load(id);
  if (!caller.tenantId || !tenants.includes(caller.tenantId)) {
    throw forbidden("Not authorised: this user is in another tenant", {
      missingPermission: "manage:tenants",
    });
  }
  return user;
}

/** After a write, the answer is what Auth0 returned for it: its user search is only eventually consistent. */
function freshUser(context: GatehouseContext, user: Parameters<typeof toUserModel>[0]): UserModel {
  const model = toUserModel(user);
  context.loaders.forgetUser(model.id);
  context.loaders.user.prime(model.id, model);
  return model;
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
    nodes: users.filter((user): user is UserModel => user !== null && !(user instanceof Error)),
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

async function roleIdsFor(context: GatehouseContext, names: readonly string[]): Promise<string[]> {
  const roles = await context.management.listRoles();
  const unknown = names.filter((name) => !roles.some((role) => role.name === name));
  if (unknown.length > 0) throw badUserInput(`unknown role: ${unknown.join(", ")}`, "roles");
  return roles.filter((role) => names.includes(role.name)).map((role) => role.id);
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
      const roleIds = await roleIdsFor(context, input.roles ?? []);

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
        if (roleIds.length > 0)
          await upstream(() => management.users.roles.assign(userId, { roles: roleIds }));
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
      return freshUser(context, created);
    },

    updateUser: async (_root, { id, input }, context) => {
      await findChangeableUser(context, id);
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
      return freshUser(context, updated);
    },

    setUserBlocked: async (_root, { id, blocked }, context) => {
      await findChangeableUser(context, id);
      return freshUser(context, await upstream(() => context.management.users.update(id, { blocked })));
    },

    deleteUser: async (_root, { id }, context) => {
      await findChangeableUser(context, id);
      await upstream(() => context.management.users.delete(id));
      await context.management.forget(`user-tenants:${id}`);
      context.loaders.forgetUser(id);
      return id;
    },

    assignRoles: async (_root, { userId, roles }, context) => {
      const user = await findChangeableUser(context, userId);
      const roleIds = await roleIdsFor(context, roles);
      if (roleIds.length > 0)
        await upstream(() => context.management.users.roles.assign(userId, { roles: roleIds }));
      context.loaders.forgetUser(userId);
      context.loaders.user.prime(userId, user);
      return user;
    },
  },
  User: {
    email: (user) => user.email,
    blocked: (user) => user.blocked,
    lastLogin: (user) => user.lastLogin,
    loginsCount: (user) => user.loginsCount,
    roles: (user, _args, { loaders }) => loaders.roleNamesOf(user.id),
    tenant: async (user, _args, { caller, loaders }) => {
      const tenants = await loaders.tenantsOfUser.load(user.id);
      const tenantId = tenants.find((id) => id === caller.tenantId) ?? tenants[0];
      return tenantId ? loaders.tenant.load(tenantId) : null;
    },
  },
};
