import Fastify, { type FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { routeOf } from "../directory/pacer.js";
import type { DirectoryStatus } from "../directory/status.js";

/**
 * Client-chosen operation names become label values; past this many distinct names, new ones count as
 * `other`, so a client sending random names cannot grow the metrics without bound.
 */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Gatehouse's Prometheus metrics, one registry per instance: tests start several instances in one process,
 * and each must count only its own requests.
 */
export class GatehouseMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly requests = new Counter({
    name: "gatehouse_http_requests_total",
    help: "HTTP requests answered, by route, GraphQL operation (type and name) and status",
    labelNames: ["route", "operation_type", "operation", "status"] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: "gatehouse_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route and GraphQL operation type",
    labelNames: ["route", "operation_type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly credentialRefusals = new Counter({
    name: "gatehouse_credential_refusals_total",
    help: "Requests refused for their credentials (HTTP 401), by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly throttled = new Counter({
    name: "gatehouse_throttled_requests_total",
    help: "Requests answered 429, by the limit they met",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  readonly managementCalls = new Counter({
    name: "gatehouse_auth0_management_calls_total",
    help: "Calls to the Auth0 Management API, by endpoint (method and route) and HTTP status",
    labelNames: ["endpoint", "status"] as const,
    registers: [this.registry],
  });

  readonly rateLimitRemaining = new Gauge({
    name: "gatehouse_auth0_ratelimit_remaining",
    help: "The x-ratelimit-remaining of the last Auth0 Management API answer, by endpoint",
    labelNames: ["endpoint"] as const,
    registers: [this.registry],
  });

  readonly cacheLookups = new Counter({
    name: "gatehouse_cache_lookups_total",
    help: "In-process cache look-ups by cache and result (hit or miss); the hit ratio is hit / all",
    labelNames: ["cache", "result"] as const,
    registers: [this.registry],
  });

  readonly apiKeyExchanges = new Counter({
    name: "gatehouse_api_key_exchanges_total",
    help: "API-key credentials exchanged with Auth0 (client-credentials grant), by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor(directoryStatus: () => Promise<DirectoryStatus>) {
    const readStatus = () => directoryStatus().catch(() => null);
    new Gauge({
      name: "gatehouse_directory_sync_lag_seconds",
      help: "Seconds since the directory's last full pass over Auth0 (reconciliation); absent before the first",
      registers: [this.registry],
      async collect() {
        const status = await readStatus();
        if (status?.lastFullPassAt) this.set((Date.now() - Date.parse(status.lastFullPassAt)) / 1000);
      },
    });
    new Gauge({
      name: "gatehouse_directory_event_lag_seconds",
      help: "Seconds between the last Auth0 event's time and its arrival; absent before the first event",
      registers: [this.registry],
      async collect() {
        const status = await readStatus();
        if (status?.eventLagSeconds !== null && status?.eventLagSeconds !== undefined)
          this.set(status.eventLagSeconds);
      },
    });
    new Gauge({
      name: "gatehouse_directory_ready",
      help: "1 once the directory holds a complete import of Auth0, 0 before",
      registers: [this.registry],
      async collect() {
        this.set((await readStatus())?.ready ? 1 : 0);
      },
    });
  }

  /** The label an operation name is counted under. */
  operationLabel(name: string | undefined): string {
    if (!name) return "anonymous";
    if (!OPERATION_NAME.test(name)) return "other";
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(name);
    return name;
  }

  /**
   * A `fetch` for the `auth0` SDK that counts each Management API call by endpoint and status, records the
   * bucket's remaining calls, and tells `onCall` (the request's own count).
   */
  observeManagement(inner: typeof fetch, onCall: () => void): typeof fetch {
    return async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const endpoint = routeOf(init?.method ?? (input instanceof Request ? input.method : "GET"), url);
      onCall();
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (error) {
        this.managementCalls.inc({ endpoint, status: "network_error" });
        throw error;
      }
      this.managementCalls.inc({ endpoint, status: String(response.status) });
      const remaining = Number(response.headers.get("x-ratelimit-remaining") ?? Number.NaN);
      if (Number.isFinite(remaining)) this.rateLimitRemaining.set({ endpoint }, remaining);
      return response;
    };
  }

  cacheLookup(cache: string): (hit: boolean) => void {
    return (hit) => this.cacheLookups.inc({ cache, result: hit ? "hit" : "miss" });
  }
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

/**
 * `GET /metrics` in Prometheus' text format. On the API port it answers loopback callers only (a sidecar or
 * a local agent), so the metrics are not public where the API is; METRICS_PORT gives them a port of their own.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: GatehouseMetrics,
  options: { loopbackOnly: boolean },
): void {
  app.get("/metrics", async (request, reply) => {
    if (options.loopbackOnly && !LOOPBACK.has(request.socket.remoteAddress ?? "")) {
      return reply.code(404).send({ error: "not found" });
    }
    return reply.header("content-type", metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** A server of its own for `/metrics` (METRICS_PORT), so the API's port need not expose them. */
export async function serveMetrics(
  metrics: GatehouseMetrics,
  listen: { port: number; host: string },
): Promise<{ address: string; close: () => Promise<void> }> {
  const server = Fastify({ logger: false });
  registerMetricsRoute(server, metrics, { loopbackOnly: false });
  const address = await server.listen(listen);
  return { address, close: () => server.close() };
}
