import { and, chain, or, rule } from "graphql-shield";
import { describe, expect, it } from "vitest";
import { describeRule, judgeRule } from "../../src/authz/explain.js";
import { hasPermission, isSelf, isVisibleTenant } from "../../src/authz/rules.js";
import { ANONYMOUS_CALLER, type Caller } from "../../src/caller/caller.js";

function member(permissions: string[], kind: Caller["kind"] = "USER"): Caller {
  return {
    kind,
    subject: "auth0|someone",
    userId: "auth0|someone",
    clientId: "gatehouse-spa",
    tenantId: "org_acme",
    permissions: new Set(permissions),
    denial: null,
  };
}

describe("a rule explained", () => {
  it("reads as a sentence", () => {
    expect(describeRule(or(isSelf, hasPermission("read:users")))).toBe(
      "only their own user, or needs 'read:users'",
    );
    expect(describeRule(chain(hasPermission("read:tenant"), isVisibleTenant))).toBe(
      "needs 'read:tenant', only in their own tenant",
    );
  });

  it("runs the permission checks for real and names what is missing", async () => {
    expect(await judgeRule(hasPermission("read:users"), member(["read:users"]))).toEqual({
      outcome: "allowed",
    });
    expect(await judgeRule(hasPermission("read:users"), member([]))).toMatchObject({
      outcome: "denied",
      code: "FORBIDDEN",
      missingPermission: "read:users",
    });
  });

  it("leaves conditions on the object open, unless the caller can never meet them", async () => {
    const ownOrPermitted = or(isSelf, hasPermission("read:roles"));
    expect(await judgeRule(ownOrPermitted, member([]))).toEqual({
      outcome: "depends",
      condition: "only their own user",
    });
    // An API key is nobody's self, so only the permission is left, and it is missing.
    expect(await judgeRule(ownOrPermitted, member([], "TENANT_APP"))).toMatchObject({
      outcome: "denied",
      missingPermission: "read:roles",
    });
    expect(
      await judgeRule(and(hasPermission("read:users"), isVisibleTenant), ANONYMOUS_CALLER),
    ).toMatchObject({
      outcome: "denied",
      missingPermission: "read:users",
    });
  });

  it("refuses to explain a rule it has no words for, rather than guess", () => {
    const unexplained = rule("somethingNew")(() => true);
    expect(() => describeRule(unexplained)).toThrow("the rule somethingNew has no words");
  });
});
