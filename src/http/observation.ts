import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Caller } from "../caller/caller.js";
import type { RefusalReason } from "../caller/authentication-error.js";
import type { GatehouseMetrics } from "./metrics.js";

/** What one request did, gathered as it goes and written once, in its access line and the metrics. */
export interface RequestObservation {
  log: FastifyBaseLogger;
  sourceIp: string;
  operationName?: string;
  operationType?: string;
  errorCodes: Set<string>;
  refusal?: { reason: RefusalReason; description: string };
  /** Calls this request made to the Auth0 Management API (writes, just-in-time look-ups). */
  managementCalls: number;
}

declare module "fastify" {
  interface FastifyRequest {
    observation?: RequestObservation;
  }
}

/**
 * Per-request observation for code that has no request in hand (the Management API's `fetch`, the API-key
 * exchange, Apollo's error formatting): an AsyncLocalStorage entered before the route's own hooks run.
 */
export class RequestObservations {
  private readonly storage = new AsyncLocalStorage<RequestObservation>();

  current(): RequestObservation | undefined {
    return this.storage.getStore();
  }

  /**
   * Starts observing every request of `app`, and writes its one access line when it is answered. The
   * storage is entered in `preValidation`, after the body is read: a body's stream events would not carry
   * a context entered before.
   */
  register(app: FastifyInstance, metrics: GatehouseMetrics): void {
    app.addHook("onRequest", async (request) => {
      request.observation = {
        log: request.log,
        sourceIp: request.ip,
        errorCodes: new Set(),
        managementCalls: 0,
      };
    });
    app.addHook("preValidation", (request, _reply, done) => {
      if (request.observation) this.storage.run(request.observation, done);
      else done();
    });
    app.addHook("onResponse", async (request, reply) => writeAccessLine(request, reply, metrics));
  }
}

function callerFields(caller: Caller | undefined) {
  if (!caller) return {};
  return {
    callerKind: caller.kind,
    // A user's id, or the machine client's; a partner's requests name both.
    ...(caller.userId ? { subject: caller.userId } : {}),
    ...(caller.clientId ? { clientId: caller.clientId } : {}),
    ...(caller.tenantId ? { tenant: caller.tenantId } : {}),
  };
}

function writeAccessLine(request: FastifyRequest, reply: FastifyReply, metrics: GatehouseMetrics): void {
  const observation = request.observation;
  if (!observation) return;
  const route = request.routeOptions.url ?? "unmatched";
  const seconds = reply.elapsedTime / 1000;
  const status = reply.statusCode;
  const operationType = observation.operationType ?? "none";
  metrics.requests.inc({
    route,
    operation_type: operationType,
    operation: metrics.operationLabel(observation.operationName),
    status: String(status),
  });
  metrics.duration.observe({ route, operation_type: operationType }, seconds);
  // The path only: a GET query string can carry GraphQL variables, and so secrets.
  const path = request.url.split("?")[0];
  observation.log.info(
    {
      access: true,
      method: request.method,
      path,
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(observation.operationType ? { operationType: observation.operationType } : {}),
      ...(observation.operationName ? { operationName: observation.operationName } : {}),
      ...callerFields(request.caller),
      ...(observation.refusal ? { refusal: observation.refusal.reason } : {}),
      ...(observation.errorCodes.size > 0 ? { errorCodes: [...observation.errorCodes] } : {}),
      managementCalls: observation.managementCalls,
      sourceIp: observation.sourceIp,
    },
    "request",
  );
}
