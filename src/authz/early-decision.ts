// Deciding a field before any object is resolved, when the caller alone decides it. graphql-shield runs
// every rule of a field for every object, through promises (`or` and `and` through `Promise.all`); for a
// list of 50 users that is hundreds of promises a request, and a promise-valued field makes graphql-js
// complete every object asynchronously. Most fields are decided by the caller's permissions alone
// (`or(isSelf, hasPermission("read:roles"))` for someone holding `read:roles`): those are decided here, once
// per request, synchronously, with exactly graphql-shield 7.6.5's combinator semantics; what needs the
// object is left to graphql-shield.
import { and, allow, chain, deny, or } from "graphql-shield";
import type { GatehouseContext } from "../context.js";
import { callerDecider, type Decision } from "./named-rule.js";
import type { ShieldRule } from "./shield-rule.js";

/** The field's decision needs the object (or the arguments): graphql-shield evaluates it. */
export const UNDECIDED = Symbol("undecided");

export type EarlyDecision = Decision | typeof UNDECIDED;

/** Decides a rule for a request from the caller alone, or answers UNDECIDED. */
export type EarlyDecider = (context: GatehouseContext) => EarlyDecision;

// graphql-shield does not export its rule classes; an instance of each gives its constructor.
const RuleOr = or().constructor;
const RuleAnd = and().constructor;
const RuleChain = chain().constructor;

const undecided: EarlyDecider = () => UNDECIDED;

/**
 * How a rule can be decided before its object is known: undefined when it never can (it needs the object or
 * the arguments whatever the caller). Rules declared with `callerRule`, `allow`, `deny` and `or` / `and` /
 * `chain` of them are decided here; anything else (`race`, `not`, input rules, per-object rules) is not.
 */
export function earlyDeciderOf(rule: ShieldRule): EarlyDecider | undefined {
  if (rule === allow) return () => true;
  if (rule === deny) return () => false;
  const callerOnly = callerDecider(rule);
  if (callerOnly) return callerOnly;
  const logic = (rule as object).constructor;
  if (logic !== RuleOr && logic !== RuleAnd && logic !== RuleChain) return undefined;
  const inner = (rule as unknown as { getRules(): ShieldRule[] }).getRules().map(earlyDeciderOf);
  if (inner.length > 0 && inner.every((decider) => decider === undefined)) return undefined;
  const deciders = inner.map((decider) => decider ?? undecided);
  if (logic === RuleOr) return (context) => decideOr(deciders.map((decide) => decide(context)));
  if (logic === RuleAnd) return (context) => decideAnd(deciders.map((decide) => decide(context)));
  return (context) => decideChain(deciders, context);
}

/**
 * `or` (graphql-shield evaluates every branch, then): true if any branch is true; otherwise the first error in
 * the rules' order, else false. One true branch decides it whatever the others answer, even an error.
 */
function decideOr(decisions: EarlyDecision[]): EarlyDecision {
  if (decisions.includes(true)) return true;
  if (decisions.includes(UNDECIDED)) return UNDECIDED;
  return firstError(decisions) ?? false;
}

/**
 * `and` (every branch evaluated, then): true if all are true; otherwise the first error in the rules' order,
 * else false. Undecided branches could still answer an error, so only an error with nothing undecided before
 * it decides early; a plain false does not.
 */
function decideAnd(decisions: EarlyDecision[]): EarlyDecision {
  if (!decisions.includes(UNDECIDED)) {
    return decisions.every((decision) => decision === true) ? true : (firstError(decisions) ?? false);
  }
  for (const decision of decisions) {
    if (decision === UNDECIDED) return UNDECIDED;
    if (decision instanceof Error) return decision;
  }
  return UNDECIDED;
}

/**
 * `chain` (one rule after the other, stopping at the first that is not true): that rule's error, or false;
 * true if all are true. Rules after the first undecided one are left to graphql-shield, as are the ones
 * before it (decided once per request, so cheaply re-read).
 */
function decideChain(deciders: EarlyDecider[], context: GatehouseContext): EarlyDecision {
  for (const decide of deciders) {
    const decision = decide(context);
    if (decision === UNDECIDED) return UNDECIDED;
    if (decision !== true) return decision instanceof Error ? decision : false;
  }
  return true;
}

function firstError(decisions: EarlyDecision[]): Error | undefined {
  return decisions.find((decision): decision is Error => decision instanceof Error);
}
