/**
 * How much field-level authorization costs on a large list, and what a request costs Auth0.
 *
 * Lists 100 users of one tenant with only `allow` fields, with guarded fields that need no more data (the
 * rules' own cost), and with roles and tenants (more directory reads), one request at a time, and reports
 * latency percentiles, throughput, Management calls per request and memory. Everything runs on 127.0.0.1
 * against the embedded emulator. `npm run bench -- user-list` (bounded: a fixed number of requests).
 */
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createGatehouse } from "../src/app.js";
import { startEmulator } from "@gatehouse/auth0-emulator";
import { AUDIENCE, userToken } from "./support.js";
import { emulatorSeed } from "../src/dev/emulator-seed.js";

const USERS = 100;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

const emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
const gatehouse = await createGatehouse({
  issuer: emulator.issuer,
  audience: AUDIENCE,
  clientId: "gatehouse-server",
  clientSecret: "gatehouse-server-secret",
});
await gatehouse.ready;
await gatehouse.app.listen({ port: 0, host: "127.0.0.1" });
const url = `http://127.0.0.1:${(gatehouse.app.server.address() as AddressInfo).port}/graphql`;

async function graphql(authorization: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(`the benchmark's query failed: ${JSON.stringify(body.errors)}`);
}

async function managementCalls(): Promise<number> {
  const stats = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as {
    management: Record<string, number>;
  };
  return Object.values(stats.management).reduce((sum, count) => sum + count, 0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function measure(name: string, authorization: string, query: string) {
  await graphql(authorization, query); // warm caches and JIT
  const callsBefore = await managementCalls();
  const durations: number[] = [];
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i += 1) {
    const t0 = performance.now();
    await graphql(authorization, query);
    durations.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  const calls = (await managementCalls()) - callsBefore;
  durations.sort((a, b) => a - b);
  return {
    query: name,
    "p50 ms": percentile(durations, 50).toFixed(1),
    "p95 ms": percentile(durations, 95).toFixed(1),
    "req/s": ((REQUESTS / elapsed) * 1000).toFixed(0),
    "Mgmt calls/req": (calls / REQUESTS).toFixed(1),
  };
}

try {
  // Ada logs in through Acme's organization, as the SPA does: only that gives her Acme's permissions.
  const authorization = `Bearer ${await userToken(emulator.issuer, "admin@acme.test", "org_acme")}`;
  process.stdout.write(`creating ${USERS - 3} users in Acme…`);
  for (let i = 0; i < USERS - 3; i += 1) {
    await graphql(
      authorization,
      `mutation { createUser(input: { email: "bench${i}@acme.test", password: "Str0ng-Passw0rd!" }) { id } }`,
    );
  }
  console.log(" done");

  const rows = [
    await measure(
      "100 users, allow fields only",
      authorization,
      "{ users(first: 100) { nodes { id name picture createdAt } } }",
    ),
    await measure(
      "100 users, 4 guarded fields each",
      authorization,
      "{ users(first: 100) { nodes { id name picture createdAt email blocked lastLogin loginsCount } } }",
    ),
    await measure(
      "100 users, 6 guarded fields incl. roles",
      authorization,
      "{ users(first: 100) { nodes { id name email roles blocked lastLogin loginsCount tenant { id } } } }",
    ),
  ];
  console.table(rows);
  const memory = process.memoryUsage();
  console.log(
    `memory after ${rows.length * (REQUESTS + 1)} requests: rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB ` +
      `(server and emulator in one process; ${REQUESTS} requests per row, node ${process.version})`,
  );
} finally {
  await gatehouse.close();
  await emulator.close();
}
