import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "./context.js";
import type { FaultSpec, RateLimitSpec } from "./controls.js";
import type { DeliveryFaults } from "./event-streams.js";
import { isRateLimitProfileName, RATE_LIMIT_PROFILE_NAMES } from "./rate-limits.js";

function isLoopback(address: string | undefined): boolean {
  return (
    address === "127.0.0.1" ||
    address === "::1" ||
    address === "::ffff:127.0.0.1" ||
    Boolean(address?.startsWith("127."))
  );
}

/** What is wrong with an event-stream fault spec, if anything: a typo should fail the test that sets it. */
function deliveryFaultsProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body is a JSON object";
  const known = ["dropNext", "duplicate", "delayMs", "reorder"];
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) return `unknown settings ${unknown.join(", ")} (known: ${known.join(", ")})`;
  if (Object.keys(body).length === 0) return `give at least one of ${known.join(", ")}`;
  for (const key of ["dropNext", "delayMs"]) {
    const value = body[key];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value >= 0)) {
      return `${key} must be a whole number >= 0`;
    }
  }
  for (const key of ["duplicate", "reorder"]) {
    if (body[key] !== undefined && typeof body[key] !== "boolean") return `${key} must be true or false`;
  }
  return undefined;
}

/** Test controls under `/__emulator/`, answered only to loopback callers. */
export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.register(
    async (controls) => {
      controls.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
        if (!isLoopback(request.socket.remoteAddress)) {
          await reply
            .code(403)
            .send({ error: "forbidden", message: "emulator controls answer loopback callers only" });
        }
      });

      controls.get("/stats", async () => ctx.controls.stats);
      controls.delete("/stats", async (_request, reply) => {
        ctx.controls.resetStats();
        return reply.code(204).send();
      });

      controls.post<{ Body: FaultSpec }>("/faults", async (request, reply) => {
        try {
          const id = ctx.controls.addFault(request.body ?? ({} as FaultSpec));
          return reply.code(201).send({ id });
        } catch (error) {
          return reply.code(400).send({ error: "invalid_fault", message: (error as Error).message });
        }
      });
      controls.delete("/faults", async (_request, reply) => {
        ctx.controls.clearFaults();
        return reply.code(204).send();
      });

      controls.get("/rate-limit", async () => ctx.controls.describeRateLimit());
      controls.post<{ Body: Partial<RateLimitSpec> & { enabled?: boolean; profile?: unknown } }>(
        "/rate-limit",
        async (request, reply) => {
          const body = request.body ?? {};
          const invalid = (message: string) => reply.code(400).send({ error: "invalid_rate_limit", message });
          if (body.profile !== undefined) {
            if (!isRateLimitProfileName(body.profile)) {
              return invalid(`profile must be one of ${RATE_LIMIT_PROFILE_NAMES.join(", ")}`);
            }
            if (
              body.limit !== undefined ||
              body.refillPerSecond !== undefined ||
              body.enabled !== undefined
            ) {
              return invalid("give a profile, or limit and refillPerSecond, not both");
            }
            ctx.controls.setRateLimitProfile(body.profile);
            return reply.code(204).send();
          }
          if (body.enabled === false) {
            ctx.controls.setRateLimit(undefined);
            return reply.code(204).send();
          }
          const { limit, refillPerSecond } = body;
          if (
            !Number.isFinite(limit) ||
            !Number.isFinite(refillPerSecond) ||
            !(limit! >= 1) ||
            !(refillPerSecond! > 0)
          ) {
            return invalid("give limit >= 1 and refillPerSecond > 0, or enabled: false");
          }
          ctx.controls.setRateLimit({ limit: limit!, refillPerSecond: refillPerSecond! });
          return reply.code(204).send();
        },
      );

      controls.get("/event-streams", async () => ctx.events.describe());
      controls.post<{ Body: Partial<DeliveryFaults> }>("/event-streams/faults", async (request, reply) => {
        const body = request.body ?? {};
        const problem = deliveryFaultsProblem(body);
        if (problem) return reply.code(400).send({ error: "invalid_event_fault", message: problem });
        Object.assign(ctx.events.faults, body);
        return reply.code(204).send();
      });
      controls.delete("/event-streams/faults", async (_request, reply) => {
        ctx.events.clearFaults();
        return reply.code(204).send();
      });
      controls.post("/event-streams/release", async (_request, reply) => {
        ctx.events.release();
        return reply.code(204).send();
      });
      controls.post<{ Body: { timeoutMs?: unknown } }>("/event-streams/flush", async (request, reply) => {
        const timeoutMs = request.body?.timeoutMs ?? 30_000;
        if (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 0) {
          return reply
            .code(400)
            .send({ error: "invalid_flush", message: "timeoutMs must be a whole number of milliseconds" });
        }
        const idle = await ctx.events.flush(timeoutMs);
        const { pending, held } = ctx.events.describe();
        if (!idle) {
          return reply.code(504).send({
            error: "flush_timeout",
            message: `${pending} deliveries still under way after ${timeoutMs} ms`,
            pending,
            held,
          });
        }
        return { pending, held };
      });

      controls.post("/rotate-keys", async () => ctx.keys.rotate());

      controls.post("/reset", async (_request, reply) => {
        ctx.store.reset();
        ctx.transactions.clear();
        ctx.controls.clearFaults();
        ctx.controls.resetRateLimit();
        ctx.controls.resetStats();
        ctx.events.reset();
        return reply.code(204).send();
      });
    },
    { prefix: "/__emulator" },
  );
}
