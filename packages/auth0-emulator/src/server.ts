import { setTimeout as sleep } from "node:timers/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import formbody from "@fastify/formbody";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { EmulatorContext, EmulatorOptions, PostLoginHook } from "./context.js";
import { registerControlRoutes } from "./control-routes.js";
import { Controls } from "./controls.js";
import { ManagementError, OAuthError } from "./errors.js";
import { EventStreamDispatcher } from "./event-streams.js";
import { KeyRing } from "./keys.js";
import { registerManagementApi } from "./management/index.js";
import { registerAuthorizeFlow } from "./oauth/authorize.js";
import { registerDiscovery } from "./oauth/discovery.js";
import { registerTokenEndpoint } from "./oauth/token.js";
import { registerUserInfo } from "./oauth/userinfo.js";
import { resolveSeed } from "./seed.js";
import { EmulatorStore } from "./store.js";

export type { EmulatorOptions, PostLoginHook } from "./context.js";
export {
  RATE_LIMIT_PROFILE_NAMES,
  isRateLimitProfileName,
  type RateLimitProfileName,
} from "./rate-limits.js";

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** `http://127.0.0.1:<port>/`. */
  issuer: string;
  port: number;
  context: EmulatorContext;
  /**
   * Sets (or, with undefined, removes) the post-login hook: for a hook whose URL is only known once the
   * emulator runs, such as a Gatehouse started after it.
   */
  setPostLoginHook(hook: PostLoginHook | undefined): void;
  close(): Promise<void>;
}

const MANAGEMENT_PREFIX = "/api/v2/";

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

function installHooks(app: FastifyInstance, ctx: EmulatorContext): void {
  /** Requests served whose answer a fault holds back (a lost answer), and for how long. */
  const heldAnswers = new WeakMap<object, number>();
  app.addHook("onSend", async (request) => {
    const delayMs = heldAnswers.get(request);
    if (delayMs) await sleep(delayMs);
  });
  app.addHook("onRequest", async (request, reply) => {
    const path = pathOf(request.url);
    if (path.startsWith("/__emulator/")) return;
    const isManagement = path.startsWith(MANAGEMENT_PREFIX);

    if (isManagement) {
      const route = request.routeOptions.url ?? path;
      ctx.controls.countManagement(request.method, route);
      const bucket = ctx.controls.takeRateLimitToken(request.method, route);
      reply.header("x-ratelimit-limit", String(bucket.limit));
      reply.header("x-ratelimit-remaining", String(bucket.remaining));
      reply.header("x-ratelimit-reset", String(bucket.reset));
      if (!bucket.allowed) {
        // Auth0's wording for its API-wide limit; no source gave another for an endpoint's own bucket.
        return reply
          .code(429)
          .send(new ManagementError(429, "Global limit has been reached", "too_many_requests").body);
      }
    }

    const fault = await ctx.controls.takeFault(request.method, path);
    if (fault?.answerDelayMs) heldAnswers.set(request, fault.answerDelayMs);
    if (fault?.status) {
      const body =
        fault.body ??
        (isManagement
          ? new ManagementError(fault.status, "Injected fault", "injected_fault").body
          : { error: "server_error", error_description: "Injected fault" });
      return reply.code(fault.status).send(body);
    }
  });

  // Everything the Management API and the token endpoint change is written at once when persisting.
  app.addHook("onResponse", async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD" && !request.url.startsWith("/__emulator/")) {
      ctx.store.save();
    }
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof OAuthError) return reply.code(error.statusCode).send(error.body);
    if (error instanceof ManagementError) return reply.code(error.statusCode).send(error.body);
    const fastifyError = error as FastifyError;
    const status = fastifyError.statusCode ?? 500;
    if (status >= 500) request.log.error(error);
    if (pathOf(request.url).startsWith(MANAGEMENT_PREFIX)) {
      const message = status < 500 ? `Payload validation error: ${error.message}` : "Internal error";
      return reply
        .code(status)
        .send(new ManagementError(status, message, status < 500 ? "invalid_body" : undefined).body);
    }
    const description = status < 500 ? error.message : "Internal error";
    return reply
      .code(status)
      .send({ error: status < 500 ? "invalid_request" : "server_error", error_description: description });
  });

  app.setNotFoundHandler((request, reply) => {
    if (pathOf(request.url).startsWith(MANAGEMENT_PREFIX)) {
      return reply.code(404).send(new ManagementError(404, "Not Found").body);
    }
    return reply.code(404).send({ error: "not_found", error_description: "Not Found" });
  });
}

/**
 * Starts a local Auth0 on `host:port` (port 0 picks a free one). The HTTP server listens before the
 * routes are built because the issuer, and with it the Management audience in the seed, contains the port;
 * a request arriving in between waits for the routes (or is answered 503 if the start fails).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? "127.0.0.1";
  let server: Server | undefined;
  let routesReady = false;
  let settleStart: (ok: boolean) => void = () => {};
  const started = new Promise<boolean>((resolve) => (settleStart = resolve));
  const app = Fastify({
    logger: false,
    serverFactory: (handler) => {
      server = createServer((request, response) => {
        if (routesReady) return handler(request, response);
        void started.then((ok) => {
          if (ok) return handler(request, response);
          response.writeHead(503, { "content-type": "application/json", connection: "close" });
          response.end(
            JSON.stringify({ error: "server_error", error_description: "The emulator did not start" }),
          );
        });
      });
      return server;
    },
  });
  if (!server) throw new Error("Fastify did not create the HTTP server");
  const httpServer = server;
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const displayHost = host.includes(":") ? `[${host}]` : host;
  const issuer = `http://${displayHost}:${port}/`;

  let ctx: EmulatorContext;
  try {
    ctx = await buildContext(app, options, issuer, displayHost, port);
  } catch (error) {
    // An unreadable state file: give the port back rather than hold it with a server that never answers.
    settleStart(false);
    httpServer.close();
    throw error;
  }
  routesReady = true;
  settleStart(true);

  return {
    url: issuer.slice(0, -1),
    issuer,
    port,
    context: ctx,
    setPostLoginHook(hook) {
      ctx.postLoginHook = hook;
    },
    async close() {
      ctx.events.close();
      await app.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) =>
        httpServer.listening ? httpServer.close(() => resolve()) : resolve(),
      );
    },
  };
}

/** The emulator's state, keys and routes, on a server already listening at `issuer`. */
async function buildContext(
  app: FastifyInstance,
  options: EmulatorOptions,
  issuer: string,
  displayHost: string,
  port: number,
): Promise<EmulatorContext> {
  const store = new EmulatorStore(issuer, options.dataDir, resolveSeed(options.seed, issuer));
  const keys = new KeyRing(store, options.keyGraceSeconds ?? 3600);
  await keys.ensureKey();
  const ctx: EmulatorContext = {
    options,
    issuer,
    managementAudience: `${issuer}api/v2/`,
    store,
    keys,
    controls: new Controls(options.rateLimitProfile ?? "off"),
    // Auth0's source is `urn:auth0:<tenant>.<domain>`; the emulator's tenant is its host and port.
    events: new EventStreamDispatcher(store, `urn:auth0:${displayHost}:${port}`, {
      retryDelayMs: options.eventRetryDelayMs ?? 1000,
      timeoutMs: options.eventDeliveryTimeoutMs ?? 10_000,
    }),
    postLoginHook: options.postLoginHook,
    transactions: new Map(),
  };

  await app.register(formbody);
  installHooks(app, ctx);
  registerDiscovery(app, ctx);
  registerTokenEndpoint(app, ctx);
  registerUserInfo(app, ctx);
  registerAuthorizeFlow(app, ctx);
  registerManagementApi(app, ctx);
  registerControlRoutes(app, ctx);
  await app.ready();
  return ctx;
}
