import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "./context.js";
import type { FaultSpec, RateLimitSpec } from "./controls.js";

function isLoopback(address: string | undefined): boolean {
  return (
    address === "127.0.0.1" ||
    address === "::1" ||
    address === "::ffff:127.0.0.1" ||
    Boolean(address?.startsWith("127."))
  );
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

      controls.post<{ Body: Partial<RateLimitSpec> & { enabled?: boolean } }>(
        "/rate-limit",
        async (request, reply) => {
          const body = request.body ?? {};
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
            return reply.code(400).send({
              error: "invalid_rate_limit",
              message: "give limit >= 1 and refillPerSecond > 0, or enabled: false",
            });
          }
          ctx.controls.setRateLimit({ limit: limit!, refillPerSecond: refillPerSecond! });
          return reply.code(204).send();
        },
      );

      controls.post("/rotate-keys", async () => ctx.keys.rotate());

      controls.post("/reset", async (_request, reply) => {
        ctx.store.reset();
        ctx.transactions.clear();
        ctx.controls.clearFaults();
        ctx.controls.setRateLimit(undefined);
        ctx.controls.resetStats();
        return reply.code(204).send();
      });
    },
    { prefix: "/__emulator" },
  );
}
