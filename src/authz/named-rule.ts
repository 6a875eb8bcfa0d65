import type { GraphQLResolveInfo } from "graphql";
import { GraphQLError } from "graphql";
import { rule } from "graphql-shield";
import type { GatehouseContext } from "../context.js";
import { DomainError, internalError } from "../errors.js";
import type { ShieldRule } from "./shield-rule.js";

/** What a rule's body answers: allowed, refused (plain `false`) or refused with a reason. */
export type RuleAnswer = boolean | DomainError | GraphQLError;

type RuleBody<Parent, Args> = (
  parent: Parent,
  args: Args,
  context: GatehouseContext,
  info: GraphQLResolveInfo,
) => RuleAnswer | Promise<RuleAnswer>;

/**
 * What graphql-shield makes of a rule's answer (`Rule.resolve` in 7.6.5): `true`, an `Error`, or `false` for
 * anything else. The combinators (`or`, `and`, `chain`) work on these.
 */
export type Decision = true | false | Error;

/** What a log line may say of an unexpected error: its kind, message and HTTP status, never its payload. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const status = (error as { statusCode?: unknown }).statusCode;
  return `${error.name}: ${error.message}${typeof status === "number" ? ` (HTTP ${status})` : ""}`;
}

/** A failure inside a rule: a domain error reaches the client as it is; anything else is a bug, logged. */
function failureOf(name: string, error: unknown): DomainError | GraphQLError {
  if (error instanceof DomainError || error instanceof GraphQLError) return error;
  console.error(`authorization rule ${name} failed: ${describeFailure(error)}`);
  return internalError();
}

/**
 * A named rule that never fails open or hides why it failed: graphql-shield turns a thrown error into a
 * bare `false`, so an error thrown here is returned instead. A domain error (Auth0 unavailable, not found)
 * reaches the client as it is; anything else is a bug or a misconfiguration: logged with its cause and
 * answered INTERNAL_SERVER_ERROR, never a quiet FORBIDDEN and never an allow.
 *
 * Its answer may depend on the object being resolved or the arguments, so it is never cached: it runs for
 * every object it guards.
 */
export function namedRule<Parent = unknown, Args = Record<string, unknown>>(
  name: string,
  body: RuleBody<Parent, Args>,
): ShieldRule {
  return rule(name, { cache: "no_cache" })(async (parent, args, context, info) => {
    try {
      return await body(parent as Parent, args as Args, context as GatehouseContext, info);
    } catch (error) {
      return failureOf(name, error);
    }
  });
}

type CallerDecider = (context: GatehouseContext) => Decision;

/** The rules declared with `callerRule`, with how each decides for a request. */
const callerRules = new WeakMap<ShieldRule, CallerDecider>();

/**
 * A named rule that reads only the caller (the request's context), never the object, the arguments or the
 * store, and answers synchronously: so it is decided once per request, and `protect.ts` can decide a field
 * it guards before any object is resolved. Same failure handling as `namedRule`.
 *
 * The decision is remembered per request context (a WeakMap keyed by it, so it lives exactly as long as the
 * request); graphql-shield's own evaluation of the rule reads the same decision.
 */
export function callerRule(name: string, body: (context: GatehouseContext) => RuleAnswer): ShieldRule {
  const decisions = new WeakMap<object, Decision>();
  const decide: CallerDecider = (context) => {
    let decision = decisions.get(context);
    if (decision === undefined) {
      decision = decisionOf(name, () => body(context));
      decisions.set(context, decision);
    }
    return decision;
  };
  const shieldRule = rule(name, { cache: "no_cache" })((_parent, _args, context) =>
    Promise.resolve(decide(context as GatehouseContext)),
  );
  callerRules.set(shieldRule, decide);
  return shieldRule;
}

/** Runs a caller rule's body and shapes its answer as graphql-shield's `Rule.resolve` would. */
function decisionOf(name: string, run: () => RuleAnswer): Decision {
  let answer: unknown;
  try {
    answer = run();
  } catch (error) {
    return failureOf(name, error);
  }
  if (answer instanceof Error) return answer;
  if (answer === true) return true;
  // A caller rule answers synchronously; a promise here is a bug, and a bug is never a denial.
  if (answer !== null && typeof (answer as { then?: unknown }).then === "function") {
    return failureOf(name, new TypeError("a caller rule answered a promise"));
  }
  if (typeof answer === "string") return new Error(answer);
  return false;
}

/** How a rule declared with `callerRule` decides for a request; undefined for any other rule. */
export function callerDecider(shieldRule: ShieldRule): CallerDecider | undefined {
  return callerRules.get(shieldRule);
}
