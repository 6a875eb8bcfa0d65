import type { ShieldRule } from "./shield-rule.js";
import { canSeeTenant, hasPermission as callerHas, type Caller } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { badUserInput, type DomainError, forbidden, notFound } from "../errors.js";
import { callerRule, namedRule } from "./named-rule.js";
import type { Permission } from "./vocabulary.js";
import { memberKey } from "../directory/loaders.js";
import type { Feature, Quota } from "../plans/catalogue.js";

/** The denial every permission check gives: which permission is missing, nothing about the data. */
export function missingPermission(permission: Permission): DomainError {
  return forbidden(`Not authorised: this needs the '${permission}' permission`, {
    missingPermission: permission,
  });
}

const permissionRules = new Map<Permission, ShieldRule>();

/**
 * The caller holds a permission. It reads the caller only, so it is decided once per request (`callerRule`);
 * per-object rules below never are.
 */
export function hasPermission(permission: Permission): ShieldRule {
  let existing = permissionRules.get(permission);
  if (!existing) {
    existing = callerRule(
      `hasPermission:${permission}`,
      ({ caller }) => callerHas(caller, permission) || missingPermission(permission),
    );
    permissionRules.set(permission, existing);
  }
  return existing;
}

export const isAuthenticated = callerRule(
  "isAuthenticated",
  ({ caller }) =>
    caller.kind !== "ANONYMOUS" || forbidden("Not authorised: sign in first", { missingPermission: null }),
);

/**
 * The user acting in person. A partner acts for a user too, but only within its granted scopes: what users
 * may do to themselves is never extended to an application acting on their behalf.
 */
function isUserInPerson(caller: Caller, userId: string | undefined): boolean {
  return caller.kind === "USER" && userId !== undefined && userId === caller.userId;
}

/** The User being resolved is the caller, in person. */
export const isSelf = namedRule<{ id: string }>("isSelf", (user, _args, { caller }) =>
  isUserInPerson(caller, user.id),
);

/** The `id` argument names the caller, in person. */
export const isSelfArgument = namedRule<unknown, { id?: string }>(
  "isSelfArgument",
  (_parent, args, { caller }) => isUserInPerson(caller, args.id),
);

/** The user a mutation names: `userId`, or `id` on the account mutations. */
interface TargetArgs {
  id?: string;
  userId?: string;
  tenantId?: string | null;
}

function targetOf(args: TargetArgs): string | undefined {
  return args.userId ?? args.id;
}

/** Nobody blocks, deletes or removes themselves. */
export const isNotSelfArgument = namedRule<unknown, TargetArgs>(
  "isNotSelfArgument",
  (_parent, args, { caller }) =>
    targetOf(args) !== caller.userId ||
    forbidden("Not authorised: you cannot do this to yourself", { missingPermission: null }),
);

/** `tenant(id)` without an id, or with the caller's own. */
export const isOwnTenantArgument = namedRule<unknown, { id?: string | null }>(
  "isOwnTenantArgument",
  (_parent, args, { caller }) => args.id == null || args.id === caller.tenantId,
);

/** The Tenant being resolved is one the caller may act in. */
export const isVisibleTenant = namedRule<{ id: string }>(
  "isVisibleTenant",
  (tenant, _args, { caller }) => canSeeTenant(caller, tenant.id) || missingPermission("read:tenants"),
);

/** `createUser` without `tenantId`, or into the caller's own tenant. */
export const createsInOwnTenant = namedRule<unknown, { input: { tenantId?: string | null } }>(
  "createsInOwnTenant",
  (_parent, args, { caller }) => args.input.tenantId == null || args.input.tenantId === caller.tenantId,
);

/**
 * An update by a user of themselves touches only what users may change of themselves. It answers a plain
 * `false` so that, composed with `or`, the other branch's reason (the missing permission) is the one shown.
 */
const SELF_EDITABLE = new Set(["name", "picture"]);
export const changesOnlyOwnProfile = namedRule<unknown, { input: Record<string, unknown> }>(
  "changesOnlyOwnProfile",
  (_parent, args) =>
    Object.entries(args.input).every(([field, value]) => value == null || SELF_EDITABLE.has(field)),
);

/**
 * Nobody grants or takes away a role carrying a permission they do not hold: an admin cannot mint a role
 * more powerful than themselves, nor demote someone who outranks them. Unknown role names pass here and are
 * refused by the resolver as bad input.
 */
export const grantsOnlyHeldPermissions = namedRule<
  unknown,
  { roles?: string[] | null; input?: { roles?: string[] | null } }
>("grantsOnlyHeldPermissions", async (_parent, args, context) => {
  const requested = args.roles ?? args.input?.roles ?? [];
  if (requested.length === 0) return true;
  const roles = await context.loaders.roles();
  for (const role of roles.filter((candidate) => requested.includes(candidate.name))) {
    const missing = role.permissions.find((permission) => !callerHas(context.caller, permission));
    if (missing) {
      return forbidden(
        `Not authorised: the role '${role.name}' carries '${missing}', which you do not hold`,
        {
          missingPermission: missing,
        },
      );
    }
  }
  return true;
});

/** The permissions a set of roles carries, by role name. */
async function permissionsOfRoles(
  context: GatehouseContext,
  roleNames: readonly string[],
): Promise<string[]> {
  if (roleNames.length === 0) return [];
  const roles = await context.loaders.roles();
  return roles.filter((role) => roleNames.includes(role.name)).flatMap((role) => role.permissions);
}

/**
 * What the caller may do in a tenant: their token's permissions in the tenant it was issued for; in another
 * tenant, a person's member roles there (one person may administer two tenants); otherwise nothing.
 */
async function callerPermissionsIn(
  context: GatehouseContext,
  tenantId: string,
): Promise<ReadonlySet<string>> {
  const { caller, loaders } = context;
  if (caller.tenantId === tenantId) return caller.permissions;
  if (caller.kind !== "USER" || !caller.userId) return new Set();
  const tenants = await loaders.tenantsOfUser.load(caller.userId);
  if (!tenants.includes(tenantId)) return new Set();
  const roleNames = await loaders.memberRoleNames.load(memberKey(tenantId, caller.userId));
  return new Set(await permissionsOfRoles(context, roleNames));
}

/** The first permission the user holds as a member of a tenant that `held` lacks. */
async function permissionBeyond(
  context: GatehouseContext,
  held: ReadonlySet<string>,
  tenantId: string,
  userId: string,
): Promise<string | undefined> {
  const roleNames = await context.loaders.memberRoleNames.load(memberKey(tenantId, userId));
  return (await permissionsOfRoles(context, roleNames)).find((permission) => !held.has(permission));
}

/** The tenant a membership mutation acts in: `tenantId` if named, else the caller's. */
export function tenantInQuestion(caller: Caller, args: { tenantId?: string | null }): string | null {
  return args.tenantId ?? caller.tenantId;
}

function outranked(permission: string): DomainError {
  return forbidden(`Not authorised: this user holds '${permission}', which you do not`, {
    missingPermission: permission,
  });
}

function sharedAccount(permission: string): DomainError {
  return forbidden(
    "Not authorised: this person also belongs to another tenant, which shares their account; changing it " +
      `needs '${permission}' there too (or 'manage:tenants'). To take them out of your tenant only, use ` +
      "removeFromTenant.",
    { missingPermission: permission },
  );
}

/**
 * Whose account the caller may change (`updateUser`, `setUserBlocked`, `deleteUser`). An account is shared by
 * every tenant its person belongs to, so: someone the caller cannot see is NOT_FOUND, exactly like an id that
 * does not exist (checked first, so nothing about them leaks); then, unless the caller holds
 * `manage:tenants`, they need `permission` and every permission the person holds, in *each* of the person's
 * tenants: a user manager cannot change an admin's email and reset their way into the admin's account, and
 * an admin of one tenant cannot take over an account another tenant relies on.
 */
export function mayChangeAccount(permission: Permission): ShieldRule {
  return namedRule<unknown, TargetArgs>(`mayChangeAccount:${permission}`, async (_parent, args, context) => {
    const { caller, loaders } = context;
    const userId = targetOf(args);
    if (!userId || isUserInPerson(caller, userId)) return true;
    const tenants = await loaders.tenantsOfUser.load(userId);
    if (callerHas(caller, "manage:tenants")) {
      const platformRoles = (await loaders.user.load(userId))?.platformRoleNames ?? [];
      const beyond = (await permissionsOfRoles(context, platformRoles)).find(
        (held) => !callerHas(caller, held),
      );
      return beyond ? outranked(beyond) : true;
    }
    if (!caller.tenantId || !tenants.includes(caller.tenantId)) {
      if (tenants.some((tenantId) => canSeeTenant(caller, tenantId))) {
        return forbidden("Not authorised: this user is in another tenant", {
          missingPermission: "manage:tenants",
        });
      }
      return notFound("User");
    }
    for (const tenantId of tenants) {
      const held = await callerPermissionsIn(context, tenantId);
      const elsewhere = tenantId !== caller.tenantId;
      if (!held.has(permission)) return sharedAccount(permission);
      const beyond = await permissionBeyond(context, held, tenantId, userId);
      if (beyond) return elsewhere ? sharedAccount(beyond) : outranked(beyond);
    }
    return true;
  });
}

/**
 * Membership mutations (`assignRoles`, `removeRoles`, `removeFromTenant`) act in one tenant: the caller's, or
 * another named with `tenantId` by someone holding `manage:tenants`. The user must be a member there; anyone
 * else is NOT_FOUND, whether they exist in another tenant or not at all.
 */
export const isMemberOfTenantInQuestion = namedRule<unknown, TargetArgs>(
  "isMemberOfTenantInQuestion",
  async (_parent, args, { caller, loaders }) => {
    const tenantId = tenantInQuestion(caller, args);
    if (!tenantId) return badUserInput("you act in no tenant: name one with tenantId", "tenantId");
    if (tenantId !== caller.tenantId && !callerHas(caller, "manage:tenants")) {
      return missingPermission("manage:tenants");
    }
    const userId = targetOf(args);
    if (!userId || !(await loaders.tenantsOfUser.load(userId)).includes(tenantId)) return notFound("User");
    return true;
  },
);

/** Taking someone out of a tenant needs every permission they hold there. */
export const outranksMemberInTenant = namedRule<unknown, TargetArgs>(
  "outranksMemberInTenant",
  async (_parent, args, context) => {
    const tenantId = tenantInQuestion(context.caller, args);
    const userId = targetOf(args);
    if (!tenantId || !userId || isUserInPerson(context.caller, userId)) return true;
    const beyond = await permissionBeyond(context, context.caller.permissions, tenantId, userId);
    return beyond ? outranked(beyond) : true;
  },
);

/** An integration the caller reached through their own consents (`User.integrations` of themselves). */
export const isOwnConsent = namedRule<{ consentedBy?: string }>(
  "isOwnConsent",
  (integration, _args, { caller }) =>
    integration.consentedBy !== undefined && integration.consentedBy === caller.userId,
);

/**
 * The tenant a plan check is about: the Tenant being resolved, `input.tenantId` of createUser, else the
 * caller's. Null when the caller acts in no tenant (the resolver then refuses the input).
 */
function tenantOfPlanCheck(parent: unknown, args: { input?: { tenantId?: string | null } }, caller: Caller) {
  const resolved = parent as { id?: unknown; displayName?: unknown } | undefined;
  if (resolved && typeof resolved.id === "string" && typeof resolved.displayName === "string") {
    return resolved.id;
  }
  return args.input?.tenantId ?? caller.tenantId;
}

/**
 * The tenant's plan, or a licence, includes the feature; read from the store on every request, so an upgrade
 * or a revoked licence counts from the next request on. Refused with LICENCE_REQUIRED.
 */
export function requiresFeature(feature: Feature): ShieldRule {
  return namedRule<unknown, { input?: { tenantId?: string | null } }>(
    `requiresFeature:${feature}`,
    async (parent, args, { caller, services }) => {
      const tenantId = tenantOfPlanCheck(parent, args, caller);
      if (!tenantId) return true;
      await services.plans.assertFeature(tenantId, feature);
      return true;
    },
  );
}

/**
 * The tenant uses less than its limit of the quota; refused with QUOTA_EXCEEDED (with the limit and what is
 * used). A check that answers early: the write itself reserves its unit (PlanService.withinQuota), which is
 * what keeps two concurrent writes at the last free unit from both passing.
 */
export function withinQuota(quota: Quota): ShieldRule {
  return namedRule<unknown, { input?: { tenantId?: string | null } }>(
    `withinQuota:${quota}`,
    async (parent, args, { caller, services }) => {
      const tenantId = tenantOfPlanCheck(parent, args, caller);
      if (!tenantId) return true;
      await services.plans.assertWithinQuota(tenantId, quota);
      return true;
    },
  );
}
