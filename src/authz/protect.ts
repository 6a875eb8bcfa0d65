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
 * Composes each field's rule into its resolver, so a rule runs only where the schema says and `allow`
 * fields keep their plain resolvers (graphql-middleware over every field costs ~7× on large lists).
 * Throws when any field of any object type has no rule: deny by default, at start-up.
 */
export function protectResolvers(
  schema: GraphQLSchema,
  resolvers: ResolverMap,
  rules: Record<string, Record<string, ShieldRule>>,
): ResolverMap {
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
      typeResolvers[fieldName] = guarded(fieldRule, resolve);
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

function guarded(
  fieldRule: ShieldRule,
  resolve: GraphQLFieldResolver<unknown, GatehouseContext>,
): GraphQLFieldResolver<unknown, GatehouseContext> {
  return async (parent, args, context, info) => {
    if (context.caller.denial) throw forbidden(context.caller.denial, { missingPermission: null });
    const verdict = await fieldRule.resolve(parent as object, args, context, info, SHIELD_OPTIONS);
    if (verdict === true) return resolve(parent, args, context, info);
    if (verdict instanceof DomainError || verdict instanceof GraphQLError) throw verdict;
    // Every rule answers true, false or a GraphQLError; anything else is a bug, and a bug is never a denial.
    if (verdict !== false) throw internalError();
    throw forbidden("Not authorised", { missingPermission: null });
  };
}
