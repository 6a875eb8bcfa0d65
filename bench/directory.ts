/**
 * What Gatehouse's directory buys: a mixed read workload from several tenants and every kind of caller,
 * answered from Gatehouse's own store while the emulator enforces Auth0's Essentials rate limits, then the
 * same workload with no rate limit at all; and how long a change made straight in Auth0 takes to show, with
 * the event stream and with reconciliation only.
 *
 * Everything runs on 127.0.0.1: the emulator and the load generator in this process, Gatehouse in a process
 * of its own (`BENCH_GATEHOUSE=inline` runs it here too). Bounded: each measured run stops after
 * BENCH_REQUESTS requests or BENCH_SECONDS seconds, whichever comes first. `npm run bench -- directory`.
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { startEmulator } from "../src/emulator/server.js";
import { startGatehouse, type RunningGatehouse } from "./gatehouse.js";
import {
  basic,
  bearer,
  emulatorStats,
  graphqlClient,
  hasErrors,
  machineToken,
  managementApi,
  managementCalls,
  managementCallsBetween,
  mib,
  partnerToken,
  percentile,
  setRateLimitProfile,
  sleep,
  userToken,
  type GraphQLClient,
} from "./support.js";

const MODE = process.env.BENCH_GATEHOUSE === "inline" ? "inline" : "child";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MAX_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARM_UP_REQUESTS = Number(process.env.BENCH_WARM_UP ?? 2000);
const STALENESS_SAMPLES = Number(process.env.BENCH_STALENESS_SAMPLES ?? 5);
const CHANGED_USERS_INTERVAL_MS = 5_000;
/** Where `--cpu-prof` writes the Gatehouse process's profile (child mode only); unset: no profile. */
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
/** Gatehouse's store on this Postgres server (a schema per Gatehouse, dropped after); unset: PGlite. */
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
/** Users added to each tenant through the Management API, so that search and paging have work to do. */
const TENANT_SIZES = { org_acme: 500, org_globex: 250 } as const;
const EVENTS_TOKEN = "bench-events-secret-0123456789abcdef0123456789";
const TARGET_RPS = 500;
const TARGET_RATIO = 0.9;

interface Caller {
  name: string;
  authorization: string;
  /** The caller's tenant, for ids and cursors of its own users; none for the platform operator. */
  tenant: keyof typeof TENANT_SIZES | null;
  reads: Read[];
}

type Read = "viewer" | "me" | "search" | "page" | "user" | "roles" | "tenant" | "admin" | "operator";

/** The queries, each a read a caller of that kind may make (a FORBIDDEN answer counts as a failure). */
const QUERIES = {
  viewer: "{ viewer { kind subject clientId permissions tenant { id name } } partners { id name scopes } }",
  me: "{ viewer { user { id name email roles tenant { id displayName } } } }",
  search:
    "query($search: String) { users(search: $search, first: 20) { totalCount nodes { id name email } pageInfo { hasNextPage endCursor } } }",
  page: "query($after: String) { users(first: 50, after: $after) { nodes { id name picture createdAt } pageInfo { hasNextPage endCursor } } }",
  user: "query($id: ID!) { user(id: $id) { id name email createdAt tenant { id name } } }",
  roles: "{ users(first: 25) { nodes { id email roles blocked lastLogin loginsCount } } }",
  tenant: "{ tenant { id name displayName users(first: 10) { totalCount nodes { id name } } } }",
  admin:
    "{ tenant { id plan { name } apiKeys { id name scopes createdAt createdBy { id } } integrations { id status scopes partner { id name } enabledBy { id } } } }",
  operator:
    "{ tenants(first: 10) { nodes { id name displayName plan { name } users(first: 5) { totalCount nodes { id email roles } } } } }",
} satisfies Record<Read, string>;

const SEARCHES = ["bench1", "bench2", "ada", "mia", "cara", "b", "gus", "bench4", "m", "max"];

interface Request {
  caller: string;
  read: Read;
  authorization: string;
  payload: string;
}

/** Every caller's reads, each with its own variables, interleaved so that callers and tenants alternate. */
function workload(callers: Caller[], pageCursors: Map<string, string>): Request[] {
  const requests: Request[] = [];
  const rounds = Math.max(...callers.map((caller) => caller.reads.length)) * SEARCHES.length;
  for (let round = 0; round < rounds; round += 1) {
    for (const caller of callers) {
      const read = caller.reads[round % caller.reads.length] as Read;
      const tenantUsers = caller.tenant ? TENANT_SIZES[caller.tenant] : 0;
      const variables =
        read === "search"
          ? { search: SEARCHES[round % SEARCHES.length] }
          : read === "page"
            ? { after: pageCursors.get(caller.name) }
            : read === "user"
              ? { id: benchUserId(caller.tenant ?? "org_acme", (round * 37) % tenantUsers) }
              : undefined;
      requests.push({
        caller: caller.name,
        read,
        authorization: caller.authorization,
        payload: JSON.stringify({ query: QUERIES[read], variables }),
      });
    }
  }
  return requests;
}

function benchUserId(tenant: string, index: number): string {
  return `auth0|bench-${tenant.replace("org_", "")}-${String(index).padStart(4, "0")}`;
}

interface RunResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  failures: number;
  failureKinds: Record<string, number>;
  rateLimited: number;
  managementCalls: number;
  managementRoutes: Record<string, number>;
  memory: NodeJS.MemoryUsage;
  /** The machine's 1-minute load average after the run: above 2 (two cores), something else competed. */
  loadAverage: number;
}

/** Sends the workload with CONCURRENCY requests in flight until `maxRequests` or `maxSeconds`. */
async function load(
  client: GraphQLClient,
  requests: Request[],
  maxRequests: number,
  maxSeconds: number,
): Promise<
  Omit<RunResult, "rateLimited" | "managementCalls" | "managementRoutes" | "memory" | "loadAverage">
> {
  const latencies = new Float64Array(maxRequests);
  const failureKinds: Record<string, number> = {};
  let sent = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (sent < maxRequests && performance.now() < deadline) {
      const request = requests[sent % requests.length] as Request;
      sent += 1;
      const t0 = performance.now();
      let kind: string | undefined;
      try {
        const answer = await client.post(request.authorization, request.payload);
        if (answer.status !== 200) kind = `HTTP ${answer.status}`;
        else if (hasErrors(answer)) kind = "GraphQL errors";
      } catch (error) {
        kind = (error as Error).message;
      }
      latencies[done] = performance.now() - t0;
      done += 1;
      if (kind) {
        const key = `${request.caller} ${request.read}: ${kind}`;
        failureKinds[key] = (failureKinds[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, done).sort();
  return {
    requests: done,
    seconds,
    rps: done / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    failures: Object.values(failureKinds).reduce((sum, count) => sum + count, 0),
    failureKinds,
  };
}

async function measure(
  emulatorUrl: string,
  gatehouse: RunningGatehouse,
  client: GraphQLClient,
  requests: Request[],
): Promise<RunResult> {
  const before = await emulatorStats(emulatorUrl);
  const result = await load(client, requests, MAX_REQUESTS, MAX_SECONDS);
  const after = await emulatorStats(emulatorUrl);
  return {
    ...result,
    rateLimited: after.rateLimited - before.rateLimited,
    managementCalls: managementCalls(after) - managementCalls(before),
    managementRoutes: managementCallsBetween(before, after),
    memory: await gatehouse.memory(),
    loadAverage: loadavg()[0] ?? NaN,
  };
}

/** Adds users to both tenants straight through the Management API, as a tenant admin's import would. */
async function seedTenants(call: Awaited<ReturnType<typeof managementApi>>): Promise<void> {
  const roles = await call<{ id: string; name: string }[]>("GET", "/roles");
  const member = roles.find((role) => role.name === "member")?.id;
  if (!member) throw new Error("the emulator's seed has no member role");
  for (const [tenant, size] of Object.entries(TENANT_SIZES)) {
    const ids = Array.from({ length: size }, (_, index) => benchUserId(tenant, index));
    // A few at a time: the emulator hashes every password.
    for (let from = 0; from < ids.length; from += 10) {
      await Promise.all(
        ids.slice(from, from + 10).map((userId, offset) =>
          call("POST", "/users", {
            connection: "Username-Password-Authentication",
            user_id: userId.replace("auth0|", ""),
            email: `bench${from + offset}@${tenant.replace("org_", "")}.test`,
            name: `Bench User ${from + offset}`,
            password: "Str0ng-Passw0rd!",
          }),
        ),
      );
    }
    for (let from = 0; from < ids.length; from += 50) {
      await call("POST", `/organizations/${tenant}/members`, { members: ids.slice(from, from + 50) });
    }
    for (let from = 0; from < ids.length; from += 10) {
      await Promise.all(
        ids.slice(from, from + 10).map((userId) =>
          call("POST", `/organizations/${tenant}/members/${encodeURIComponent(userId)}/roles`, {
            roles: [member],
          }),
        ),
      );
    }
  }
}

async function graphqlData(
  client: GraphQLClient,
  authorization: string,
  query: string,
  variables?: Record<string, unknown>,
) {
  const answer = await client.query(authorization, query, variables);
  const body = JSON.parse(answer.text) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (answer.status !== 200 || body.errors) {
    throw new Error(`the benchmark's setup query failed (${answer.status}): ${answer.text.slice(0, 500)}`);
  }
  return body.data ?? {};
}

/** The callers, with real tokens got the way each kind of caller gets them. */
async function callersOf(issuer: string, client: GraphQLClient): Promise<Caller[]> {
  const acmeAdmin = bearer(await userToken(issuer, "admin@acme.test", "org_acme"));
  // The partner may act for Acme's users only once Acme's admin enabled it.
  await graphqlData(
    client,
    acmeAdmin,
    'mutation { enableIntegration(partnerId: "initech-cms", scopes: ["read:users"]) { id status } }',
  );
  const user = async (email: string, organization: string | null) =>
    bearer(await userToken(issuer, email, organization));
  return [
    { name: "Acme admin", authorization: acmeAdmin, tenant: "org_acme", reads: allTenantReads() },
    {
      name: "Acme member",
      authorization: await user("member@acme.test", "org_acme"),
      tenant: "org_acme",
      reads: ["viewer", "me", "search", "page", "user", "tenant"],
    },
    {
      name: "consultant in Acme",
      authorization: await user("consultant@example.test", "org_acme"),
      tenant: "org_acme",
      reads: ["viewer", "me", "search", "page", "user", "roles", "tenant"],
    },
    {
      name: "Globex admin",
      authorization: await user("admin@globex.test", "org_globex"),
      tenant: "org_globex",
      reads: allTenantReads(),
    },
    {
      name: "Globex member",
      authorization: await user("member@globex.test", "org_globex"),
      tenant: "org_globex",
      reads: ["viewer", "me", "search", "page", "user", "tenant"],
    },
    {
      name: "consultant in Globex",
      authorization: await user("consultant@example.test", "org_globex"),
      tenant: "org_globex",
      reads: ["viewer", "me", "search", "page", "user", "tenant"],
    },
    {
      name: "operator",
      authorization: await user("operator@gatehouse.test", null),
      tenant: null,
      reads: ["viewer", "me", "operator"],
    },
    {
      name: "Acme API key (Basic)",
      authorization: basic("acme-backend", "acme-backend-secret"),
      tenant: "org_acme",
      reads: ["viewer", "search", "page", "user", "tenant"],
    },
    {
      name: "Globex client credentials",
      authorization: bearer(await machineToken(issuer, "globex-backend", "globex-backend-secret")),
      tenant: "org_globex",
      reads: ["viewer", "search", "page", "user", "tenant"],
    },
    {
      name: "initech-cms for Mia",
      authorization: bearer(await partnerToken(issuer, "member@acme.test", "org_acme", "read:users")),
      tenant: "org_acme",
      reads: ["viewer", "search", "page", "user", "tenant"],
    },
  ];
}

function allTenantReads(): Read[] {
  return ["viewer", "me", "search", "page", "user", "roles", "tenant", "admin"];
}

/** The second page of each caller's user list: `page` reads it with `after`. */
async function pageCursorsOf(client: GraphQLClient, callers: Caller[]): Promise<Map<string, string>> {
  const cursors = new Map<string, string>();
  for (const caller of callers) {
    if (!caller.reads.includes("page")) continue;
    const data = await graphqlData(
      client,
      caller.authorization,
      "{ users(first: 50) { pageInfo { endCursor } } }",
    );
    const cursor = (data.users as { pageInfo: { endCursor: string | null } }).pageInfo.endCursor;
    if (!cursor) throw new Error(`${caller.name} sees a single page of users`);
    cursors.set(caller.name, cursor);
  }
  return cursors;
}

/** Each caller's reads once: a read that fails here is a mistake in the benchmark, not a measurement. */
async function checkWorkload(client: GraphQLClient, requests: Request[]): Promise<void> {
  const checked = new Set<string>();
  for (const request of requests) {
    const key = `${request.caller} ${request.read}`;
    if (checked.has(key)) continue;
    checked.add(key);
    const answer = await client.post(request.authorization, request.payload);
    if (answer.status !== 200 || hasErrors(answer)) {
      throw new Error(`${key} failed (${answer.status}): ${answer.text.slice(0, 400)}`);
    }
  }
}

/** How long until Gatehouse answers the name a user was just given straight in Auth0, a few times. */
async function staleness(
  call: Awaited<ReturnType<typeof managementApi>>,
  client: GraphQLClient,
  reader: string,
  label: string,
  spreadMs: number,
  timeoutMs: number,
): Promise<number[]> {
  const samples: number[] = [];
  const userId = benchUserId("org_acme", 7);
  for (let sample = 0; sample < STALENESS_SAMPLES; sample += 1) {
    // Spread the changes over the reconciliation's interval, so its phase does not decide every sample.
    if (sample > 0) await sleep((spreadMs * sample) / STALENESS_SAMPLES);
    const name = `Renamed ${label} ${sample} ${Date.now()}`;
    const changed = performance.now();
    await call("PATCH", `/users/${encodeURIComponent(userId)}`, { name });
    for (;;) {
      const answer = await client.query(reader, "query($id: ID!) { user(id: $id) { name } }", { id: userId });
      if (answer.text.includes(JSON.stringify(name))) break;
      if (performance.now() - changed > timeoutMs) {
        throw new Error(`${label}: Gatehouse still answered the old name after ${timeoutMs / 1000} s`);
      }
      await sleep(5);
    }
    samples.push(performance.now() - changed);
  }
  return samples;
}

function row(label: string, result: RunResult) {
  return {
    run: label,
    requests: result.requests,
    "req/s": Math.round(result.rps),
    "p50 ms": result.p50.toFixed(1),
    "p95 ms": result.p95.toFixed(1),
    "p99 ms": result.p99.toFixed(1),
    failures: result.failures,
    "429s at Auth0": result.rateLimited,
    "Mgmt calls/req": (result.managementCalls / result.requests).toFixed(2),
    "Gatehouse rss": mib(result.memory.rss),
    "heap used": mib(result.memory.heapUsed),
    "load avg": result.loadAverage.toFixed(1),
  };
}

let schemas = 0;
/** Where the next Gatehouse keeps its store: a fresh Postgres schema with BENCH_DATABASE_URL, else PGlite. */
function database() {
  if (!DATABASE_URL) return {};
  schemas += 1;
  return { database: { url: DATABASE_URL, schema: `bench_directory_${process.pid}_${schemas}` } };
}

function describeSamples(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const list = samples.map((ms) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`));
  return `${list.join(", ")} (median ${(percentile(sorted, 50) / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(2)} s)`;
}

const emulator = await startEmulator({ port: 0, rateLimitProfile: "essentials" });
const running: RunningGatehouse[] = [];
try {
  console.log(
    `directory benchmark: node ${process.version}, Gatehouse ${MODE === "child" ? "in its own process" : "in the benchmark's process"}, ` +
      `store ${DATABASE_URL ? "Postgres" : "PGlite"}, ${CONCURRENCY} requests in flight, ` +
      `at most ${MAX_REQUESTS} requests or ${MAX_SECONDS} s per run; load average ${(loadavg()[0] ?? NaN).toFixed(1)}`,
  );
  const call = await managementApi(emulator.url, emulator.issuer);
  process.stdout.write(
    `adding ${TENANT_SIZES.org_acme} users to Acme and ${TENANT_SIZES.org_globex} to Globex (rate limits off while seeding)…`,
  );
  await setRateLimitProfile(emulator.url, "off");
  await seedTenants(call);
  await setRateLimitProfile(emulator.url, "essentials");
  console.log(" done");

  const gatehouse = await startGatehouse(
    MODE,
    { issuer: emulator.issuer, eventsToken: EVENTS_TOKEN, ...database() },
    CPU_PROFILE_DIR,
  );
  running.push(gatehouse);
  console.log(
    `Gatehouse ${gatehouse.pid} imported the directory in ${(gatehouse.importMs / 1000).toFixed(1)} s under Essentials rate limits; event stream registered`,
  );
  const client = graphqlClient(`${gatehouse.url}/graphql`, CONCURRENCY);
  const callers = await callersOf(emulator.issuer, client);
  const requests = workload(callers, await pageCursorsOf(client, callers));
  await checkWorkload(client, requests);
  console.log(
    `${callers.length} callers, ${new Set(requests.map((r) => `${r.caller} ${r.read}`)).size} distinct reads; ` +
      `warming up with ${WARM_UP_REQUESTS} requests…`,
  );
  await load(client, requests, WARM_UP_REQUESTS, MAX_SECONDS);

  const limited = await measure(emulator.url, gatehouse, client, requests);
  await setRateLimitProfile(emulator.url, "off");
  const unlimited = await measure(emulator.url, gatehouse, client, requests);
  await setRateLimitProfile(emulator.url, "essentials");
  console.table([row("Essentials rate limits", limited), row("rate limits off", unlimited)]);
  for (const [label, result] of [
    ["Essentials", limited],
    ["off", unlimited],
  ] as const) {
    if (result.failures > 0) console.log(`failures (${label}):`, result.failureKinds);
    if (result.managementCalls > 0) console.log(`Management calls (${label}):`, result.managementRoutes);
  }
  const ratio = limited.rps / unlimited.rps;
  const met = limited.rps >= TARGET_RPS && limited.failures === 0;
  console.log(
    `Essentials / off: ${ratio.toFixed(2)} (target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? "met" : "MISSED"}); ` +
      `>= ${TARGET_RPS} req/s with 0 failures under Essentials: ${met ? "met" : "MISSED"} ` +
      `(${Math.round(limited.rps)} req/s, ${limited.failures} failures)`,
  );
  const own = process.memoryUsage();
  console.log(
    `this process (load generator and emulator${MODE === "inline" ? " and Gatehouse" : ""}): rss ${mib(own.rss)}, heap used ${mib(own.heapUsed)}`,
  );

  const acmeAdmin = callers[0]?.authorization ?? "";
  const withEvents = await staleness(call, client, acmeAdmin, "event stream", 0, 30_000);
  console.log(`staleness with the event stream: ${describeSamples(withEvents)}`);
  client.close();
  await gatehouse.close();
  running.pop();

  const reconciling = await startGatehouse(MODE, {
    issuer: emulator.issuer,
    directory: { changedUsersIntervalMs: CHANGED_USERS_INTERVAL_MS },
    ...database(),
  });
  running.push(reconciling);
  const reconcilingClient = graphqlClient(`${reconciling.url}/graphql`, 2);
  const withoutEvents = await staleness(
    call,
    reconcilingClient,
    bearer(await userToken(emulator.issuer, "admin@acme.test", "org_acme")),
    "reconciliation",
    CHANGED_USERS_INTERVAL_MS,
    CHANGED_USERS_INTERVAL_MS * 4,
  );
  reconcilingClient.close();
  console.log(
    `staleness without it (changed users read every ${CHANGED_USERS_INTERVAL_MS / 1000} s): ${describeSamples(withoutEvents)}`,
  );
} finally {
  for (const gatehouse of running) await gatehouse.close();
  await emulator.close();
}
