import { existsSync } from "node:fs";
import { isIPv4 } from "node:net";
import { resolve } from "node:path";

/** Everything Gatehouse reads from its environment, validated once at start-up. */
export interface Config {
  /** `production` with NODE_ENV=production, else `development`: only development runs the embedded emulator. */
  environment: "development" | "production";
  /** The Auth0 tenant's base URL with a trailing slash: the token issuer. Unset: the embedded emulator. */
  auth0Issuer: string | undefined;
  audience: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  databaseUrl: string | undefined;
  cacheUrl: string | undefined;
  port: number;
  host: string;
  /** The single-page apps whose users' tokens Gatehouse accepts (AUTH0_SPA_CLIENT_IDS, comma-separated). */
  spaClientIds: string[];
  /** Browser origins allowed to call the API (CORS_ORIGINS, comma-separated). */
  corsOrigins: string[];
  /** The bearer secret of Auth0 Event Streams deliveries (AUTH0_EVENTS_TOKEN); unset: no webhook. */
  eventsToken: string | undefined;
  /** The bearer secret Auth0's post-login Action sends to `POST /auth0/post-login` (AUTH0_ACTION_SECRET); unset: no endpoint. */
  actionSecret: string | undefined;
  /** Where Auth0 reaches this deployment (PUBLIC_URL); with AUTH0_EVENTS_TOKEN, the event stream is registered. */
  publicUrl: string | undefined;
  /** The embedded emulator's Auth0 rate-limit profile (EMULATOR_RATE_LIMIT), so development meets production's limits. */
  emulatorRateLimit: EmulatorRateLimit;
  /** The share of each Auth0 rate-limit bucket the directory's background sync may use (DIRECTORY_SYNC_SHARE). */
  directorySyncShare: number;
  /** How many days audit events are kept (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /**
   * Serve the playground at GET /graphql to browsers (PLAYGROUND=on|off): on by default, off by default when
   * NODE_ENV=production.
   */
  playground: boolean;
  /** The organization the playground's "Sign in" logs in to against a real tenant (PLAYGROUND_ORGANIZATION). */
  playgroundOrganization: string | undefined;
  /** pino's level (LOG_LEVEL): fatal, error, warn, info, debug, trace or silent. Default info. */
  logLevel: LogLevel;
  /** Serve `/metrics` on this port of its own (METRICS_PORT); unset: on the API port, to loopback callers only. */
  metricsPort: number | undefined;
  /** Whether GraphQL introspection is on (GRAPHQL_INTROSPECTION); default: on in development, off in production. */
  graphqlIntrospection: boolean;
  /** Per-caller request limits and API-key exchange limits, per minute (RATE_LIMIT_* variables). */
  rateLimits: RateLimitConfig;
  /** Port of the embedded emulator, when AUTH0_DOMAIN is unset. */
  emulatorPort: number;
  dataDir: string;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RateLimitConfig {
  perUserPerMinute: number;
  perApiKeyPerMinute: number;
  perTenantPerMinute: number;
  anonymousPerSourcePerMinute: number;
  apiKeyExchangesPerSourcePerMinute: number;
  apiKeyExchangesPerMinute: number;
}

function logLevel(raw: string | undefined): LogLevel {
  const value = raw?.trim().toLowerCase() || "info";
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
  }
  return value as LogLevel;
}

function flag(name: string, raw: string | undefined, fallback: boolean): boolean {
  const value = raw?.trim().toLowerCase();
  if (!value) return fallback;
  if (["true", "1", "on", "yes"].includes(value)) return true;
  if (["false", "0", "off", "no"].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function perMinute(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a whole number of requests a minute (at least 1), got "${raw}"`);
  }
  return value;
}

/**
 * Generous: a safety valve against a runaway client, not a quota. One user sending as fast as a 2-core server
 * answers (the benchmark's Ada, ~2,000 requests a second in bursts, ~40,000 in a minute) stays under them.
 */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  perUserPerMinute: 60_000,
  perApiKeyPerMinute: 60_000,
  perTenantPerMinute: 300_000,
  anonymousPerSourcePerMinute: 12_000,
  // Each exchange that reaches Auth0 counts against the tenant's monthly machine-token quota.
  apiKeyExchangesPerSourcePerMinute: 60,
  apiKeyExchangesPerMinute: 600,
};

function rateLimits(env: NodeJS.ProcessEnv): RateLimitConfig {
  const d = DEFAULT_RATE_LIMITS;
  return {
    perUserPerMinute: perMinute("RATE_LIMIT_USER", env.RATE_LIMIT_USER, d.perUserPerMinute),
    perApiKeyPerMinute: perMinute("RATE_LIMIT_API_KEY", env.RATE_LIMIT_API_KEY, d.perApiKeyPerMinute),
    perTenantPerMinute: perMinute("RATE_LIMIT_TENANT", env.RATE_LIMIT_TENANT, d.perTenantPerMinute),
    anonymousPerSourcePerMinute: perMinute(
      "RATE_LIMIT_ANONYMOUS",
      env.RATE_LIMIT_ANONYMOUS,
      d.anonymousPerSourcePerMinute,
    ),
    apiKeyExchangesPerSourcePerMinute: perMinute(
      "RATE_LIMIT_API_KEY_EXCHANGES_PER_SOURCE",
      env.RATE_LIMIT_API_KEY_EXCHANGES_PER_SOURCE,
      d.apiKeyExchangesPerSourcePerMinute,
    ),
    apiKeyExchangesPerMinute: perMinute(
      "RATE_LIMIT_API_KEY_EXCHANGES",
      env.RATE_LIMIT_API_KEY_EXCHANGES,
      d.apiKeyExchangesPerMinute,
    ),
  };
}

/** `tenant.eu.auth0.com` → `https://tenant.eu.auth0.com/`; a full URL (emulator) is kept, with a trailing slash. */
function issuerFromDomain(domain: string): string {
  const withScheme = /^https?:\/\//.test(domain) ? domain : `https://${domain}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError(`AUTH0_DOMAIN must be a domain such as your-tenant.eu.auth0.com, got "${domain}"`);
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError(`AUTH0_DOMAIN must be a bare domain without a path, got "${domain}"`);
  }
  return `${url.origin}/`;
}

function port(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return value;
}

function url(name: string, raw: string | undefined, protocols: string[]): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(" or ")}), got an unparseable value`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(" or ")}, got "${parsed.protocol}"`);
  }
  return raw;
}

function origins(raw: string | undefined): string[] {
  if (!raw?.trim()) return [];
  return raw.split(",").map((entry) => {
    const origin = entry.trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS must list origins such as https://app.example.com, got "${origin}"`,
      );
    }
    return origin;
  });
}

/** The seeded SPA of the embedded emulator. */
export const DEFAULT_SPA_CLIENT_IDS = ["gatehouse-spa"];

function clientIds(raw: string | undefined): string[] {
  if (!raw?.trim()) return DEFAULT_SPA_CLIENT_IDS;
  return raw.split(",").map((entry) => {
    const id = entry.trim();
    if (!/^[\w.-]{1,128}$/.test(id)) {
      throw new ConfigError(`AUTH0_SPA_CLIENT_IDS must list client ids separated by commas, got "${id}"`);
    }
    return id;
  });
}

function sharedSecret(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw.length < 32) throw new ConfigError(`${name} must be at least 32 characters (a random secret)`);
  return raw;
}

const EMULATOR_RATE_LIMITS = ["free", "essentials", "enterprise", "off"] as const;
export type EmulatorRateLimit = (typeof EMULATOR_RATE_LIMITS)[number];

function emulatorRateLimit(raw: string | undefined): EmulatorRateLimit {
  const value = raw?.trim() || "essentials";
  if (!(EMULATOR_RATE_LIMITS as readonly string[]).includes(value)) {
    throw new ConfigError(
      `EMULATOR_RATE_LIMIT must be one of ${EMULATOR_RATE_LIMITS.join(", ")}, got "${value}"`,
    );
  }
  return value as EmulatorRateLimit;
}

function share(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 0.5;
  const value = Number(raw);
  if (!(value > 0 && value <= 1)) {
    throw new ConfigError(`DIRECTORY_SYNC_SHARE must be a number above 0 and at most 1, got "${raw}"`);
  }
  return value;
}

function retentionDays(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 365;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 36_500) {
    throw new ConfigError(
      `AUDIT_RETENTION_DAYS must be a whole number of days from 1 to 36500, got "${raw}"`,
    );
  }
  return value;
}

function playground(raw: string | undefined, environment: Config["environment"]): boolean {
  const value = raw?.trim().toLowerCase();
  if (!value) return environment !== "production";
  if (value === "on") return true;
  if (value === "off") return false;
  throw new ConfigError(`PLAYGROUND must be on or off, got "${raw}"`);
}

/** 127.0.0.0/8, ::1 or localhost (a host name or an address, bracketed or not): only this machine reaches it. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  const v4 = bare.startsWith("::ffff:") ? bare.slice("::ffff:".length) : bare;
  return isIPv4(v4) && v4.startsWith("127.");
}

/**
 * Reads a `.env` file (KEY=value lines) into the environment before the configuration is read, if there is
 * one at `path`; a variable already set in the environment wins over the file. Returns whether it was read.
 */
export function loadEnvFile(path = ".env"): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/** Reads and checks the configuration; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const domain = env.AUTH0_DOMAIN?.trim() || undefined;
  const clientId = env.AUTH0_CLIENT_ID?.trim() || undefined;
  const clientSecret = env.AUTH0_CLIENT_SECRET || undefined;
  if (domain) {
    if (!clientId) throw new ConfigError("AUTH0_CLIENT_ID is required when AUTH0_DOMAIN is set");
    if (!clientSecret) throw new ConfigError("AUTH0_CLIENT_SECRET is required when AUTH0_DOMAIN is set");
  }
  const environment = env.NODE_ENV?.trim() === "production" ? "production" : "development";
  const host = env.HOST?.trim() || "127.0.0.1";
  // Without a tenant the embedded emulator runs, with its seeded, published secrets: development only,
  // reachable from this machine only.
  if (!domain && environment === "production") {
    throw new ConfigError(
      "NODE_ENV=production needs a real Auth0 tenant: set AUTH0_DOMAIN, AUTH0_CLIENT_ID and " +
        "AUTH0_CLIENT_SECRET (the embedded emulator is for development only)",
    );
  }
  if (!domain && !isLoopback(host)) {
    throw new ConfigError(
      `HOST=${host} is not a loopback address, and without AUTH0_DOMAIN the embedded emulator would be ` +
        "reachable with its published secrets: use HOST=127.0.0.1 (or ::1, localhost) or set AUTH0_DOMAIN",
    );
  }
  const audience = env.AUTH0_AUDIENCE?.trim() || "https://api.gatehouse.local";
  return {
    environment,
    logLevel: logLevel(env.LOG_LEVEL),
    metricsPort: env.METRICS_PORT?.trim() ? port("METRICS_PORT", env.METRICS_PORT, 0) : undefined,
    graphqlIntrospection: flag(
      "GRAPHQL_INTROSPECTION",
      env.GRAPHQL_INTROSPECTION,
      environment !== "production",
    ),
    rateLimits: rateLimits(env),
    auth0Issuer: domain ? issuerFromDomain(domain) : undefined,
    audience,
    clientId,
    clientSecret,
    databaseUrl: url("DATABASE_URL", env.DATABASE_URL, ["postgres:", "postgresql:"]),
    cacheUrl: url("CACHE_URL", env.CACHE_URL, ["redis:", "rediss:"]),
    port: port("PORT", env.PORT, 4000),
    emulatorPort: port("EMULATOR_PORT", env.EMULATOR_PORT, 4010),
    emulatorRateLimit: emulatorRateLimit(env.EMULATOR_RATE_LIMIT),
    directorySyncShare: share(env.DIRECTORY_SYNC_SHARE),
    auditRetentionDays: retentionDays(env.AUDIT_RETENTION_DAYS),
    corsOrigins: origins(env.CORS_ORIGINS),
    spaClientIds: clientIds(env.AUTH0_SPA_CLIENT_IDS),
    eventsToken: sharedSecret("AUTH0_EVENTS_TOKEN", env.AUTH0_EVENTS_TOKEN),
    actionSecret: sharedSecret("AUTH0_ACTION_SECRET", env.AUTH0_ACTION_SECRET),
    publicUrl: url("PUBLIC_URL", env.PUBLIC_URL, ["https:", "http:"]),
    playground: playground(env.PLAYGROUND, environment),
    playgroundOrganization: env.PLAYGROUND_ORGANIZATION?.trim() || undefined,
    host,
    dataDir: resolve(env.DATA_DIR?.trim() || ".gatehouse"),
  };
}
