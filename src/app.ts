import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import { KeyvAdapter } from "@apollo/utils.keyvadapter";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import cors from "@fastify/cors";
import Fastify, {
  LogController,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
  type RouteHandlerMethod,
  type FastifyInstance,
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
import { DEFAULT_RATE_LIMITS, DEFAULT_SPA_CLIENT_IDS, type RateLimitConfig } from "./config.js";
import { ApiKeyExchangeLimits } from "./caller/exchange-limits.js";
import { CallerRateLimits } from "./http/caller-limits.js";
import { cacheRoundTrip, registerHealthRoutes } from "./http/health.js";
import { createLogger, type LoggerSettings } from "./http/logger.js";
import { GatehouseMetrics, registerMetricsRoute } from "./http/metrics.js";
import { RequestObservations } from "./http/observation.js";
import { rateLimitHeaders, ThrottledError, windowCounterFor } from "./http/rate-limit.js";
import { graphqlInputErrors, rejectNulCharacters } from "./http/graphql-errors.js";
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
import type { DirectoryStatus } from "./directory/status.js";
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
  /** Where progress lines go (the directory's import and passes). Default: the request log, at info. */
  log?: (line: string) => void;
  /** The request log (one access line a request, refusals, internal errors). Default: silent. */
  logger?: LoggerSettings;
  /** GraphQL introspection; default on (main.ts turns it off in production unless GRAPHQL_INTROSPECTION). */
  introspection?: boolean;
  /** Requests and API-key exchanges allowed per minute; DEFAULT_RATE_LIMITS for what is not given. */
  rateLimits?: Partial<RateLimitConfig>;
  /**
   * Serve `/metrics` on the API port, to loopback callers only (default). main.ts turns it off when
   * METRICS_PORT gives the metrics a port of their own.
   */
  metricsOnApiPort?: boolean;
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

/** The most tokens a query may have: larger ones are refused unparsed. */
const MAX_QUERY_TOKENS = 2000;

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
  /** This instance's Prometheus metrics. */
  metrics: GatehouseMetrics;
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

/**
 * A request id the client sends (`x-request-id`, from a proxy or the client's own tracing) is kept when it
 * looks like an id; otherwise a fresh UUID. Request ids are kept in audit events, so generated ones must not
 * repeat across instances or restarts.
 */
function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && /^[\w.:-]{8,128}$/.test(given) ? given : randomUUID();
}

const CLIENT_ERROR_CODES = new Set([
  "RATE_LIMITED",
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

/** An error's name and message, and its causes', for the log: never its stack, never a request's data. */
function describeCause(error: unknown, depth = 0): Record<string, unknown> | undefined {
  if (!(error instanceof Error) || depth > 3) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return {
    name: error.name,
    message: error.message,
    ...(typeof status === "number" ? { status } : {}),
    ...(error.cause ? { cause: describeCause(error.cause, depth + 1) } : {}),
  };
}

/**
 * Errors with a code a client can act on pass; anything else is an internal error, logged with its cause,
 * never shown. Every code is noted on the request's observation, for its access line.
 */
export function errorFormatter(
  observations: RequestObservations,
  logger: { error: (o: object, m: string) => void },
) {
  const classify = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = (error as { originalError?: unknown }).originalError ?? error;
    const where = {
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
    };
    // The one place the domain's errors become GraphQL errors.
    if (original instanceof DomainError && CLIENT_ERROR_CODES.has(original.code)) {
      return {
        message: original.message,
        ...where,
        extensions: { code: original.code, ...original.details },
      };
    }
    const input = graphqlInputErrors(formatted, original);
    if (input) return input;
    const code = formatted.extensions?.code;
    if (!(original instanceof DomainError) && typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
      return formatted;
    }
    (observations.current()?.log ?? logger).error(
      { at: formatted.path?.join(".") ?? "request", error: describeCause(original) },
      "internal error",
    );
    return { message: "Internal server error", ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = classify(formatted, error);
    const code = result.extensions?.code;
    if (typeof code === "string") observations.current()?.errorCodes.add(code);
    return result;
  };
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
  const logger = createLogger(options.logger);
  const observations = new RequestObservations();
  // The directory runner is made below; the metrics read its status only when scraped.
  const metrics: GatehouseMetrics = new GatehouseMetrics((): Promise<DirectoryStatus> => directory.status());
  const countManagementCall = () => {
    const observation = observations.current();
    if (observation) observation.managementCalls += 1;
  };
  const auth0 = { issuer: options.issuer, audience: options.audience, token: tokens.getToken };
  const management = new Auth0Management({
    ...auth0,
    fetch: metrics.observeManagement(fetch, countManagementCall),
  });
  const settings = { ...DIRECTORY_DEFAULTS, ...options.directory };
  // The background sync reads through a pacer, so it never takes more than its share of any rate limit.
  const pacer = new RateLimitPacer({ share: settings.rateLimitShare });
  const sync = new DirectorySync(
    new Auth0Management({ ...auth0, fetch: metrics.observeManagement(pacer.fetch, countManagementCall) }),
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
    // Progress lines go to the request log (at info) unless the process routes them elsewhere.
    log: options.log ?? ((line) => logger.info(line)),
  });
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const namespace = options.cacheNamespace ?? "gatehouse";
  const windowCounter = windowCounterFor(cache, namespace);
  const exchangeLimits = new ApiKeyExchangeLimits(
    windowCounter,
    {
      perSourcePerMinute: limits.apiKeyExchangesPerSourcePerMinute,
      globalPerMinute: limits.apiKeyExchangesPerMinute,
    },
    () => observations.current()?.sourceIp,
    () => metrics.apiKeyExchanges.inc(),
  );
  const callerLimits = new CallerRateLimits(windowCounter, limits);
  const apiKeys = new ApiKeyExchange(
    { issuer: options.issuer, audience: options.audience },
    cache,
    exchangeLimits,
  );
  const apiKeyChecks = new ApiKeyChecks(store.apiKeys, store.auditLog, options.apiKeys?.now);
  const plans = new PlanService(store, options.plans?.now);
  const services = {
    plans,
    users: new UserService(management, store, sync, plans),
    apiKeys: new ApiKeyService(management, store, sync, apiKeys, options.audience, plans, options.apiKeys),
    integrations: new IntegrationService(management, store, plans),
  };
  const verifier = new AccessTokenVerifier(
    { issuer: options.issuer, audience: options.audience },
    metrics.cacheLookup("verified_tokens"),
  );
  const spaClientIds = new Set(options.spaClientIds ?? DEFAULT_SPA_CLIENT_IDS);
  const readCache = new DirectoryReadCache(store.directory, metrics.cacheLookup("directory_reads"));
  /** A request's caller is resolved against the directory as that request sees it. */
  const callersFor = (requestDirectory: RequestDirectory) =>
    new CallerResolver(
      verifier,
      apiKeys,
      apiKeyChecks,
      requestDirectory,
      sync,
      store.integrations,
      spaClientIds,
      exchangeLimits,
      () => directory.ready,
    );

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

  const app = Fastify({
    loggerInstance: logger,
    // One access line a request, written by the observation below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_000_000,
    genReqId: requestIdOf,
  }) as unknown as FastifyInstance<RawServerDefault>;
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  observations.register(app, metrics);
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
    // graphql's own parser counts tokens (parseOptions below): armor's count throws where Apollo answers 500.
    maxTokens: { enabled: false },
  }).protect();
  const plugins: ApolloServerPlugin<GatehouseContext>[] = [
    fastifyApolloDrainPlugin(app),
    ...(armor.plugins as ApolloServerPlugin<GatehouseContext>[]),
    rejectNulCharacters<GatehouseContext>(),
    {
      requestDidStart: async () => ({
        didResolveOperation: async ({ operation, operationName, contextValue }) => {
          const observation = observations.current();
          if (observation && operation) {
            observation.operationType = operation.operation;
            const name = operationName ?? operation.name?.value;
            if (name) observation.operationName = name;
          }
          // A mutation reads what it wrote: past its writes, the version the request read is stale.
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
    introspection: options.introspection ?? true,
    includeStacktraceInErrorResponses: false,
    formatError: errorFormatter(observations, logger),
    // Persisted queries are shared by every instance when there is a shared cache; else Apollo's bounded LRU.
    ...(options.cacheUrl
      ? {
          cache: new KeyvAdapter<string>(
            cache as unknown as ConstructorParameters<typeof KeyvAdapter<string>>[0],
          ),
        }
      : {}),
    plugins,
    validationRules: armor.validationRules,
    // A query over the limit is a syntax error: 400 GRAPHQL_PARSE_FAILED, before any further work.
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
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

  registerHealthRoutes(app, {
    directoryReady: () => directory.ready,
    checks: [
      { name: "store", check: () => store.ping() },
      ...(options.cacheUrl ? [{ name: "cache", check: cacheRoundTrip(cache) }] : []),
      { name: "jwks", check: () => verifier.keysReachable() },
    ],
  });
  if (options.metricsOnApiPort !== false) registerMetricsRoute(app, metrics, { loopbackOnly: true });

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
        request.log.error(
          { error: describeCause(error) },
          "directory: an event could not be applied; Auth0 will retry",
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
      request.observation?.errorCodes.add("UPSTREAM_UNAVAILABLE");
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
      if (error instanceof ThrottledError) {
        sendThrottled(request, reply, error);
        return undefined;
      }
      if (error instanceof CallerUnavailableError) {
        request.observation?.errorCodes.add("UPSTREAM_UNAVAILABLE");
        request.log.warn({ error: describeCause(error) }, "credentials could not be checked");
        reply
          .code(503)
          .header("retry-after", String(error.retryAfterSeconds))
          .header("cache-control", "no-store")
          .send({ errors: [{ message: error.description, extensions: { code: "UPSTREAM_UNAVAILABLE" } }] });
        return undefined;
      }
      if (!(error instanceof AuthenticationError)) throw error;
      if (request.observation)
        request.observation.refusal = { reason: error.reason, description: error.description };
      metrics.credentialRefusals.inc({ reason: error.reason });
      request.observation?.errorCodes.add("UNAUTHENTICATED");
      request.log.info({ reason: error.reason, description: error.description }, "credentials refused");
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
      const caller = await authenticate(request, reply);
      if (!caller) return reply;
      const decision = await callerLimits.take(caller, request.ip).catch((error: unknown) => {
        // A shared cache that does not answer must not take the API down with it: the request is served.
        request.log.warn({ error: describeCause(error) }, "the request rate limit could not be counted");
        return undefined;
      });
      if (!decision) return;
      reply.headers(rateLimitHeaders(decision));
      if (!decision.allowed) {
        return sendThrottled(
          request,
          reply,
          new ThrottledError(decision.policy.name, decision.resetSeconds, rateLimitHeaders(decision)),
        );
      }
    },
    // The integration types its route's reply as a string; the 401 above sends JSON on the same route.
    handler: graphqlHandler as unknown as RouteHandlerMethod,
  });

  // The runner retries a failed import itself; `ready` rejects only when the instance closes first.
  const ready = directory.start();
  ready.catch(() => undefined);

  /** Too many requests: 429 with `Retry-After`, never a 401 that would tell a client its key is bad. */
  function sendThrottled(request: FastifyRequest, reply: FastifyReply, error: ThrottledError) {
    metrics.throttled.inc({ limit: error.limit });
    request.observation?.errorCodes.add("RATE_LIMITED");
    request.log.info({ limit: error.limit, retryAfterSeconds: error.retryAfterSeconds }, "request throttled");
    return reply
      .code(429)
      .headers(error.headers)
      .header("cache-control", "no-store")
      .send({
        errors: [
          {
            message: `Too many requests; try again in ${error.retryAfterSeconds} s`,
            extensions: { code: "RATE_LIMITED", retryAfterSeconds: error.retryAfterSeconds },
          },
        ],
      });
  }

  const pruneAuditLog = () => {
    auditRetention.prune().catch((error: unknown) => {
      // Tried again at the next tick; nothing is lost by keeping old events a little longer.
      logger.error({ error: describeCause(error) }, "audit retention: pruning failed");
    });
  };
  const auditTimer = setInterval(pruneAuditLog, auditSettings.pruneIntervalMs);
  auditTimer.unref();

  return {
    app,
    management,
    apiKeys,
    apiKeyChecks,
    metrics,
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
