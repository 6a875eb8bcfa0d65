import { GraphQLScalarType, Kind } from "graphql";
import type { Resolvers } from "../generated/graphql.js";
import { apiKeyResolvers } from "./api-keys.js";
import { auditResolvers } from "./audit.js";
import { integrationResolvers } from "./integrations.js";
import { planResolvers } from "./plans.js";
import { tenantResolvers } from "./tenants.js";
import { userResolvers } from "./users.js";
import { viewerResolvers } from "./viewer.js";

const DateTime = new GraphQLScalarType({
  name: "DateTime",
  description: "An ISO 8601 date and time, in UTC.",
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError("DateTime must be an ISO 8601 date and time");
    return date.toISOString();
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(new Date(ast.value).getTime())) {
      throw new TypeError("DateTime must be an ISO 8601 date and time");
    }
    return new Date(ast.value).toISOString();
  },
});

/** Every domain's resolvers, merged type by type. */
export function allResolvers(): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const domain of [
    viewerResolvers,
    tenantResolvers,
    userResolvers,
    apiKeyResolvers,
    integrationResolvers,
    auditResolvers,
    planResolvers,
  ] as Record<string, Record<string, unknown>>[]) {
    for (const [type, fields] of Object.entries(domain)) merged[type] = { ...merged[type], ...fields };
  }
  return { ...(merged as Resolvers), DateTime };
}
