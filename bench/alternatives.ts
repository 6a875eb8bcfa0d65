/**
 * What authorization and Auth0 cost Gatehouse, against the alternatives, in one run: the same query (a
 * tenant's 50 users with id, name, email, roles, lastLogin) on the same rows, answered by
 *   1 bare     Apollo Server 5, rows from memory, no authentication or authorization;
 *   2 shield   the usual setup: the token verified with jose, Gatehouse's rules through graphql-shield's
 *              shield() over graphql-middleware (fallbackRule deny), rows from memory;
 *   3 authz    Gatehouse's own caller resolution and composed rules over the rows in memory (no store, no Auth0);
 *   3b rules   the same caller resolution and rules composed into the bare resolvers (authorization alone,
 *              without Gatehouse's resolvers and loaders);
 *   4 gatehouse Gatehouse end to end, as `npm start` runs it: PGlite, the directory, the embedded emulator on
 *              Auth0's Essentials rate limits, the event stream registered.
 * Each server runs in a process of its own; the load generator (10 connections, 127.0.0.1) and the emulator run
 * here. Rounds alternate 1,2,3,4,1,2,3,4,… so that the machine's noise hits all alike. Then: token
 * verification per request, RSS after warm-up and after 10,000 requests, a CPU profile of Gatehouse under the
 * same load (native API keys against bearer tokens are the native-key scenario). Prints a table and writes it as JSON under bench/results/.
 * `npm run bench -- alternatives`; BENCH_ROUNDS (3) and BENCH_ROUND_SECONDS (3) bound it; BENCH_PROFILE
 * (`bare`, `shield`, `authz`) profiles another contender instead of Gatehouse.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "../src/dev/emulator-seed.js";
import type { ContenderName } from "./alternatives/contenders.js";
import {
  fillTenant,
  snapshotTenant,
  TENANT_ID,
  TENANT_SIZE,
  USERS_QUERY,
  type TenantRows,
} from "./alternatives/tenant.js";
import { measureTokenVerification, type TokenVerification } from "./alternatives/token-verification.js";
import { printProfile, summarizeProfile, type CpuProfile, type ProfileSummary } from "./cpu-profile.js";
import { startServerProcess, type ServerProcess } from "./gatehouse.js";
import {
  bearer,
  emulatorStats,
  graphqlClient,
  managementApi,
  managementCalls,
  managementCallsBetween,
  mib,
  percentile,
  sendLoad,
  setRateLimitProfile,
  userToken,
  type GraphQLClient,
  type LoadRequest,
} from "./support.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 3);
const CONNECTIONS = 10;
/** Each server's warm-up: its JIT and heap settle over a few thousand requests. */
const WARM_UP = { maxRequests: 2_000, maxSeconds: 4 };
/** RSS is read after this many requests (warm-up not counted); a contender short of it gets the rest after. */
const RSS_AFTER_REQUESTS = 10_000;
const PROFILE_SECONDS = 4;
/** Whose CPU is profiled under load after the rounds: Gatehouse end to end unless BENCH_PROFILE names another. */
const PROFILED = (process.env.BENCH_PROFILE ?? "gatehouse") as Contender;
const EVENTS_TOKEN = "bench-events-secret-0123456789abcdef0123456789";
const RESULTS_DIR = new URL("./results/", import.meta.url).pathname;

const TARGETS = { authzOverBare: 0.85, authzOverShield: 1.8, repeatedVerificationMicros: 5 };

type Contender = ContenderName | "gatehouse";
const CONTENDERS: { name: Contender; title: string }[] = [
  { name: "bare", title: "1 bare Apollo Server 5" },
  { name: "shield", title: "2 Apollo + graphql-shield via graphql-middleware" },
  { name: "authz", title: "3 Gatehouse's authorization alone" },
  { name: "rules", title: "3b Gatehouse's rules on the bare resolvers" },
  { name: "gatehouse", title: "4 Gatehouse end to end" },
];

interface Tally {
  server: ServerProcess;
  client: GraphQLClient;
  rounds: { rps: number; requests: number; cpuMicrosPerRequest: number }[];
  requests: number;
  seconds: number;
  latencies: Float64Array[];
  failures: number;
  failureKinds: Record<string, number>;
  /**
   * Management API calls while the rounds ran. Only Gatehouse (4) has a Management client (the contenders'
   * directory sync is a part that throws when used), so every call the emulator counted is Gatehouse's,
   * whichever round it fell in: its background sync runs on a timer.
   */
  managementCalls: number;
  /** CPU time the server's process used in the rounds, user and system, in microseconds. */
  cpuMicros: number;
  rssAfterWarmUp: number;
  rssAfter10k?: { requests: number; rss: number };
}

function merged(arrays: Float64Array[]): Float64Array {
  const all = new Float64Array(arrays.reduce((sum, array) => sum + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    all.set(array, offset);
    offset += array.length;
  }
  return all.sort();
}

async function startServers(issuer: string, rows: TenantRows): Promise<Map<Contender, ServerProcess>> {
  const started = await Promise.allSettled(
    CONTENDERS.map(async ({ name }) => {
      const server =
        name === "gatehouse"
          ? await startServerProcess({ kind: "gatehouse", options: { issuer, eventsToken: EVENTS_TOKEN } })
          : await startServerProcess({ kind: "contender", name, options: { issuer, rows } });
      return [name, server] as const;
    }),
  );
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(servers.map(([, server]) => server.close()));
    throw failed.reason;
  }
  return new Map(servers);
}

/** Every contender answers the admin's query with Gatehouse's data: otherwise the comparison means nothing. */
async function checkSameAnswers(tallies: Map<Contender, Tally>, request: LoadRequest): Promise<void> {
  const answers = await Promise.all(
    [...tallies].map(
      async ([name, tally]) =>
        [name, await tally.client.post(request.authorization, request.payload)] as const,
    ),
  );
  const [, expected] = answers.find(([name]) => name === "gatehouse") ?? [];
  const expectedData = expected && (JSON.parse(expected.text) as { data?: unknown; errors?: unknown }).data;
  for (const [name, answer] of answers) {
    const body = JSON.parse(answer.text) as { data?: unknown; errors?: unknown };
    if (answer.status !== 200 || body.errors || JSON.stringify(body.data) !== JSON.stringify(expectedData)) {
      throw new Error(
        `${name} does not answer as Gatehouse does (${answer.status}): ${answer.text.slice(0, 300)}`,
      );
    }
  }
}

async function round(tally: Tally, request: LoadRequest, seconds: number, maxRequests = 200_000) {
  const cpuBefore = await tally.server.cpuUsage();
  const result = await sendLoad(tally.client, [request], {
    maxRequests,
    maxSeconds: seconds,
    concurrency: CONNECTIONS,
  });
  const cpuAfter = await tally.server.cpuUsage();
  const cpuMicros = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
  return { ...result, cpuMicros };
}

function row(title: string, tally: Tally) {
  const latencies = merged(tally.latencies);
  return {
    contender: title,
    requests: tally.requests,
    "req/s": Math.round(tally.requests / tally.seconds),
    "p50 ms": Number(percentile(latencies, 50).toFixed(2)),
    "p99 ms": Number(percentile(latencies, 99).toFixed(2)),
    errors: tally.failures,
    "Mgmt calls/req": Number((tally.managementCalls / tally.requests).toFixed(3)),
    "server CPU µs/req": Math.round(tally.cpuMicros / tally.requests),
    "rss warm": mib(tally.rssAfterWarmUp),
    "rss 10k": tally.rssAfter10k ? mib(tally.rssAfter10k.rss) : "—",
  };
}

function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

const emulator = await startEmulator({ port: 0, seed: emulatorSeed(), rateLimitProfile: "essentials" });
const tallies = new Map<Contender, Tally>();
try {
  const when = new Date();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, node ${process.version}`;
  console.log(
    `alternatives benchmark, ${when.toISOString()}: ${machine}; ${ROUNDS} rounds × ${ROUND_SECONDS} s per contender, ` +
      `${CONNECTIONS} connections; load average ${(loadavg()[0] ?? NaN).toFixed(1)}`,
  );

  const tokens: TokenVerification = await measureTokenVerification(emulator);
  console.log(
    `token verification: first sight ${tokens.firstSightMicros.toFixed(0)} µs, repeated ${tokens.repeatedMicros.toFixed(2)} µs ` +
      `(Gatehouse's verifier); jose on every request ${tokens.joseEveryRequestMicros.toFixed(0)} µs (the usual setup)`,
  );

  const call = await managementApi(emulator.url, emulator.issuer);
  await setRateLimitProfile(emulator.url, "off");
  await fillTenant(call);
  // Ada logs in before the rows are read: a login changes her last login, which the query shows.
  const authorization = bearer(await userToken(emulator.issuer, "admin@acme.test", TENANT_ID));
  const rows = await snapshotTenant(call);
  await setRateLimitProfile(emulator.url, "essentials");
  const request: LoadRequest = {
    label: "Ada's users",
    authorization,
    payload: JSON.stringify({ query: USERS_QUERY }),
  };

  const servers = await startServers(emulator.issuer, rows);
  for (const { name } of CONTENDERS) {
    const server = servers.get(name) as ServerProcess;
    tallies.set(name, {
      server,
      client: graphqlClient(`${server.url}/graphql`, CONNECTIONS),
      rounds: [],
      requests: 0,
      seconds: 0,
      latencies: [],
      failures: 0,
      failureKinds: {},
      managementCalls: 0,
      cpuMicros: 0,
      rssAfterWarmUp: 0,
    });
  }
  console.log(
    `${TENANT_SIZE} users in ${TENANT_ID}; Gatehouse imported its directory in ${((servers.get("gatehouse")?.importMs ?? 0) / 1000).toFixed(1)} s; ` +
      `warming up each server (${WARM_UP.maxRequests} requests or ${WARM_UP.maxSeconds} s)…`,
  );
  await checkSameAnswers(tallies, request);
  for (const tally of tallies.values()) {
    await sendLoad(tally.client, [request], { ...WARM_UP, concurrency: CONNECTIONS });
    tally.rssAfterWarmUp = (await tally.server.memory()).rss;
  }

  const managementBefore = await emulatorStats(emulator.url);
  for (let index = 0; index < ROUNDS; index += 1) {
    for (const { name } of CONTENDERS) {
      const tally = tallies.get(name) as Tally;
      const result = await round(tally, request, ROUND_SECONDS);
      tally.rounds.push({
        rps: Math.round(result.rps),
        requests: result.requests,
        cpuMicrosPerRequest: Math.round(result.cpuMicros / result.requests),
      });
      tally.requests += result.requests;
      tally.seconds += result.seconds;
      tally.latencies.push(result.latencies);
      tally.failures += result.failures;
      for (const [kind, count] of Object.entries(result.failureKinds)) {
        tally.failureKinds[kind] = (tally.failureKinds[kind] ?? 0) + count;
      }
      tally.cpuMicros += result.cpuMicros;
    }
    console.log(
      `round ${index + 1}: ${CONTENDERS.map(({ name }) => `${name} ${tallies.get(name)?.rounds.at(-1)?.rps} req/s`).join(", ")}`,
    );
  }
  const managementAfter = await emulatorStats(emulator.url);
  const managementRoutes = managementCallsBetween(managementBefore, managementAfter);
  (tallies.get("gatehouse") as Tally).managementCalls =
    managementCalls(managementAfter) - managementCalls(managementBefore);

  // Memory only, not speed, is read after these: the servers short of 10,000 requests get the rest at once.
  await Promise.all(
    [...tallies.values()].map(async (tally) => {
      const short = RSS_AFTER_REQUESTS - tally.requests;
      if (short > 0) {
        await sendLoad(tally.client, [request], {
          maxRequests: short,
          maxSeconds: 120,
          concurrency: CONNECTIONS,
        });
      }
      tally.rssAfter10k = {
        requests: Math.max(tally.requests, RSS_AFTER_REQUESTS),
        rss: (await tally.server.memory()).rss,
      };
    }),
  );

  const profiledTally = tallies.get(PROFILED);
  if (!profiledTally) throw new Error(`BENCH_PROFILE must be one of ${[...tallies.keys()].join(", ")}`);
  const profileFile = join(tmpdir(), `gatehouse-bench-${process.pid}.cpuprofile`);
  await profiledTally.server.startProfile();
  const profiled = await round(profiledTally, request, PROFILE_SECONDS);
  await profiledTally.server.stopProfile(profileFile);
  const profile: ProfileSummary = summarizeProfile(
    JSON.parse(await readFile(profileFile, "utf8")) as CpuProfile,
    15,
  );
  await rm(profileFile, { force: true });

  const table = CONTENDERS.map(({ name, title }) => row(title, tallies.get(name) as Tally));
  console.table(table);
  const rps = (name: Contender) => {
    const tally = tallies.get(name) as Tally;
    return tally.requests / tally.seconds;
  };
  const ratios = {
    authzOverBare: rps("authz") / rps("bare"),
    authzOverShield: rps("authz") / rps("shield"),
    gatehouseOverBare: rps("gatehouse") / rps("bare"),
  };
  // The same ratios from the server's own CPU time per request (requests per CPU-second): what a server
  // bound by its CPU would serve, and less moved by what else runs on a shared machine than requests/s.
  const cpuPerRequest = (name: Contender) => {
    const tally = tallies.get(name) as Tally;
    return tally.cpuMicros / tally.requests;
  };
  const cpuRatios = {
    authzOverBare: cpuPerRequest("bare") / cpuPerRequest("authz"),
    authzOverShield: cpuPerRequest("shield") / cpuPerRequest("authz"),
    gatehouseOverBare: cpuPerRequest("bare") / cpuPerRequest("gatehouse"),
  };
  for (const [basis, values] of [
    ["requests/s", ratios],
    ["server CPU per request", cpuRatios],
  ] as const) {
    console.log(
      `by ${basis}: 3÷1 ${values.authzOverBare.toFixed(2)} (target ≥ ${TARGETS.authzOverBare}: ${verdict(values.authzOverBare >= TARGETS.authzOverBare)}); ` +
        `3÷2 ${values.authzOverShield.toFixed(2)} (target ≥ ${TARGETS.authzOverShield}: ${verdict(values.authzOverShield >= TARGETS.authzOverShield)}); ` +
        `4÷1 ${values.gatehouseOverBare.toFixed(2)}`,
    );
  }
  console.log(
    `repeated token verification ${tokens.repeatedMicros.toFixed(2)} µs ` +
      `(target ≤ ${TARGETS.repeatedVerificationMicros} µs: ${verdict(tokens.repeatedMicros <= TARGETS.repeatedVerificationMicros)})`,
  );
  for (const [name, tally] of tallies) {
    if (tally.failures > 0) console.log(`failures (${name}):`, tally.failureKinds);
  }
  if (Object.keys(managementRoutes).length > 0) {
    console.log("Management calls while the rounds ran (all Gatehouse's):", managementRoutes);
  }
  console.log("native API key vs bearer token: see the native-key scenario (npm run bench -- native-key)");
  console.log(
    `\nCPU profile of ${PROFILED} under the same load (${PROFILE_SECONDS} s, ${profiled.requests} requests, ` +
      `${Math.round(profiled.rps)} req/s while profiled):`,
  );
  printProfile(profile);

  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `alternatives-${when.toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        at: when.toISOString(),
        machine,
        loadAverageAfter: loadavg()[0],
        rounds: ROUNDS,
        roundSeconds: ROUND_SECONDS,
        connections: CONNECTIONS,
        query: USERS_QUERY,
        table,
        perRound: Object.fromEntries([...tallies].map(([name, tally]) => [name, tally.rounds])),
        ratios,
        cpuRatios,
        managementCalls: managementRoutes,
        targets: TARGETS,
        tokenVerification: tokens,
        rss: Object.fromEntries(
          [...tallies].map(([name, tally]) => [
            name,
            { afterWarmUp: tally.rssAfterWarmUp, after: tally.rssAfter10k },
          ]),
        ),
        profile: { of: PROFILED, ...profile },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten to ${file}`);
} finally {
  for (const tally of tallies.values()) tally.client.close();
  await Promise.all([...tallies.values()].map((tally) => tally.server.close()));
  await emulator.close();
}
