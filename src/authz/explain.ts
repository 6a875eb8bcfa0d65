// The permission map explained: each rule in words, and what it decides for a caller before any object is
// known. Both come from the rules themselves (their names, and the rules declared caller-only with
// `callerRule` — `hasPermission`, `isAuthenticated` — run for real against the caller), so the playground and docs/authorization.md cannot drift from the server.
import type { GraphQLResolveInfo } from "graphql";
import { allow } from "graphql-shield";
import type { Caller } from "../caller/caller.js";
import type { GatehouseContext } from "../context.js";
import { DomainError } from "../errors.js";
import { callerDecider } from "./named-rule.js";
import type { PermissionMap } from "./permissions.js";
import type { ShieldRule } from "./shield-rule.js";

/** What a rule decides for a caller: always, never (and why), or only for some objects or arguments. */
export type Verdict =
  | { outcome: "allowed" }
  | { outcome: "denied"; code: string; missingPermission: string | null; reason: string }
  | { outcome: "depends"; condition: string };

/**
 * The rules whose answer depends on the object or the arguments, in words: what must hold. A rule added to
 * rules.ts without words here makes `describeRule` throw, so the matrix cannot silently misreport it.
 */
const CONDITIONS: Record<string, (parameter: string | undefined) => string> = {
  isSelf: () => "only their own user",
  isSelfArgument: () => "only with their own user id",
  isNotSelfArgument: () => "never on themselves",
  isOwnTenantArgument: () => "only their own tenant",
  isVisibleTenant: () => "only in their own tenant",
  createsInOwnTenant: () => "only into their own tenant",
  changesOnlyOwnProfile: () => "only their own name and picture",
  grantsOnlyHeldPermissions: () => "only roles whose permissions they hold",
  mayChangeAccount: () => "only accounts they outrank in every tenant the person belongs to",
  isMemberOfTenantInQuestion: () => "only members of their tenant",
  outranksMemberInTenant: () => "only members they outrank",
  isOwnConsent: () => "only their own consents",
  requiresFeature: (feature) => `if the tenant's plan includes '${feature}'`,
  withinQuota: (quota) => `while the tenant is within its '${quota}' quota`,
};

type Logic = "RuleAnd" | "RuleChain" | "RuleOr" | "RuleRace";

interface LeafRule {
  name: string;
  resolve: (
    parent: unknown,
    args: unknown,
    context: unknown,
    info: unknown,
    options: unknown,
  ) => Promise<boolean | Error>;
}

/** graphql-shield does not export its rule classes; their constructors' names are stable public API in effect. */
function shapeOf(rule: ShieldRule): { logic: Logic; rules: ShieldRule[] } | { leaf: LeafRule } | "allow" {
  if (rule === allow) return "allow";
  const kind = (rule as object).constructor.name;
  if (kind === "RuleAnd" || kind === "RuleChain" || kind === "RuleOr" || kind === "RuleRace") {
    return { logic: kind, rules: (rule as unknown as { getRules(): ShieldRule[] }).getRules() };
  }
  if (kind === "Rule") return { leaf: rule as unknown as LeafRule };
  throw new Error(`the permission map uses a rule the explanation does not know: ${kind}`);
}

/** `hasPermission:read:users` → ["hasPermission", "read:users"]. */
function nameParts(name: string): [string, string | undefined] {
  const colon = name.indexOf(":");
  return colon < 0 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

/** A rule in words: `needs 'read:users'`, `only their own user, or needs 'read:users'`. */
export function describeRule(rule: ShieldRule): string {
  const shape = shapeOf(rule);
  if (shape === "allow") return "anyone";
  if ("leaf" in shape) {
    const [name, parameter] = nameParts(shape.leaf.name);
    if (name === "hasPermission") return `needs '${parameter}'`;
    if (name === "isAuthenticated") return "any signed-in caller";
    const condition = CONDITIONS[name];
    if (!condition) throw new Error(`the rule ${shape.leaf.name} has no words in src/authz/explain.ts`);
    return condition(parameter);
  }
  const parts = shape.rules.map(describeRule);
  return shape.logic === "RuleOr" || shape.logic === "RuleRace"
    ? parts.map((part) => (part.includes(", ") ? `(${part})` : part)).join(", or ")
    : parts.map((part) => (part.includes(", or ") ? `(${part})` : part)).join(", ");
}

const SHIELD_OPTIONS = {
  debug: false,
  allowExternalErrors: false,
  fallbackRule: allow,
  hashFunction: () => "",
};

/**
 * What a rule decides for a caller with no object in view: permission and sign-in checks are run for real
 * (the same rule objects the server composes into its resolvers); the rest are conditions on the object.
 */
export async function judgeRule(rule: ShieldRule, caller: Caller): Promise<Verdict> {
  const verdict = await judge(rule, caller);
  return verdict.outcome === "never"
    ? {
        outcome: "denied",
        code: "FORBIDDEN",
        missingPermission: null,
        reason: `Not authorised: ${verdict.condition}`,
      }
    : verdict;
}

/** Conditions on the caller's own user, which some callers can never meet. */
const SELF_RULES = new Set(["isSelf", "isSelfArgument"]);

type Judgement = Verdict | { outcome: "never"; condition: string };

async function judge(rule: ShieldRule, caller: Caller): Promise<Judgement> {
  const shape = shapeOf(rule);
  if (shape === "allow") return { outcome: "allowed" };
  if ("leaf" in shape) {
    const [name] = nameParts(shape.leaf.name);
    const context = { caller, _shield: { cache: {} } } as unknown as GatehouseContext;
    const run = (parent: unknown, args: unknown) =>
      shape.leaf.resolve(parent, args, context, {} as GraphQLResolveInfo, SHIELD_OPTIONS);
    if (SELF_RULES.has(name)) {
      // Run for real on the caller's own id: if even that is refused (an API key, a partner, no one), it never holds.
      const own = { id: caller.userId ?? undefined };
      if ((await run(own, own)) !== true) return { outcome: "never", condition: describeRule(rule) };
      return { outcome: "depends", condition: describeRule(rule) };
    }
    if (!callerDecider(rule)) return { outcome: "depends", condition: describeRule(rule) };
    // Declared with `callerRule`: it reads the caller only, so no parent, arguments or data are needed.
    const answer = await run({}, {});
    if (answer === true) return { outcome: "allowed" };
    if (answer instanceof DomainError) {
      const missing = answer.details?.missingPermission;
      return {
        outcome: "denied",
        code: answer.code,
        missingPermission: typeof missing === "string" ? missing : null,
        reason: answer.message,
      };
    }
    return { outcome: "denied", code: "FORBIDDEN", missingPermission: null, reason: "Not authorised" };
  }
  const verdicts = await Promise.all(shape.rules.map((inner) => judge(inner, caller)));
  if (shape.logic === "RuleOr" || shape.logic === "RuleRace") {
    if (verdicts.some((verdict) => verdict.outcome === "allowed")) return { outcome: "allowed" };
    const conditions = verdicts.filter((verdict) => verdict.outcome === "depends");
    if (conditions.length > 0) {
      return { outcome: "depends", condition: conditions.map((c) => c.condition).join(", or ") };
    }
    // graphql-shield answers the first error among the branches; a condition that never holds is a bare false.
    return verdicts.find((verdict) => verdict.outcome === "denied") ?? (verdicts[0] as Judgement);
  }
  // and / chain: the first refusal wins (a chain stops there); otherwise what is left to hold.
  const denied = verdicts.find((verdict) => verdict.outcome === "denied" || verdict.outcome === "never");
  if (denied) return denied;
  const conditions = verdicts.filter((verdict) => verdict.outcome === "depends");
  if (conditions.length > 0)
    return { outcome: "depends", condition: conditions.map((c) => c.condition).join(", ") };
  return { outcome: "allowed" };
}

export interface FieldAccess {
  type: string;
  field: string;
  rule: string;
  verdict: Verdict;
}

/** Every field of the map with its rule in words and the verdict for one caller, in the map's order. */
export async function fieldAccessFor(map: PermissionMap, caller: Caller): Promise<FieldAccess[]> {
  const rows: FieldAccess[] = [];
  for (const [type, fields] of Object.entries(map as unknown as Record<string, Record<string, ShieldRule>>)) {
    for (const [field, rule] of Object.entries(fields)) {
      rows.push({ type, field, rule: describeRule(rule), verdict: await judgeRule(rule, caller) });
    }
  }
  return rows;
}
