// What the benchmarks share: getting real tokens the way callers do, a keep-alive HTTP client cheap enough not
// to compete with the server for the CPU, the emulator's counters, and percentiles. Traffic goes to 127.0.0.1
// only.
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { clientCredentialsToken, organizationLogin } from "../src/dev/login.js";
import type { Stats as EmulatorStats } from "@gatehouse/auth0-emulator";

export type { EmulatorStats };

export const AUDIENCE = "https://api.gatehouse.local";
export const SEED_PASSWORD = "Gatehouse-dev-1";
const SPA = { clientId: "gatehouse-spa", callback: "http://127.0.0.1:4000/callback" };
const PARTNER = {
  clientId: "initech-cms",
  clientSecret: "initech-cms-secret",
  callback: "http://127.0.0.1:4020/callback",
};
const GATEHOUSE_SERVER = { clientId: "gatehouse-server", clientSecret: "gatehouse-server-secret" };

/**
 * A seeded user's access token, logged in through the SPA (authorization code + PKCE) in `organization`:
 * a tenant's users get their permissions only from an organization login; the operator logs in without one.
 */
export async function userToken(issuer: string, email: string, organization: string | null): Promise<string> {
  const tokens = await organizationLogin({
    issuer,
    audience: AUDIENCE,
    clientId: SPA.clientId,
    callback: SPA.callback,
    email,
    password: SEED_PASSWORD,
    scope: "openid",
    ...(organization ? { organization } : {}),
  });
  return tokens.access_token;
}

/** What initech-cms's back end holds after the user logged in through their organization and consented. */
export async function partnerToken(
  issuer: string,
  email: string,
  organization: string,
  scope: string,
): Promise<string> {
  const tokens = await organizationLogin({
    issuer,
    audience: AUDIENCE,
    clientId: PARTNER.clientId,
    clientSecret: PARTNER.clientSecret,
    callback: PARTNER.callback,
    email,
    password: SEED_PASSWORD,
    scope,
    organization,
    consent: "accept",
  });
  return tokens.access_token;
}

export async function machineToken(
  issuer: string,
  clientId: string,
  clientSecret: string,
  audience = AUDIENCE,
): Promise<string> {
  return (await clientCredentialsToken({ issuer, audience, clientId, clientSecret })).access_token;
}

export function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** The emulator's Management API as an Auth0 tenant admin (or the dashboard) uses it, outside Gatehouse. */
export async function managementApi(emulatorUrl: string, issuer: string) {
  const token = await machineToken(
    issuer,
    GATEHOUSE_SERVER.clientId,
    GATEHOUSE_SERVER.clientSecret,
    `${issuer}api/v2/`,
  );
  return async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${emulatorUrl}/api/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

export async function emulatorStats(emulatorUrl: string): Promise<EmulatorStats> {
  return (await (await fetch(`${emulatorUrl}/__emulator/stats`)).json()) as EmulatorStats;
}

export async function setRateLimitProfile(emulatorUrl: string, profile: string): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__emulator/rate-limit`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ profile }),
  });
  if (!response.ok) throw new Error(`the emulator refused the ${profile} profile: ${await response.text()}`);
}

export function managementCalls(stats: EmulatorStats): number {
  return Object.values(stats.management).reduce((sum, count) => sum + count, 0);
}

/** Management requests by route made between two snapshots of the emulator's counters. */
export function managementCallsBetween(before: EmulatorStats, after: EmulatorStats): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const [route, count] of Object.entries(after.management)) {
    const made = count - (before.management[route] ?? 0);
    if (made > 0) calls[route] = made;
  }
  return calls;
}

export interface GraphQLAnswer {
  status: number;
  /** The raw body: parsing every answer would cost the load generator more than the check below. */
  text: string;
}

/** True when a GraphQL answer carries errors: `"errors":[` can only be a key, since a string escapes `"`. */
export function hasErrors(answer: GraphQLAnswer): boolean {
  return answer.text.includes('"errors":[');
}

/**
 * A GraphQL client on node:http with keep-alive connections: `fetch` costs several times more CPU per
 * request, which on two cores would be taken from the server being measured.
 */
export function graphqlClient(url: string, connections: number) {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  function post(authorization: string, payload: string): Promise<GraphQLAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
            authorization,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(payload);
    });
  }
  return {
    post,
    query(authorization: string, query: string, variables?: Record<string, unknown>) {
      return post(authorization, JSON.stringify({ query, variables }));
    },
    close: () => agent.destroy(),
  };
}

export type GraphQLClient = ReturnType<typeof graphqlClient>;

/** One request of a workload: `label` names it in the failures (its caller and what it reads). */
export interface LoadRequest {
  label: string;
  authorization: string;
  payload: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Each request's latency in ms, sorted. */
  latencies: Float64Array;
  failures: number;
  /** Failures by request label and kind (`HTTP 503`, `GraphQL errors`, a connection error's message). */
  failureKinds: Record<string, number>;
}

/**
 * Sends a workload round-robin with `concurrency` requests in flight until `maxRequests` are done or
 * `maxSeconds` have passed. A non-200 answer or one carrying `errors` is a failure.
 */
export async function sendLoad(
  client: GraphQLClient,
  requests: readonly LoadRequest[],
  limits: { maxRequests: number; maxSeconds: number; concurrency: number },
): Promise<LoadResult> {
  const latencies = new Float64Array(limits.maxRequests);
  const failureKinds: Record<string, number> = {};
  let sent = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + limits.maxSeconds * 1000;
  const worker = async () => {
    while (sent < limits.maxRequests && performance.now() < deadline) {
      const next = requests[sent % requests.length] as LoadRequest;
      sent += 1;
      const t0 = performance.now();
      let kind: string | undefined;
      try {
        const answer = await client.post(next.authorization, next.payload);
        if (answer.status !== 200) kind = `HTTP ${answer.status}`;
        else if (hasErrors(answer)) kind = "GraphQL errors";
      } catch (error) {
        kind = (error as Error).message;
      }
      latencies[done] = performance.now() - t0;
      done += 1;
      if (kind) {
        const key = `${next.label}: ${kind}`;
        failureKinds[key] = (failureKinds[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: done,
    seconds,
    rps: done / seconds,
    latencies: latencies.slice(0, done).sort(),
    failures: Object.values(failureKinds).reduce((sum, count) => sum + count, 0),
    failureKinds,
  };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
