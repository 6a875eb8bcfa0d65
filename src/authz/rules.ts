import type { GraphQLResolveInfo } from "graphql";
import { GraphQLError } from "graphql";
import { rule } from "graphql-shield";
import type { ShieldRule } from "./shield-rule.js";
import { canSeeTenant, hasPermission as callerHas, type Caller } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { forbidden } from "../errors.js";

type RuleBody<Parent, Args> = (
  parent: Parent,
  args: Args,
  context: GatehouseContext,
  info: GraphQLResolveInfo,
) => boolean | GraphQLError | Promise<boolean | GraphQLError>;

/**
 * A named rule that never fails open or hides why it failed: graphql-shield turns a thrown error into a
 * bare `false`, so an error thrown here (Auth0 unavailable, say) is returned instead and reaches the client.
 */
function namedRule<Parent = unknown, Args = Record<string, unknown>>(
  name: string,
  body: RuleBody<Parent, Args>,
  cache: "no_cache" | "contextual" = "no_cache",
): ShieldRule {
  return rule(name, { cache })(async (parent, args, context, info) => {
    try {
      return await body(parent as Parent, args as Args, context as GatehouseContext, info);
    } catch (error) {
      return error instanceof GraphQLError ? error : forbidden("Not authorised");
    }
  });
}

/** The denial every permission check gives: which permission is missing, nothing about the data. */
export function missingPermission(permission: string): GraphQLError {
  return forbidden(`Not authorised: this needs the '${permission}' permission`, {
    missingPermission: permission,
  });
}

const permissionRules = new Map<string, ShieldRule>();

/**
 * The caller holds a permission. It depends on the request only, so its answer is cached per request
 * (`contextual`); per-object rules below never are.
 */
export function hasPermission(permission: string): ShieldRule {
  let existing = permissionRules.get(permission);
  if (!existing) {
    existing = namedRule(
      `hasPermission:${permission}`,
      (_parent, _args, { caller }) => callerHas(caller, permission) || missingPermission(permission),
      "contextual",
    );
    permissionRules.set(permission, existing);
  }
  return existing;
}

export const isAuthenticated = namedRule(
  "isAuthenticated",
  (_parent, _args, { caller }) =>
    caller.kind !== "ANONYMOUS" || forbidden("Not authorised: sign in first", { missingPermission: null }),
  "contextual",
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

/** Nobody blocks or deletes themselves. */
export const isNotSelfArgument = namedRule<unknown, { id?: string }>(
  "isNotSelfArgument",
  (_parent, args, { caller }) =>
    args.id !== caller.userId ||
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
 * Nobody grants a role carrying a permission they do not hold: an admin cannot mint a role more powerful
 * than themselves. Unknown role names pass here and are refused by the resolver as bad input.
 */
export const grantsOnlyHeldPermissions = namedRule<
  unknown,
  { roles?: string[] | null; input?: { roles?: string[] | null } }
>("grantsOnlyHeldPermissions", async (_parent, args, { caller, management }) => {
  const requested = args.roles ?? args.input?.roles ?? [];
  if (requested.length === 0) return true;
  const roles = await management.listRoles();
  for (const role of roles.filter((candidate) => requested.includes(candidate.name))) {
    const missing = role.permissions.find((permission) => !callerHas(caller, permission));
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

/** An integration the caller reached through their own consents (`User.integrations` of themselves). */
export const isOwnConsent = namedRule<{ consentedBy?: string }>(
  "isOwnConsent",
  (integration, _args, { caller }) =>
    integration.consentedBy !== undefined && integration.consentedBy === caller.userId,
);

/**
 * Changing, blocking or deleting another user needs every permission that user holds: a user manager
 * cannot change an admin's email and reset their way into the admin's account.
 */
export const outranksTarget = namedRule<unknown, { id?: string }>(
  "outranksTarget",
  async (_parent, args, { caller, management, loaders }) => {
    if (!args.id || isUserInPerson(caller, args.id)) return true;
    const [roleNames, roles] = await Promise.all([loaders.roleNamesOf(args.id), management.listRoles()]);
    for (const role of roles.filter((candidate) => roleNames.includes(candidate.name))) {
      const missing = role.permissions.find((permission) => !callerHas(caller, permission));
      if (missing) {
        return forbidden(`Not authorised: this user holds '${missing}', which you do not`, {
          missingPermission: missing,
        });
      }
    }
    return true;
  },
);
