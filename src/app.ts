import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import cors from "@fastify/cors";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteHandlerMethod,
} from "fastify";
import { buildSchema, type GraphQLFormattedError } from "graphql";
import type Keyv from "keyv";
import { Auth0Management } from "./auth0/management.js";
import { ManagementTokenSupplier } from "./auth0/management-token.js";
import { protectResolvers } from "./authz/protect.js";
import { permissions } from "./authz/permissions.js";
import { createCache } from "./cache.js";
import { AccessTokenVerifier } from "./caller/access-token-verifier.js";
import { ApiKeyChecks } from "./caller/api-key-checks.js";
import { ApiKeyExchange } from "./caller/api-key-exchange.js";
import { AuthenticationError, CallerUnavailableError } from "./caller/authentication-error.js";
import type { Caller } from "./caller/caller.js";
import { CallerResolver } from "./caller/resolve-caller.js";
import { DomainError } from "./errors.js";
import { DEFAULT_SPA_CLIENT_IDS } from "./config.js";
import type { GatehouseContext } from "./context.js";
import { allResolvers } from "./resolvers/index.js";
import { createStore, type Store, type StoreOptions } from "./store/store.js";
import { registerPlayground, type PlaygroundOptions } from "./http/playground.js";
import {
  DirectoryEvents,
  isAuthorizedDelivery,
  MalformedEventError,
  parseDelivery,
} from "./directory/events.js";
import { createLoaders } from "./directory/loaders.js";
import { DirectoryReadCache, type RequestDirectory } from "./directory/read-cache.js";
import type { DirectoryReader } from "./store/directory.js";
import { RateLimitPacer } from "./directory/pacer.js";
import { DirectoryRunner } from "./directory/runner.js";
import { DirectorySync } from "./directory/sync.js";
import { ApiKeyService, type ApiKeySettings } from "./services/api-keys.js";
import { AuditRetention, recordRefusedMutation } from "./services/audit.js";
import { IntegrationService } from "./services/integrations.js";
import { PlanService } from "./services/plans.js";
import { POST_LOGIN_LIMIT_DEFAULTS, registerPostLoginClaims } from "./http/post-login-claims.js";
import type { FixedWindowLimits } from "./http/fixed-window-limiter.js";
import { UserService } from "./services/users.js";

export interface GatehouseOptions {
  /** The Auth0 issuer, with its trailing slash (`https://tenant.auth0.com/`, or the emulator's). */
  issuer: string;
  audience: string;
  /** Gatehouse's own machine client for the Management API. */
  clientId: string;
  clientSecret: string;
  cacheUrl?: string;
  /** Keeps instances of different deployments (or test files) apart in a shared Redis. */
  cacheNamespace?: string;
  /** Gatehouse's own store; defaults to an in-memory PGlite (tests). */
  store?: StoreOptions;
  /** The single-page apps whose users' tokens are accepted (default: the emulator's seeded SPA). */
  spaClientIds?: string[];
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins?: string[];
  /** Serve the playground (GraphiQL, src/http/playground.ts) on GET /graphql to browsers; unset: none. */
  playground?: PlaygroundOptions;
  /** The bearer secret Auth0 Event Streams deliveries to `POST /auth0/events` carry; unset: no webhook. */
  eventsToken?: string;
  /** The bearer secret an Auth0 post-login Action sends to `POST /auth0/post-login`; unset: no endpoint. */
  postLogin?: { secret: string; limits?: Partial<FixedWindowLimits>; now?: () => number };
  /** How the directory keeps in step with Auth0. */
  directory?: Partial<DirectorySettings>;
  /** How long audit events are kept. */
  audit?: Partial<AuditSettings>;
  /** The clock plans' and licences' expiry is measured against (tests move it). */
  plans?: { now?: () => Date };
  /** API keys: the clock native keys expire by, and how long a secret rotation may wait for Auth0. */
  apiKeys?: Partial<ApiKeySettings>;
  /** Where progress lines go (the directory's import and passes); the process decides. Default: nowhere. */
  log?: (line: string) => void;
}

export interface DirectorySettings {
  /** A full pass over Auth0 (reconciliation), on one instance at a time. Default 15 minutes. */
  fullPassIntervalMs: number;
  /** Reading users changed in Auth0 since the last look. Default 30 s. */
  changedUsersIntervalMs: number;
  /** The share of each Auth0 rate-limit bucket the background sync may use. Default 0.5. */
  rateLimitShare: number;
  /** How long to wait before trying a failed first import again. Default 5 s. */
  importRetryDelayMs: number;
}

export interface AuditSettings {
  /** Events older than this many days are deleted. Default 365. */
  retentionDays: number;
  /** How often the old events are looked for. Default hourly. */
  pruneIntervalMs: number;
  /** The clock retention measures against (tests move it). */
  now: () => Date;
}

const AUDIT_DEFAULTS: AuditSettings = {
  retentionDays: 365,
  pruneIntervalMs: 3_600_000,
  now: () => new Date(),
};

/** How long requests in flight may take to finish when an instance closes. */
const CLOSE_GRACE_MS = 5_000;

const DIRECTORY_DEFAULTS: DirectorySettings = {
  fullPassIntervalMs: 15 * 60_000,
  changedUsersIntervalMs: 30_000,
  rateLimitShare: 0.5,
  importRetryDelayMs: 5_000,
};

export interface Gatehouse {
  app: FastifyInstance;
  management: Auth0Management;
  /** The Management API token, for start-up work such as registering the event stream. */
  managementToken: () => Promise<string>;
  /** Resolves once the directory holds a complete import; requests get 503 until then. */
  ready: Promise<void>;
  directory: DirectoryRunner;
  apiKeys: ApiKeyExchange;
  /** The request path's API-key checks; `flush()` writes the native keys' last uses now. */
  apiKeyChecks: ApiKeyChecks;
  /** Deletes audit events past their retention; runs on a timer, and on demand. */
  auditRetention: AuditRetention;
  cache: Keyv;
  store: Store;
  close(): Promise<void>;
}

declare module "fastify" {
  interface FastifyRequest {
    caller?: Caller;
    /** The directory as this request sees it: one version, read once. */
    directory?: RequestDirectory;
  }
}

const SCHEMA_DIR = new URL("../schema/", import.meta.url);

/** The SDL, one file per domain, in a stable order. */
export function loadTypeDefs(): string {
  const directory = SCHEMA_DIR.pathname;
  return readdirSync(directory)
    .filter((file) => file.endsWith(".graphql"))
    .sort((a, b) => (a === "viewer.graphql" ? -1 : b === "viewer.graphql" ? 1 : a.localeCompare(b)))
    .map((file) => readFileSync(join(directory, file), "utf8"))
    .join("\n");
}

const CLIENT_ERROR_CODES = new Set([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "UPSTREAM_UNAVAILABLE",
  "LICENCE_REQUIRED",
  "QUOTA_EXCEEDED",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** Errors with a code a client can act on pass; anything else is an internal error, logged, never shown. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  const where = {
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
  };
  // The one place the domain's errors become GraphQL errors.
  if (original instanceof DomainError && CLIENT_ERROR_CODES.has(original.code)) {
    return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
  }
  const code = formatted.extensions?.code;
  if (!(original instanceof DomainError) && typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    return formatted;
  }
  console.error(
    `internal error at ${formatted.path?.join(".") ?? "request"}: ${(original as Error)?.name ?? "Error"}`,
    {
      status: (original as { statusCode?: unknown })?.statusCode,
    },
  );
  return { message: "Internal server error", ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/**
 * The composition root of one Gatehouse instance: everything that lives for the process is created here and
 * passed down. Fetches the Management token before it answers, so bad Auth0 credentials stop start-up.
 */
export async function createGatehouse(options: GatehouseOptions): Promise<Gatehouse> {
  const cache = createCache(options.cacheUrl, options.cacheNamespace);
  const closeCache = () => cache.disconnect().catch(() => undefined);
  const store = await createStore(options.store ?? {}).catch(async (error: unknown) => {
    await closeCache();
    throw error;
  });
  try {
    return await assembleGatehouse(options, cache, store);
  } catch (error) {
    // Nothing opened for a Gatehouse that could not start stays open.
    await store.close();
    await closeCache();
    throw error;
  }
}

async function assembleGatehouse(options: GatehouseOptions, cache: Keyv, store: Store): Promise<Gatehouse> {
  const tokens = new ManagementTokenSupplier(
    { issuer: options.issuer, clientId: options.clientId, clientSecret: options.clientSecret },
    cache,
  );
  try {
    await tokens.getToken();
  } catch (error) {
    throw new Error(
      `Auth0 did not give Gatehouse a Management API token: check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and its client grant (${(error as Error).message})`,
      { cause: error },
    );
  }
  const auth0 = { issuer: options.issuer, audience: options.audience, token: tokens.getToken };
  const management = new Auth0Management(auth0);
  const settings = { ...DIRECTORY_DEFAULTS, ...options.directory };
  // The background sync reads through a pacer, so it never takes more than its share of any rate limit.
  const pacer = new RateLimitPacer({ share: settings.rateLimitShare });
  const sync = new DirectorySync(
    new Auth0Management({ ...auth0, fetch: pacer.fetch }),
    management,
    store.directory,
    cache,
    {
      audience: options.audience,
    },
  );
  const events = new DirectoryEvents(store.directory, sync);
  const directory = new DirectoryRunner(sync, store.directory, events.counters, {
    fullPassIntervalMs: settings.fullPassIntervalMs,
    changedUsersIntervalMs: settings.changedUsersIntervalMs,
    importRetryDelayMs: settings.importRetryDelayMs,
    log: options.log ?? (() => undefined),
  });
  const apiKeys = new ApiKeyExchange({ issuer: options.issuer, audience: options.audience }, cache);
  const apiKeyChecks = new ApiKeyChecks(store.apiKeys, store.auditLog, options.apiKeys?.now);
  const plans = new PlanService(store, options.plans?.now);
  const services = {
    plans,
    users: new UserService(management, store, sync, plans),
    apiKeys: new ApiKeyService(management, store, sync, apiKeys, options.audience, plans, options.apiKeys),
    integrations: new IntegrationService(management, store, plans),
  };
  const verifier = new AccessTokenVerifier({ issuer: options.issuer, audience: options.audience });
  const spaClientIds = new Set(options.spaClientIds ?? DEFAULT_SPA_CLIENT_IDS);
  const readCache = new DirectoryReadCache(store.directory);
  /** A request's caller is resolved against the directory as that request sees it. */
  const callersFor = (directory: DirectoryReader) =>
    new CallerResolver(verifier, apiKeys, apiKeyChecks, directory, sync, store.integrations, spaClientIds);

  const typeDefs = loadTypeDefs();
  const resolvers = protectResolvers(
    buildSchema(typeDefs),
    allResolvers() as Record<string, Record<string, unknown>>,
    permissions as unknown as Parameters<typeof protectResolvers>[2],
    (field, args, context) =>
      recordRefusedMutation(store.auditLog, context, field, args, (userId) =>
        context.loaders.tenantsOfUser.load(userId),
      ),
  );
  const auditSettings = { ...AUDIT_DEFAULTS, ...options.audit };
  const auditRetention = new AuditRetention(store.auditLog, auditSettings.retentionDays, auditSettings.now);

  // Request ids are kept in audit events, so they must not repeat across instances or restarts.
  const app = Fastify({ logger: false, bodyLimit: 1_000_000, genReqId: () => randomUUID() });
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    // Browsers on these origins (the SPA) may call the API; bearer tokens, so no cookies are allowed.
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ["GET", "POST"],
      allowedHeaders: ["authorization", "content-type", "apollo-require-preflight"],
      maxAge: 600,
    });
  }
  // Every tenant shares one Auth0 rate limit, so no caller may send an arbitrarily deep, wide or aliased query.
  const armor = new ApolloArmor({
    maxDepth: { n: 10 },
    maxAliases: { n: 20 },
    costLimit: { maxCost: 5000 },
    maxTokens: { n: 2000 },
  }).protect();
  const plugins: ApolloServerPlugin<GatehouseContext>[] = [
    fastifyApolloDrainPlugin(app),
    ...(armor.plugins as ApolloServerPlugin<GatehouseContext>[]),
    // A mutation reads what it wrote: past its writes, the version the request read is stale.
    {
      requestDidStart: async () => ({
        didResolveOperation: async ({ operation, contextValue }) => {
          if (operation?.operation === "mutation") contextValue.directory.readFresh();
        },
      }),
    },
  ];
  // Apollo's own landing page loads from a CDN; browsers get the self-hosted playground instead.
  plugins.push(ApolloServerPluginLandingPageDisabled());
  const apollo = new ApolloServer<GatehouseContext>({
    typeDefs,
    resolvers,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins,
    validationRules: armor.validationRules,
    allowBatchedHttpRequests: false,
    // main.ts owns the process's signals and closes the HTTP server, Apollo and Auth0 in order.
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  const graphqlHandler = fastifyApolloHandler(apollo, {
    context: async (request) => ({
      caller: request.caller as Caller,
      requestId: request.id,
      directory: request.directory as RequestDirectory,
      loaders: createLoaders(request.directory as RequestDirectory),
      services,
      store,
      directoryStatus: () => directory.status(),
      _shield: { cache: {} },
    }),
  });

  // Liveness: the process answers. Readiness: it can serve, which needs the directory's first import.
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) =>
    directory.ready
      ? { status: "ready" }
      : reply.code(503).header("retry-after", "5").send({ status: "importing the Auth0 directory" }),
  );

  if (options.eventsToken) {
    const secret = options.eventsToken;
    app.post("/auth0/events", { bodyLimit: 1_000_000 }, async (request, reply) => {
      if (!isAuthorizedDelivery(request.headers.authorization, secret)) {
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="gatehouse-events"')
          .send({ error: "unauthorized" });
      }
      let delivery;
      try {
        delivery = parseDelivery(request.body);
      } catch (error) {
        if (error instanceof MalformedEventError) return reply.code(400).send({ error: error.message });
        throw error;
      }
      try {
        await events.apply(delivery);
      } catch (error) {
        if (error instanceof MalformedEventError) return reply.code(400).send({ error: error.message });
        // Not applied: Auth0 delivers again later, and the directory is written idempotently.
        console.error(
          `directory: an event could not be applied (${(error as Error).name}); Auth0 will retry`,
        );
        return reply.code(503).send({ error: "try again" });
      }
      return reply.code(204).send();
    });
  }

  if (options.postLogin) {
    const { secret, limits, now } = options.postLogin;
    registerPostLoginClaims(
      app,
      { secret, limits: { ...POST_LOGIN_LIMIT_DEFAULTS, ...limits }, ...(now ? { now } : {}) },
      { plans, directory: store.directory, isReady: () => directory.ready },
    );
  }

  /**
   * The caller of a request, resolved against the directory as that request sees it; when there is none to
   * serve (directory importing, bad credentials, Auth0 unavailable), the reply is sent here and undefined returned.
   */
  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> => {
    if (!directory.ready) {
      reply
        .code(503)
        .header("retry-after", "5")
        .send({
          errors: [
            {
              message: "Gatehouse is importing its directory from Auth0; try again shortly",
              extensions: { code: "UPSTREAM_UNAVAILABLE" },
            },
          ],
        });
      return undefined;
    }
    try {
      const requestDirectory = readCache.forRequest();
      request.directory = requestDirectory;
      request.caller = await callersFor(requestDirectory).resolve(request.headers.authorization);
      return request.caller;
    } catch (error) {
      if (error instanceof CallerUnavailableError) {
        reply
          .code(503)
          .header("retry-after", String(error.retryAfterSeconds))
          .header("cache-control", "no-store")
          .send({ errors: [{ message: error.description, extensions: { code: "UPSTREAM_UNAVAILABLE" } }] });
        return undefined;
      }
      if (!(error instanceof AuthenticationError)) throw error;
      reply
        .code(401)
        .header("www-authenticate", error.challenge)
        .header("cache-control", "no-store")
        .send({ errors: [{ message: error.description, extensions: { code: "UNAUTHENTICATED" } }] });
      return undefined;
    }
  };

  if (options.playground) registerPlayground(app, options.playground, authenticate);

  app.route({
    url: "/graphql",
    method: ["GET", "POST"],
    preHandler: async (request, reply) => {
      if (!(await authenticate(request, reply))) return reply;
    },
    // The integration types its route's reply as a string; the 401 above sends JSON on the same route.
    handler: graphqlHandler as unknown as RouteHandlerMethod,
  });

  // The runner retries a failed import itself; `ready` rejects only when the instance closes first.
  const ready = directory.start();
  ready.catch(() => undefined);

  const pruneAuditLog = () => {
    auditRetention.prune().catch((error: unknown) => {
      // Tried again at the next tick; nothing is lost by keeping old events a little longer.
      console.error(`audit retention: pruning failed (${(error as Error).name})`);
    });
  };
  const auditTimer = setInterval(pruneAuditLog, auditSettings.pruneIntervalMs);
  auditTimer.unref();

  return {
    app,
    management,
    apiKeys,
    apiKeyChecks,
    auditRetention,
    cache,
    store,
    ready,
    directory,
    managementToken: tokens.getToken,
    async close() {
      clearInterval(auditTimer);
      await directory.stop();
      await ready.catch(() => undefined);
      // Requests in flight get a grace period to finish; then their connections are cut, so a client that
      // keeps one open (CI once saw a delivery connection hold close() for 70 s) cannot hold the process.
      const cutOff = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      await app.close();
      clearTimeout(cutOff);
      await apollo.stop();
      await apiKeyChecks.close();
      await store.close();
      await cache.disconnect().catch(() => undefined);
    },
  };
}
