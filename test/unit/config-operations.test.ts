import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig } from "../../src/config.js";

describe("operations configuration", () => {
  it("logs at info, serves metrics on the API port to loopback, and keeps introspection on in development", () => {
    expect(loadConfig({})).toMatchObject({
      environment: "development",
      logLevel: "info",
      metricsPort: undefined,
      graphqlIntrospection: true,
      rateLimits: DEFAULT_RATE_LIMITS,
    });
  });

  it("turns introspection off in production unless GRAPHQL_INTROSPECTION turns it back on", () => {
    // Production needs a real tenant (without one start-up stops).
    const production = {
      NODE_ENV: "production",
      AUTH0_DOMAIN: "tenant.example.auth0.com",
      AUTH0_CLIENT_ID: "gatehouse-server",
      AUTH0_CLIENT_SECRET: "a-secret",
    };
    expect(loadConfig(production).graphqlIntrospection).toBe(false);
    expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: "true" }).graphqlIntrospection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: "off" }).graphqlIntrospection).toBe(false);
  });

  it("reads LOG_LEVEL, METRICS_PORT and the RATE_LIMIT_ variables", () => {
    const config = loadConfig({
      LOG_LEVEL: "Debug",
      METRICS_PORT: "9464",
      RATE_LIMIT_USER: "100",
      RATE_LIMIT_API_KEY: "200",
      RATE_LIMIT_TENANT: "300",
      RATE_LIMIT_ANONYMOUS: "40",
      RATE_LIMIT_API_KEY_EXCHANGES_PER_SOURCE: "5",
      RATE_LIMIT_API_KEY_EXCHANGES: "50",
    });
    expect(config.logLevel).toBe("debug");
    expect(config.metricsPort).toBe(9464);
    expect(config.rateLimits).toEqual({
      perUserPerMinute: 100,
      perApiKeyPerMinute: 200,
      perTenantPerMinute: 300,
      anonymousPerSourcePerMinute: 40,
      apiKeyExchangesPerSourcePerMinute: 5,
      apiKeyExchangesPerMinute: 50,
    });
  });

  it.each([
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ METRICS_PORT: "99999" }, "METRICS_PORT"],
    [{ GRAPHQL_INTROSPECTION: "maybe" }, "GRAPHQL_INTROSPECTION"],
    [{ RATE_LIMIT_USER: "0" }, "RATE_LIMIT_USER"],
    [{ RATE_LIMIT_API_KEY_EXCHANGES: "ten" }, "RATE_LIMIT_API_KEY_EXCHANGES"],
  ])("refuses %o naming %s", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
