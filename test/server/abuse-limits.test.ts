import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BoundedMemoryStore, createCache, IN_PROCESS_CACHE_MAX_ENTRIES } from "../../src/cache.js";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import {
  basic,
  bearer,
  startInstance,
  startStack,
  type EmulatorStats,
  type Stack,
} from "../support/stack.js";

const CACHE_URL = process.env.CACHE_URL ?? "redis://127.0.0.1:6379";
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

function tokenRequests(stats: EmulatorStats): number {
  return Object.values(stats.tokenRequests).reduce((sum, count) => sum + count, 0);
}

async function viewer(url: string, authorization?: string) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query: "{ viewer { kind } }" }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, headers: response.headers, code: body.errors?.[0]?.extensions?.code };
}

describe("in-process caches", () => {
  it("hold no more than their cap after 50,000 distinct entries", async () => {
    const cache = createCache(undefined, `cap-test-${randomBytes(4).toString("hex")}`);
    for (let i = 0; i < 50_000; i += 1) await cache.set(`rejected:${i}`, true, 30_000);
    const held = (cache.store as BoundedMemoryStore).size;
    expect(held).toBe(IN_PROCESS_CACHE_MAX_ENTRIES);
    expect(IN_PROCESS_CACHE_MAX_ENTRIES).toBeLessThan(50_000);
    // The newest are kept, the oldest evicted.
    expect(await cache.get("rejected:49999")).toBe(true);
    expect(await cache.get("rejected:0")).toBeUndefined();
  });

  it("drop an entry when its time-to-live is over", async () => {
    const store = new BoundedMemoryStore(10);
    store.set("short", "value", 20);
    store.set("kept", "value");
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(store.get("short")).toBeUndefined();
    expect(store.get("kept")).toBe("value");
  });
});

describe("made-up API keys", () => {
  it("2,000 requests with distinct made-up Basic credentials cost Auth0 no token request at all", async () => {
    await stack.resetStats();
    const statuses: number[] = [];
    for (let batch = 0; batch < 40; batch += 1) {
      const results = await Promise.all(
        Array.from({ length: 50 }, () =>
          viewer(
            stack.url,
            basic(`bogus-${randomBytes(8).toString("hex")}`, randomBytes(16).toString("hex")),
          ),
        ),
      );
      statuses.push(...results.map((result) => result.status));
    }
    expect(statuses).toHaveLength(2000);
    expect(statuses.every((status) => status === 401)).toBe(true);
    // The directory holds every client once imported: an id it does not hold never reaches /oauth/token.
    expect(tokenRequests(await stack.stats())).toBe(0);
  }, 120_000);

  it("wrong secrets for a real client are exchanged until the per-source limit, then answered 429, never 401", async () => {
    const limited = await startInstance(stack, { rateLimits: { apiKeyExchangesPerSourcePerMinute: 5 } });
    try {
      await stack.resetStats();
      const results = [];
      for (let i = 0; i < 8; i += 1) {
        results.push(
          await viewer(limited.url, basic("acme-backend", `wrong-${randomBytes(8).toString("hex")}`)),
        );
      }
      expect(results.map((result) => result.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      const throttled = results[5];
      expect(throttled?.code).toBe("RATE_LIMITED");
      expect(Number(throttled?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(throttled?.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(throttled?.headers.get("ratelimit-policy")).toBe('"api-key-exchange-per-source";q=5;w=60');
      expect(tokenRequests(await stack.stats())).toBe(5);
      // The right secret, never exchanged on this instance, waits too: the limit counts exchanges, not outcomes.
      expect((await viewer(limited.url, basic("acme-backend", "acme-backend-secret"))).status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it("exchanges are limited overall as well as per source", async () => {
    const limited = await startInstance(stack, {
      rateLimits: { apiKeyExchangesPerSourcePerMinute: 100, apiKeyExchangesPerMinute: 2 },
    });
    try {
      expect((await viewer(limited.url, basic("acme-backend", "acme-backend-secret"))).status).toBe(200);
      expect((await viewer(limited.url, basic("globex-backend", "globex-backend-secret"))).status).toBe(200);
      const third = await viewer(limited.url, basic("acme-backend", "wrong-secret-0123456789"));
      expect(third.status).toBe(429);
      expect(third.headers.get("ratelimit-policy")).toBe('"api-key-exchange";q=2;w=60');
      // The two keys exchanged before the limit keep working from the cache.
      expect((await viewer(limited.url, basic("acme-backend", "acme-backend-secret"))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("per-caller request limits", () => {
  it("a user past their limit gets 429 with Retry-After and RateLimit headers; another user is unaffected", async () => {
    const limited = await startInstance(stack, { rateLimits: { perUserPerMinute: 3 } });
    try {
      const member = bearer(await stack.userToken("member@acme.test"));
      const admin = bearer(await stack.userToken("admin@acme.test"));
      const first = await viewer(limited.url, member);
      expect(first.status).toBe(200);
      expect(first.headers.get("ratelimit-policy")).toBe('"user";q=3;w=60');
      expect(first.headers.get("ratelimit")).toMatch(/^"user";r=2;t=\d+$/);
      expect((await viewer(limited.url, member)).status).toBe(200);
      expect((await viewer(limited.url, member)).status).toBe(200);
      const refused = await viewer(limited.url, member);
      expect(refused.status).toBe(429);
      expect(refused.code).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get("ratelimit")).toMatch(/^"user";r=0;t=\d+$/);
      expect((await viewer(limited.url, admin)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("an API key and a tenant have limits of their own", async () => {
    const limited = await startInstance(stack, {
      rateLimits: { perApiKeyPerMinute: 2, perTenantPerMinute: 4 },
    });
    try {
      const acmeKey = basic("acme-backend", "acme-backend-secret");
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await viewer(limited.url, acmeKey)).status);
      expect(statuses).toEqual([200, 200, 429]);
      // Acme has used 3 of its 4: one more of its users gets through, the next is refused for the tenant.
      const member = bearer(await stack.userToken("member@acme.test"));
      expect((await viewer(limited.url, member)).status).toBe(200);
      const overTenant = await viewer(limited.url, member);
      expect(overTenant.status).toBe(429);
      expect(overTenant.headers.get("ratelimit-policy")).toBe('"tenant";q=4;w=60');
      // Globex is another tenant.
      expect((await viewer(limited.url, basic("globex-backend", "globex-backend-secret"))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("instances sharing Redis share the limit", async () => {
    const schema = randomSchema();
    const shared = {
      cacheUrl: CACHE_URL,
      cacheNamespace: `gatehouse-test-${randomBytes(6).toString("hex")}`,
      store: { databaseUrl, schema },
      rateLimits: { perUserPerMinute: 4 },
    };
    const first = await startInstance(stack, shared);
    const second = await startInstance(stack, shared);
    try {
      const member = bearer(await stack.userToken("member@acme.test"));
      const statuses = [];
      for (const instance of [first, second, first, second, first, second]) {
        statuses.push((await viewer(instance.url, member)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect((await viewer(second.url, bearer(await stack.userToken("admin@acme.test")))).status).toBe(200);
    } finally {
      await second.close();
      await first.gatehouse.cache.clear(); // this test's namespace only
      await first.close();
      await dropSchema(schema);
    }
  }, 120_000);
});
