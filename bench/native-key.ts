/**
 * What checking a native API key costs next to a cached bearer token, in the same run: the same query sent
 * with a native key (`Bearer gatehouse_…`), with the same key as Basic, and with an Auth0 client-credentials
 * token Gatehouse has already verified and cached. Rounds alternate between the three so that neither gets a
 * warmer machine. Also counts Auth0 calls (Management and token requests) per request: a native key must cost
 * none. Everything on 127.0.0.1 against the embedded emulator; `npm run bench -- native-key`.
 */
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { createGatehouse } from "../src/app.js";
import { startEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "../src/dev/emulator-seed.js";
import {
  AUDIENCE,
  basic,
  bearer,
  emulatorStats,
  graphqlClient,
  hasErrors,
  machineToken,
  percentile,
  userToken,
  type EmulatorStats,
} from "./support.js";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const ROUNDS = 10;
const QUERY = "{ viewer { kind clientId permissions tenant { id } } }";

const emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
const gatehouse = await createGatehouse({
  issuer: emulator.issuer,
  audience: AUDIENCE,
  clientId: "gatehouse-server",
  clientSecret: "gatehouse-server-secret",
});
await gatehouse.ready;
await gatehouse.app.listen({ port: 0, host: "127.0.0.1" });
const client = graphqlClient(
  `http://127.0.0.1:${(gatehouse.app.server.address() as AddressInfo).port}/graphql`,
  1,
);

async function createKey(admin: string, kind: "NATIVE" | "AUTH0_APPLICATION") {
  const answer = await client.query(
    admin,
    `mutation($kind: ApiKeyKind) { createApiKey(name: "bench ${kind}", scopes: ["read:users"], kind: $kind) { clientId clientSecret } }`,
    { kind },
  );
  if (hasErrors(answer)) throw new Error(`creating the ${kind} key failed: ${answer.text}`);
  return (JSON.parse(answer.text) as { data: { createApiKey: { clientId: string; clientSecret: string } } })
    .data.createApiKey;
}

function auth0Calls(before: EmulatorStats, after: EmulatorStats): number {
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
  return (
    total(after.management) -
    total(before.management) +
    total(after.tokenRequests) -
    total(before.tokenRequests)
  );
}

try {
  const admin = bearer(await userToken(emulator.issuer, "admin@acme.test", "org_acme"));
  const native = await createKey(admin, "NATIVE");
  const application = await createKey(admin, "AUTH0_APPLICATION");
  const token = await machineToken(emulator.issuer, application.clientId, application.clientSecret);
  const callers = {
    "native key, Bearer": bearer(native.clientSecret),
    "native key, Basic": basic(native.clientId, native.clientSecret),
    "cached client-credentials token": bearer(token),
  };
  const durations = new Map<string, number[]>(Object.keys(callers).map((name) => [name, []]));
  const calls = new Map<string, number>();
  for (const authorization of Object.values(callers)) {
    for (let i = 0; i < 50; i += 1) await client.query(authorization, QUERY); // warm caches and JIT
  }
  const perRound = Math.ceil(REQUESTS / ROUNDS);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, authorization] of Object.entries(callers)) {
      const before = await emulatorStats(emulator.url);
      for (let i = 0; i < perRound; i += 1) {
        const t0 = performance.now();
        const answer = await client.query(authorization, QUERY);
        durations.get(name)!.push(performance.now() - t0);
        if (answer.status !== 200 || hasErrors(answer))
          throw new Error(`${name}: ${answer.status} ${answer.text}`);
      }
      calls.set(name, (calls.get(name) ?? 0) + auth0Calls(before, await emulatorStats(emulator.url)));
    }
  }
  const rows = [...durations].map(([name, measured]) => {
    const sorted = [...measured].sort((a, b) => a - b);
    const total = measured.reduce((sum, ms) => sum + ms, 0);
    return {
      credentials: name,
      requests: measured.length,
      "p50 ms": percentile(sorted, 50).toFixed(2),
      "p95 ms": percentile(sorted, 95).toFixed(2),
      "p99 ms": percentile(sorted, 99).toFixed(2),
      "req/s": ((measured.length / total) * 1000).toFixed(0),
      "Auth0 calls": calls.get(name) ?? 0,
    };
  });
  console.table(rows);
  console.log(
    `one request at a time, ${ROUNDS} alternating rounds, PGlite in memory, server and emulator in one process (node ${process.version})`,
  );
} finally {
  client.close();
  await gatehouse.close();
  await emulator.close();
}
