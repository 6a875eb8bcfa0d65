import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseUrl, dropSchema, randomSchema } from "../store/databases.js";
import { startStack, type Stack } from "../support/stack.js";

const CACHE_URL = process.env.CACHE_URL ?? "redis://127.0.0.1:6379";
const schema = randomSchema();
let stack: Stack;
beforeAll(async () => {
  // Postgres and Redis, so the test can break a real store under a running instance.
  stack = await startStack({
    gatehouse: {
      store: { databaseUrl, schema },
      cacheUrl: CACHE_URL,
      cacheNamespace: `gatehouse-test-${randomBytes(6).toString("hex")}`,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await dropSchema(schema);
});

async function get(path: string) {
  const response = await fetch(`${stack.url}${path}`);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe("health endpoints", () => {
  it("/readyz is 200 and names what it checked when the store, the shared cache and the JWKS answer", async () => {
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: "ready",
      checks: { store: "ok", cache: "ok", jwks: "ok", directory: "ok" },
    });
    expect((await get("/livez")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("/readyz goes 503 naming the store when the store's schema is gone, while /livez stays 200", async () => {
    await dropSchema(schema);
    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get("retry-after")).toBe("5");
    expect(notReady.body).toEqual({
      status: "not ready: store unreachable",
      checks: { store: "failed", cache: "ok", jwks: "ok" },
    });
    expect((await get("/livez")).status).toBe(200);
  });
});
