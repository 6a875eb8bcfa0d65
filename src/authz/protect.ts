import {
  defaultFieldResolver,
  GraphQLError,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from "graphql";
import { allow } from "graphql-shield";
import type { GatehouseContext } from "../context.js";
import { DomainError, forbidden, internalError } from "../errors.js";
import { earlyDeciderOf, UNDECIDED, type EarlyDecision } from "./early-decision.js";
import type { Decision } from "./named-rule.js";
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

export interface ProtectOptions {
  /**
   * Decide the fields the caller alone decides once per request, synchronously (the default). Off, every
   * guarded field is evaluated by graphql-shield for every object: the reference the tests compare against.
   */
  decideEarly?: boolean;
}

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
  options: ProtectOptions = {},
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
      typeResolvers[fieldName] = guarded(fieldRule, resolve, options.decideEarly ?? true, onRefused);
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

/**
 * A field's resolver behind its rule. When the caller alone decides the rule (see early-decision.ts), the
 * decision is taken once per request and an allowed field resolves with its own resolver, synchronously if
 * that is; only fields whose decision needs the object go through graphql-shield, as before. Either way the
 * refusal is the same error, and a refused mutation is reported to `onRefused` the same way.
 */
function guarded(
  fieldRule: ShieldRule,
  resolve: GraphQLFieldResolver<unknown, GatehouseContext>,
  decideEarly: boolean,
  onRefused?: (args: Record<string, unknown>, context: GatehouseContext) => Promise<void>,
): GraphQLFieldResolver<unknown, GatehouseContext> {
  const refuse = async (
    error: DomainError | GraphQLError,
    args: Record<string, unknown>,
    context: GatehouseContext,
  ): Promise<never> => {
    if (onRefused && isRefusal(error)) await onRefused(args, context);
    throw error;
  };
  const resolveAllowed: GraphQLFieldResolver<unknown, GatehouseContext> = onRefused
    ? async (parent, args: Record<string, unknown>, context, info) => {
        try {
          return await resolve(parent, args, context, info);
        } catch (error) {
          // What only the write can see (another tenant's user, the last seat taken meanwhile) refuses it too.
          if (isRefusal(error)) return refuse(error, args, context);
          throw error;
        }
      }
    : resolve;
  const answer = (
    decision: Decision | string,
    parent: unknown,
    args: Record<string, unknown>,
    context: GatehouseContext,
    info: GraphQLResolveInfo,
  ) => {
    if (decision === true) return resolveAllowed(parent, args, context, info);
    const refusal = refusalFor(decision);
    if (onRefused) return refuse(refusal, args, context);
    throw refusal;
  };
  const slowPath = async (
    parent: unknown,
    args: Record<string, unknown>,
    context: GatehouseContext,
    info: GraphQLResolveInfo,
  ) => {
    const decision = await fieldRule.resolve(parent as object, args, context, info, SHIELD_OPTIONS);
    return answer(decision, parent, args, context, info);
  };
  const decider = decideEarly ? earlyDeciderOf(fieldRule) : undefined;
  // Per request: the same context object reaches every field of one request, and only that request.
  const earlyDecisions = new WeakMap<object, EarlyDecision>();
  return (parent, args: Record<string, unknown>, context, info) => {
    if (context.caller.denial) {
      return answer(
        forbidden(context.caller.denial, { missingPermission: null }),
        parent,
        args,
        context,
        info,
      );
    }
    if (!decider) return slowPath(parent, args, context, info);
    let decision = earlyDecisions.get(context);
    if (decision === undefined) {
      decision = decider(context);
      earlyDecisions.set(context, decision);
    }
    if (decision === UNDECIDED) return slowPath(parent, args, context, info);
    return answer(decision, parent, args, context, info);
  };
}

/** The error a refused field answers: the rule's own reason, FORBIDDEN for a bare false. */
function refusalFor(decision: false | Error | string): DomainError | GraphQLError {
  if (decision instanceof DomainError || decision instanceof GraphQLError) return decision;
  // Every rule answers true, false or a GraphQLError; anything else is a bug, and a bug is never a denial.
  if (decision !== false) return internalError();
  return forbidden("Not authorised", { missingPermission: null });
}
