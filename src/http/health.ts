import type { FastifyInstance } from "fastify";
import type Keyv from "keyv";

/** A dependency readiness looks at: it throws, returns false, or takes too long, and the check fails. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<boolean | void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function passes({ check }: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([check().then((result) => result !== false), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** A round trip to the shared cache: a write and a read of a key of this instance's own. */
export function cacheRoundTrip(cache: Keyv): () => Promise<boolean> {
  return async () => {
    const value = String(Date.now());
    await cache.set("readiness-probe", value, 10_000);
    return (await cache.get<string>("readiness-probe")) !== undefined;
  };
}

/**
 * `/livez`: the process answers. `/readyz`: it can serve — the directory's first import is done and every
 * dependency answers; otherwise 503 naming the checks that failed, so a load balancer sends traffic
 * elsewhere and an operator sees why. `/healthz` is kept for what already polls it (liveness).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  options: { directoryReady: () => boolean; checks: ReadinessCheck[] },
): void {
  app.get("/livez", async () => ({ status: "ok" }));
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(
      options.checks.map(async (check) => [check.name, await passes(check)] as const),
    );
    const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "ok" : "failed"]));
    if (!options.directoryReady()) {
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({ status: "importing the Auth0 directory", checks: { ...checks, directory: "importing" } });
    }
    if (failed.length > 0) {
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({ status: `not ready: ${failed.join(", ")} unreachable`, checks });
    }
    return { status: "ready", checks: { ...checks, directory: "ok" } };
  });
}
