import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadEnvFile } from "../../src/config.js";

const TENANT = { AUTH0_DOMAIN: "acme.eu.auth0.com", AUTH0_CLIENT_ID: "id", AUTH0_CLIENT_SECRET: "secret" };

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

  it("is development unless NODE_ENV=production", () => {
    expect(loadConfig({}).environment).toBe("development");
    expect(loadConfig({ NODE_ENV: "test" }).environment).toBe("development");
    expect(loadConfig({ NODE_ENV: "production", ...TENANT }).environment).toBe("production");
  });

  it("refuses production without an Auth0 tenant: the embedded emulator is for development only", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(
      new ConfigError(
        "NODE_ENV=production needs a real Auth0 tenant: set AUTH0_DOMAIN, AUTH0_CLIENT_ID and " +
          "AUTH0_CLIENT_SECRET (the embedded emulator is for development only)",
      ),
    );
  });

  it.each(["0.0.0.0", "::", "192.168.1.20", "example.com", "::ffff:10.0.0.1"])(
    "refuses the embedded emulator behind the non-loopback HOST %s",
    (host) => {
      expect(() => loadConfig({ HOST: host })).toThrow(
        new ConfigError(
          `HOST=${host} is not a loopback address, and without AUTH0_DOMAIN the embedded emulator would be ` +
            "reachable with its published secrets: use HOST=127.0.0.1 (or ::1, localhost) or set AUTH0_DOMAIN",
        ),
      );
    },
  );

  it.each(["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])(
    "runs the embedded emulator behind the loopback HOST %s",
    (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    },
  );

  it("lets a real tenant listen on any address", () => {
    expect(loadConfig({ HOST: "0.0.0.0", NODE_ENV: "production", ...TENANT }).host).toBe("0.0.0.0");
  });

  it("reads a .env file into the environment, where a variable already set wins", () => {
    const folder = mkdtempSync(join(tmpdir(), "gatehouse-env-"));
    const file = join(folder, ".env");
    const fromFile = `GATEHOUSE_TEST_FROM_FILE_${process.pid}`;
    const alreadySet = `GATEHOUSE_TEST_ALREADY_SET_${process.pid}`;
    writeFileSync(file, `${fromFile}=file\n${alreadySet}=file\n# a comment\n`);
    process.env[alreadySet] = "environment";
    try {
      expect(loadEnvFile(join(folder, "missing.env"))).toBe(false);
      expect(loadEnvFile(file)).toBe(true);
      expect(process.env[fromFile]).toBe("file");
      expect(process.env[alreadySet]).toBe("environment");
    } finally {
      delete process.env[fromFile];
      delete process.env[alreadySet];
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
