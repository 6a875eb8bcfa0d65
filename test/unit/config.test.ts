import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("configuration", () => {
  it("defaults to the embedded emulator on port 4000", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      auth0Issuer: undefined,
      audience: "https://api.gatehouse.local",
      port: 4000,
      emulatorPort: 4010,
      cacheUrl: undefined,
      databaseUrl: undefined,
    });
  });

  it("turns an Auth0 domain into its issuer", () => {
    const config = loadConfig({
      AUTH0_DOMAIN: "acme.eu.auth0.com",
      AUTH0_AUDIENCE: "https://api.acme.example",
      AUTH0_CLIENT_ID: "id",
      AUTH0_CLIENT_SECRET: "secret",
    });
    expect(config.auth0Issuer).toBe("https://acme.eu.auth0.com/");
    expect(config.audience).toBe("https://api.acme.example");
  });

  it.each([
    [{ AUTH0_DOMAIN: "acme.eu.auth0.com", AUTH0_CLIENT_SECRET: "s" }, "AUTH0_CLIENT_ID"],
    [{ AUTH0_DOMAIN: "acme.eu.auth0.com", AUTH0_CLIENT_ID: "i" }, "AUTH0_CLIENT_SECRET"],
    [
      { AUTH0_DOMAIN: "acme.eu.auth0.com/path", AUTH0_CLIENT_ID: "i", AUTH0_CLIENT_SECRET: "s" },
      "AUTH0_DOMAIN",
    ],
    [{ PORT: "eighty" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ CACHE_URL: "memcached://127.0.0.1" }, "CACHE_URL"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL"],
    [{ CORS_ORIGINS: "https://app.example.com/path" }, "CORS_ORIGINS"],
    [{ CORS_ORIGINS: "*" }, "CORS_ORIGINS"],
    [{ AUTH0_SPA_CLIENT_IDS: "gatehouse-spa, not a client id" }, "AUTH0_SPA_CLIENT_IDS"],
    [{ AUTH0_EVENTS_TOKEN: "too-short" }, "AUTH0_EVENTS_TOKEN"],
    [{ AUTH0_ACTION_SECRET: "too-short" }, "AUTH0_ACTION_SECRET"],
    [{ PUBLIC_URL: "ftp://gatehouse.example" }, "PUBLIC_URL"],
    [{ EMULATOR_RATE_LIMIT: "unlimited" }, "EMULATOR_RATE_LIMIT"],
    [{ DIRECTORY_SYNC_SHARE: "0" }, "DIRECTORY_SYNC_SHARE"],
    [{ DIRECTORY_SYNC_SHARE: "1.5" }, "DIRECTORY_SYNC_SHARE"],
    [{ AUDIT_RETENTION_DAYS: "0" }, "AUDIT_RETENTION_DAYS"],
    [{ AUDIT_RETENTION_DAYS: "a year" }, "AUDIT_RETENTION_DAYS"],
  ])("a bad value stops start-up with a message naming the variable (%o)", (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it("reads the SPAs, the event secret and the directory's share, with defaults", () => {
    expect(loadConfig({})).toMatchObject({
      spaClientIds: ["gatehouse-spa"],
      eventsToken: undefined,
      emulatorRateLimit: "essentials",
      directorySyncShare: 0.5,
    });
    const secret = "x".repeat(40);
    expect(
      loadConfig({
        AUTH0_SPA_CLIENT_IDS: "spa-one, spa-two",
        AUTH0_EVENTS_TOKEN: secret,
        DIRECTORY_SYNC_SHARE: "0.25",
      }),
    ).toMatchObject({ spaClientIds: ["spa-one", "spa-two"], eventsToken: secret, directorySyncShare: 0.25 });
  });

  it("registers the post-login claims endpoint only with AUTH0_ACTION_SECRET", () => {
    expect(loadConfig({}).actionSecret).toBeUndefined();
    const secret = "a".repeat(32);
    expect(loadConfig({ AUTH0_ACTION_SECRET: secret }).actionSecret).toBe(secret);
  });

  it("keeps audit events a year unless AUDIT_RETENTION_DAYS says otherwise", () => {
    expect(loadConfig({}).auditRetentionDays).toBe(365);
    expect(loadConfig({ AUDIT_RETENTION_DAYS: "90" }).auditRetentionDays).toBe(90);
  });

  it("reads the browser origins allowed to call the API", () => {
    expect(
      loadConfig({ CORS_ORIGINS: "https://app.example.com, http://localhost:3000" }).corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:3000"]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it("never echoes a secret in its messages", () => {
    try {
      loadConfig({ DATABASE_URL: "postgres//user:hunter2@host" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
