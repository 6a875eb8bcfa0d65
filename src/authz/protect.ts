import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from "graphql";
import { allow } from "graphql-shield";
import type { GatehouseContext } from "../context.js";
import { DomainError, forbidden, internalError } from "../errors.js";
import type { ShieldRule } from "./shield-rule.js";

type ResolverMap = Record<string, Record<string, unknown>>;

const SHIELD_OPTIONS = {
  debug: false,
  allowExternalErrors: false,
  fallbackRule: allow,
  hashFunction: () => "",
};

/**
 * Told of each mutation refused — by its rule, or by its resolver — with FORBIDDEN, NOT_FOUND,
 * LICENCE_REQUIRED or QUOTA_EXCEEDED, before the refusal is answered.
 */
export type RefusedMutationListener = (
  field: string,
  args: Record<string, unknown>,
  context: GatehouseContext,
) => Promise<void>;

/**
 * Composes each field's rule into its resolver, so a rule runs only where the schema says and `allow`
 * fields keep their plain resolvers (graphql-middleware over every field costs ~7× on large lists).
 * Throws when any field of any object type has no rule: deny by default, at start-up.
 */
export function protectResolvers(
  schema: GraphQLSchema,
  resolvers: ResolverMap,
  rules: Record<string, Record<string, ShieldRule>>,
  onRefusedMutation?: RefusedMutationListener,
): ResolverMap {
  const mutationType = schema.getMutationType()?.name;
  const unprotected: string[] = [];
  const protectedResolvers: ResolverMap = { ...resolvers };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    const typeRules = rules[type.name] ?? {};
    const typeResolvers: Record<string, unknown> = { ...(resolvers[type.name] ?? {}) };
    for (const fieldName of Object.keys(type.getFields())) {
      const fieldRule = typeRules[fieldName];
      if (!fieldRule) {
        unprotected.push(`${type.name}.${fieldName}`);
        continue;
      }
      if (fieldRule === allow) continue;
      const resolve =
        (typeResolvers[fieldName] as GraphQLFieldResolver<unknown, GatehouseContext>) ?? defaultFieldResolver;
      const onRefused =
        type.name === mutationType && onRefusedMutation
          ? (args: Record<string, unknown>, context: GatehouseContext) =>
              onRefusedMutation(fieldName, args, context)
          : undefined;
      typeResolvers[fieldName] = guarded(fieldRule, resolve, onRefused);
    }
    protectedResolvers[type.name] = typeResolvers;
  }
  if (unprotected.length > 0) {
    throw new Error(
      `These fields have no rule in the permission map (deny by default): ${unprotected.join(", ")}`,
    );
  }
  return protectedResolvers;
}

const REFUSAL_CODES = new Set(["FORBIDDEN", "NOT_FOUND", "LICENCE_REQUIRED", "QUOTA_EXCEEDED"]);

/** A decision to refuse, as opposed to a failure (bad input, a bug, Auth0 unavailable). */
function isRefusal(error: unknown): error is DomainError | GraphQLError {
  if (error instanceof DomainError) return REFUSAL_CODES.has(error.code);
  return error instanceof GraphQLError && REFUSAL_CODES.has(String(error.extensions.code));
}

function guarded(
  fieldRule: ShieldRule,
  resolve: GraphQLFieldResolver<unknown, GatehouseContext>,
  onRefused?: (args: Record<string, unknown>, context: GatehouseContext) => Promise<void>,
): GraphQLFieldResolver<unknown, GatehouseContext> {
  const refuse = async (
    error: DomainError | GraphQLError,
    args: Record<string, unknown>,
    context: GatehouseContext,
  ) => {
    if (onRefused && isRefusal(error)) await onRefused(args, context);
    return error;
  };
  return async (parent, args: Record<string, unknown>, context, info) => {
    if (context.caller.denial) {
      throw await refuse(forbidden(context.caller.denial, { missingPermission: null }), args, context);
    }
    const verdict = await fieldRule.resolve(parent as object, args, context, info, SHIELD_OPTIONS);
    if (verdict === true) {
      if (!onRefused) return resolve(parent, args, context, info);
      try {
        return await resolve(parent, args, context, info);
      } catch (error) {
        // What only the write can see (another tenant's user, the last seat taken meanwhile) refuses it too.
        throw isRefusal(error) ? await refuse(error, args, context) : error;
      }
    }
    if (verdict instanceof DomainError || verdict instanceof GraphQLError) {
      throw await refuse(verdict, args, context);
    }
    // Every rule answers true, false or a GraphQLError; anything else is a bug, and a bug is never a denial.
    if (verdict !== false) throw internalError();
    throw await refuse(forbidden("Not authorised", { missingPermission: null }), args, context);
  };
}
