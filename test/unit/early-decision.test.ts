// The early decision (src/authz/early-decision.ts) against graphql-shield's own evaluation: the same rules,
// composed the same way, run on the same objects, once with fields decided early and once evaluated by
// graphql-shield for every object; both must answer exactly the same data, the same errors (message, code,
// details such as missingPermission, path), the same refused-mutation reports, and stay loud on a rule that
// throws.
import { buildSchema, execute, parse, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { and, chain, or } from "graphql-shield";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Caller } from "../../src/caller/caller.js";
import type { GatehouseContext } from "../../src/context.js";
import { DomainError, forbidden, notFound } from "../../src/errors.js";
import { callerRule, namedRule } from "../../src/authz/named-rule.js";
import { protectResolvers } from "../../src/authz/protect.js";
import { hasPermission, isAuthenticated } from "../../src/authz/rules.js";
import type { ShieldRule } from "../../src/authz/shield-rule.js";

const SDL = `
  type Query { items: [Item] }
  type Mutation { act(id: ID!): Boolean }
  type Item { id: ID!, guarded: String, required: String! }
`;

/** Each object's id says what the two per-object rules answer for it: t(rue), f(alse), e(rror), x (throws). */
const OUTCOMES = ["t", "f", "e", "x"] as const;
const IDS = OUTCOMES.flatMap((first) => OUTCOMES.map((second) => `${first}${second}`));

function perObject(name: string, position: 0 | 1): ShieldRule {
  return namedRule<{ id?: string } | undefined, { id?: string }>(name, (parent, args) => {
    const outcome = (parent?.id ?? args.id ?? "")[position];
    if (outcome === "t") return true;
    if (outcome === "f") return false;
    if (outcome === "e") return forbidden(`Not authorised: ${name} refuses`, { missingPermission: name });
    throw new Error(`${name} is broken`);
  });
}

const LEAVES = {
  callerTrue: callerRule("callerTrue", () => true),
  callerFalse: callerRule("callerFalse", () => false),
  callerRefuses: callerRule("callerRefuses", () =>
    forbidden("Not authorised: callerRefuses", { missingPermission: "read:users" }),
  ),
  callerThrows: callerRule("callerThrows", () => {
    throw new Error("callerThrows is broken");
  }),
  objectFirst: perObject("objectFirst", 0),
  objectSecond: perObject("objectSecond", 1),
};
type LeafName = keyof typeof LEAVES;
/** The options protect.ts gives graphql-shield. */
const SHIELD = {
  debug: false,
  allowExternalErrors: false,
  fallbackRule: LEAVES.callerTrue,
  hashFunction: () => "",
};
const LEAF_NAMES = Object.keys(LEAVES) as LeafName[];
const COMBINATORS = { or, and, chain } as const;
type CombinatorName = keyof typeof COMBINATORS;
const COMBINATOR_NAMES = Object.keys(COMBINATORS) as CombinatorName[];

interface Case {
  label: string;
  rule: ShieldRule;
}

function cases(): Case[] {
  const all: Case[] = LEAF_NAMES.map((leaf) => ({ label: leaf, rule: LEAVES[leaf] }));
  for (const combinator of COMBINATOR_NAMES) {
    const combine = COMBINATORS[combinator];
    for (const first of LEAF_NAMES) {
      for (const second of LEAF_NAMES) {
        all.push({
          label: `${combinator}(${first}, ${second})`,
          rule: combine(LEAVES[first], LEAVES[second]),
        });
        for (const third of LEAF_NAMES) {
          all.push({
            label: `${combinator}(${first}, ${second}, ${third})`,
            rule: combine(LEAVES[first], LEAVES[second], LEAVES[third]),
          });
        }
      }
    }
  }
  // Nested, both ways round: outer(inner(a, b), c) and outer(a, inner(b, c)).
  const nestedLeaves: LeafName[] = [
    "callerTrue",
    "callerFalse",
    "callerRefuses",
    "callerThrows",
    "objectFirst",
  ];
  for (const outer of COMBINATOR_NAMES) {
    for (const inner of COMBINATOR_NAMES) {
      for (const a of nestedLeaves) {
        for (const b of nestedLeaves) {
          for (const c of nestedLeaves) {
            const [A, B, C] = [LEAVES[a], LEAVES[b], LEAVES[c]];
            all.push({
              label: `${outer}(${inner}(${a}, ${b}), ${c})`,
              rule: COMBINATORS[outer](COMBINATORS[inner](A, B), C),
            });
            all.push({
              label: `${outer}(${a}, ${inner}(${b}, ${c}))`,
              rule: COMBINATORS[outer](A, COMBINATORS[inner](B, C)),
            });
          }
        }
      }
    }
  }
  return all;
}

const CALLER: Caller = {
  kind: "USER",
  subject: "auth0|ada",
  userId: "auth0|ada",
  clientId: "spa",
  tenantId: "org_acme",
  permissions: new Set(["read:users"]),
  denial: null,
};

function contextFor(caller: Caller): GatehouseContext {
  return { caller, _shield: { cache: {} } } as unknown as GatehouseContext;
}

interface Outcome {
  data: unknown[];
  errors: { path: string; message: string; code: unknown; details: unknown }[];
  refused: string[];
  logged: string[];
}

/** A schema whose Item.guarded, Item.required and Mutation.act are all guarded by one rule. */
function protectedSchema(rule: ShieldRule, decideEarly: boolean, refused: string[]): GraphQLSchema {
  const schema = buildSchema(SDL);
  const resolvers = protectResolvers(
    schema,
    {
      Query: { items: () => IDS.map((id) => ({ id })) },
      Mutation: {
        act: (_parent: unknown, args: { id: string }) => {
          // What only the write can see refuses it too (and is reported as a refusal).
          if (args.id === "tt") throw notFound("User");
          return true;
        },
      },
      Item: { guarded: (item: { id: string }) => `guarded ${item.id}`, required: () => "required" },
    },
    {
      Query: { items: LEAVES.callerTrue },
      Mutation: { act: rule },
      Item: { id: LEAVES.callerTrue, guarded: rule, required: rule },
    },
    async (field, args) => {
      refused.push(`${field}(${String(args.id)})`);
    },
    { decideEarly },
  );
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName) as { getFields(): Record<string, { resolve?: unknown }> };
    for (const [fieldName, resolve] of Object.entries(fields)) type.getFields()[fieldName]!.resolve = resolve;
  }
  return schema;
}

const QUERY = parse("{ items { id guarded } }");
const QUERY_REQUIRED = parse("{ items { id required } }");
const MUTATION = parse(`mutation { ${IDS.map((id) => `${id}: act(id: "${id}")`).join(" ")} }`);

async function run(rule: ShieldRule, decideEarly: boolean, caller: Caller = CALLER): Promise<Outcome> {
  const refused: string[] = [];
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
    logged.push(parts.map(String).join(" "));
  });
  const schema = protectedSchema(rule, decideEarly, refused);
  const data: unknown[] = [];
  const errors: Outcome["errors"] = [];
  try {
    for (const [index, document] of [QUERY, QUERY_REQUIRED, MUTATION].entries()) {
      const result = await execute({ schema, document, contextValue: contextFor(caller), rootValue: {} });
      data.push(result.data);
      for (const error of result.errors ?? []) {
        const original = error.originalError;
        errors.push({
          path: `${index}:${(error.path ?? []).join(".")}`,
          message: error.message,
          code: original instanceof DomainError ? original.code : original?.constructor.name,
          details: original instanceof DomainError ? original.details : undefined,
        });
      }
    }
  } finally {
    spy.mockRestore();
  }
  errors.sort((a, b) => a.path.localeCompare(b.path));
  return { data, errors, refused: refused.sort(), logged };
}

function countLines(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("fields decided early, against graphql-shield evaluating every object", () => {
  const all = cases();

  it(`answers exactly what graphql-shield answers, for ${all.length} compositions of or/and/chain`, async () => {
    const mismatches: string[] = [];
    let decidedByTheCallerAlone = 0;
    for (const { label, rule } of all) {
      const early = await run(rule, true);
      const shield = await run(rule, false);
      const same =
        JSON.stringify([early.data, early.errors, early.refused]) ===
        JSON.stringify([shield.data, shield.errors, shield.refused]);
      if (!same) mismatches.push(label);
      // Loud: a field that answers INTERNAL_SERVER_ERROR was logged, on both paths.
      if (early.errors.some((error) => error.code === "INTERNAL_SERVER_ERROR")) {
        expect(early.logged.length, label).toBeGreaterThan(0);
      }
      // Deciding early skips evaluations whose answer cannot matter; it never logs what shield would not.
      const shieldCounts = countLines(shield.logged);
      for (const [line, count] of countLines(early.logged)) {
        expect(count, `${label}: ${line}`).toBeLessThanOrEqual(shieldCounts.get(line) ?? 0);
      }
      if (early.logged.length < shield.logged.length) decidedByTheCallerAlone += 1;
    }
    expect(mismatches).toEqual([]);
    // The comparison covers fields the caller alone decides (they skip the per-object rules' failures).
    expect(decidedByTheCallerAlone).toBeGreaterThan(0);
  });

  it("keeps or(throwing, true) allowed and and(throwing, true) INTERNAL_SERVER_ERROR, whichever rule throws", async () => {
    const orRules = [
      or(LEAVES.callerThrows, LEAVES.callerTrue),
      or(LEAVES.callerTrue, LEAVES.callerThrows),
      or(LEAVES.objectFirst, LEAVES.callerTrue),
    ];
    for (const rule of orRules) {
      const early = await run(rule, true);
      expect(early.errors.filter((error) => error.path.startsWith("0:"))).toEqual([]);
      expect(early.data[0]).toEqual({ items: IDS.map((id) => ({ id, guarded: `guarded ${id}` })) });
      expect(early.data).toEqual((await run(rule, false)).data);
    }
    const early = await run(and(LEAVES.callerThrows, LEAVES.callerTrue), true);
    expect(early.errors.filter((error) => error.path.startsWith("0:"))).toHaveLength(IDS.length);
    expect(new Set(early.errors.map((error) => error.code))).toEqual(new Set(["INTERNAL_SERVER_ERROR"]));
    // Decided once for the request, so logged once for it, as graphql-shield does.
    expect(early.logged.filter((line) => line.includes("callerThrows"))).toHaveLength(3);
  });

  it("refuses with the missing permission and reports refused mutations like graphql-shield does", async () => {
    const rule = or(LEAVES.objectFirst, hasPermission("manage:tenants"));
    const member = { ...CALLER, permissions: new Set<string>() };
    const early = await run(rule, true, member);
    expect(early).toEqual(await run(rule, false, member));
    expect(early.errors).toContainEqual({
      path: `0:items.${IDS.indexOf("ft")}.guarded`,
      message: "Not authorised: this needs the 'manage:tenants' permission",
      code: "FORBIDDEN",
      details: { missingPermission: "manage:tenants" },
    });
    // f… and e… are refused by the rule, tt by its resolver (NOT_FOUND); x… fail (INTERNAL_SERVER_ERROR, no
    // refusal) and tf, te, tx are allowed.
    const refusedIds = IDS.filter((id) => id[0] === "f" || id[0] === "e" || id === "tt");
    expect(early.refused).toEqual(refusedIds.map((id) => `act(${id})`).sort());
  });

  it("refuses every field to a denied caller the same way", async () => {
    const denied = { ...CALLER, denial: "Not authorised: the integration is not enabled in this tenant" };
    const early = await run(LEAVES.callerTrue, true, denied);
    expect(early).toEqual(await run(LEAVES.callerTrue, false, denied));
    expect(early.refused).toHaveLength(IDS.length);
    expect(early.errors[0]).toMatchObject({ code: "FORBIDDEN", details: { missingPermission: null } });
  });
});

describe("a field the caller alone decides", () => {
  const resolveEmail: GraphQLFieldResolver<unknown, GatehouseContext> = (user) =>
    (user as { email: string }).email;

  function guardedEmail(rule: ShieldRule): GraphQLFieldResolver<unknown, GatehouseContext> {
    const schema = buildSchema("type Query { me: User } type User { email: String }");
    const resolvers = protectResolvers(
      schema,
      { User: { email: resolveEmail } },
      { Query: { me: LEAVES.callerTrue }, User: { email: rule } },
    );
    return resolvers.User!.email as GraphQLFieldResolver<unknown, GatehouseContext>;
  }

  const info = {} as Parameters<GraphQLFieldResolver<unknown, GatehouseContext>>[3];

  it("resolves synchronously with its plain resolver when allowed, and throws its refusal when not", () => {
    const resolve = guardedEmail(or(LEAVES.objectFirst, hasPermission("read:users")));
    const answer = resolve({ email: "ada@acme.test", id: "ff" }, {}, contextFor(CALLER), info);
    expect(answer).not.toBeInstanceOf(Promise);
    expect(answer).toBe("ada@acme.test");

    const anonymous = { ...CALLER, kind: "ANONYMOUS" as const, userId: null, permissions: new Set<string>() };
    const signedIn = guardedEmail(isAuthenticated);
    expect(() => signedIn({ email: "x", id: "ff" }, {}, contextFor(anonymous), info)).toThrow(
      "Not authorised: sign in first",
    );
  });

  it("goes through graphql-shield, asynchronously, when the object decides", async () => {
    const resolve = guardedEmail(or(LEAVES.objectFirst, hasPermission("manage:tenants")));
    const answer = resolve({ email: "ada@acme.test", id: "tf" }, {}, contextFor(CALLER), info);
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe("ada@acme.test");
  });

  it("runs a caller rule's body once per request, however many objects it guards", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    let runs = 0;
    const counted = callerRule("counted", () => {
      runs += 1;
      return true;
    });
    const resolve = guardedEmail(or(LEAVES.objectFirst, counted));
    const context = contextFor(CALLER);
    for (const id of IDS) resolve({ email: "e", id }, {}, context, info);
    expect(runs).toBe(1);
    // And graphql-shield's own evaluation of the same rule, in another request, reads it once too.
    const otherRequest = contextFor(CALLER);
    await Promise.all(
      IDS.map((id) => chain(LEAVES.objectFirst, counted).resolve({ id }, {}, otherRequest, info, SHIELD)),
    );
    expect(runs).toBe(2);
  });
});
