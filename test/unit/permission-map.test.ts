import { buildSchema } from "graphql";
import { allow } from "graphql-shield";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../src/app.js";
import { permissions } from "../../src/authz/permissions.js";
import { protectResolvers } from "../../src/authz/protect.js";

describe("the permission map", () => {
  it("has a rule for every field of every object type of the schema", () => {
    const schema = buildSchema(loadTypeDefs());
    expect(() => protectResolvers(schema, {}, permissions as never)).not.toThrow();
  });

  it("refuses to start when a field has no rule (deny by default)", () => {
    const schema = buildSchema(`${loadTypeDefs()}\nextend type User { secretNotes: String }`);
    expect(() => protectResolvers(schema, {}, permissions as never)).toThrow(/User\.secretNotes/);
  });

  it("leaves allow fields' resolvers untouched and wraps the others", () => {
    const schema = buildSchema(loadTypeDefs());
    const resolveName = () => "name";
    const resolveEmail = () => "email";
    const resolvers = protectResolvers(
      schema,
      { User: { name: resolveName, email: resolveEmail } },
      permissions as never,
    );
    expect(permissions.User.name).toBe(allow);
    expect(resolvers.User?.name).toBe(resolveName);
    expect(resolvers.User?.email).not.toBe(resolveEmail);
  });
});
