import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createGatehouse, type Gatehouse, type GatehouseOptions } from "../../src/app.js";
import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { OrganizationsClient } from "auth0/organizations";
import { RolesClient } from "auth0/roles";
import { UsersClient } from "auth0/users";
import { devIdentities } from "../../src/dev/identities.js";
import { clientCredentialsToken, organizationLogin } from "../../src/dev/login.js";
import { registerEventStream } from "../../src/directory/event-stream.js";
import type { Stats as EmulatorStats } from "@gatehouse/auth0-emulator";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";

export type { EmulatorStats };

export const GATEHOUSE_API = "https://api.gatehouse.local";
export const SEED_PASSWORD = "Gatehouse-dev-1";

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface Stack {
  emulator: RunningEmulator;
  gatehouse: Gatehouse;
  url: string;
  graphql(
    query: string,
    options?: { authorization?: string; variables?: Record<string, unknown> },
  ): Promise<GraphQLResponse>;
  /**
   * A user's access token from the emulator, logged in through the SPA (authorization code + PKCE) in their
   * organization: the seeded users' own by default, another named with `organization`, none with `null`.
   */
  userToken(email: string, options?: UserTokenOptions): Promise<string>;
  /** A tenant app's client-credentials token. */
  clientToken(clientId: string, clientSecret: string, extra?: Record<string, string>): Promise<string>;
  /** Puts a tenant on a plan (`free`, `pro`) as a platform operator does, through GraphQL's setTenantPlan. */
  setTenantPlan(tenantId: string, plan: string): Promise<void>;
  /** Runs a directory full pass now: what a test changed straight in Auth0 is then in Gatehouse's directory. */
  syncDirectory(): Promise<void>;
  /** The emulator's Management API as Auth0 tenant admins use it: the real SDK's clients. */
  management(): {
    users: UsersClient;
    organizations: OrganizationsClient;
    roles: RolesClient;
    clients: ClientsClient;
    clientGrants: ClientGrantsClient;
  };
  stats(): Promise<EmulatorStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export interface UserTokenOptions {
  /** The tenant to log in to (id or name); `null` logs in without an organization. */
  organization?: string | null;
  scope?: string;
}

/** The seeded users' only tenant, by email domain; anyone else names theirs (or `null`). */
const SEEDED_TENANT_BY_DOMAIN: Record<string, string | null> = {
  "acme.test": "org_acme",
  "globex.test": "org_globex",
  "gatehouse.test": null,
};

function seededTenantOf(email: string): string | null {
  const tenant = SEEDED_TENANT_BY_DOMAIN[email.split("@")[1] ?? ""];
  if (tenant === undefined) {
    throw new Error(`userToken(${email}): say which organization to log in to (or null for none)`);
  }
  return tenant;
}

export const SPA_CALLBACK = "http://127.0.0.1:4000/callback";

/** The bearer secret the tests' event streams deliver with. */
export const EVENTS_TOKEN = "test-events-secret-0123456789abcdef0123456789";

export function basic(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

/**
 * A token signed by the emulator's real key — Ada's, from the SPA, with `read:users` — with the claims a test
 * changes (an expired one, another audience, an unknown client): what no real flow would issue.
 */
export function signedByEmulator(stack: Stack, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return stack.emulator.context.keys.sign({
    iss: stack.emulator.issuer,
    sub: "auth0|acme-admin",
    aud: GATEHOUSE_API,
    iat: now,
    exp: now + 600,
    azp: "gatehouse-spa",
    scope: "openid",
    permissions: ["read:users"],
    ...claims,
  });
}

export function bearer(token: string): string {
  return `Bearer ${token}`;
}

async function tokenFrom(emulator: RunningEmulator, fields: Record<string, string>): Promise<string> {
  const response = await fetch(`${emulator.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200)
    throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/** Runs a step of a test's tear-down, and says on the console when it takes suspiciously long. */
async function stepWithin(step: string, work: () => Promise<void>, warnAfterMs = 10_000): Promise<void> {
  const started = Date.now();
  const warning = setTimeout(
    () => console.warn(`${step} has taken over ${warnAfterMs / 1000} s`),
    warnAfterMs,
  );
  try {
    await work();
  } finally {
    clearTimeout(warning);
    if (Date.now() - started > warnAfterMs) console.warn(`${step} took ${Date.now() - started} ms`);
  }
}

/** An emulator and a Gatehouse in front of it, both on free ports, for one test file. */
export async function startStack(
  options: {
    emulator?: EmulatorOptions;
    gatehouse?: Partial<GatehouseOptions>;
    /** Register an Auth0 event stream delivering to this Gatehouse's webhook, as `npm start` does. */
    events?: boolean;
    /** Serve the playground, with the seeded identities' tokens (as `npm start` with the emulator) or not. */
    playground?: { devIdentities: boolean };
    /**
     * Sets the emulator's tenant up before Gatehouse starts (as `npm run provision` does a real one) and says
     * how Gatehouse reaches it: its application, its SPA. Default: the seeded tenant's.
     */
    prepare?: (emulator: RunningEmulator) => Promise<Partial<GatehouseOptions>>;
  } = {},
): Promise<Stack> {
  const emulator = await startEmulator({ port: 0, seed: emulatorSeed(), ...options.emulator });
  const prepared = options.prepare
    ? await options.prepare(emulator).catch(async (error: unknown) => {
        await emulator.close();
        throw error;
      })
    : {};
  const eventsToken = options.events ? EVENTS_TOKEN : options.gatehouse?.eventsToken;
  const gatehouse = await createGatehouse({
    issuer: emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    // Tests run a pass when they need one; a background timer would make call counts depend on timing.
    directory: { fullPassIntervalMs: 3_600_000, changedUsersIntervalMs: 3_600_000 },
    ...prepared,
    ...options.gatehouse,
    ...(eventsToken ? { eventsToken } : {}),
    ...(options.playground
      ? {
          playground: {
            issuer: emulator.issuer,
            audience: GATEHOUSE_API,
            spaClientId: "gatehouse-spa",
            ...(options.playground.devIdentities
              ? { devIdentities: devIdentities({ issuer: emulator.issuer, audience: GATEHOUSE_API }) }
              : {}),
          },
        }
      : {}),
  });
  const spaClientId = prepared.spaClientIds?.[0] ?? "gatehouse-spa";
  await gatehouse.ready;
  await gatehouse.app.listen({ port: 0, host: "127.0.0.1" });
  const port = (gatehouse.app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  if (options.events) {
    await registerEventStream({
      issuer: emulator.issuer,
      token: gatehouse.managementToken,
      webhookUrl: `${url}/auth0/events`,
      secret: EVENTS_TOKEN,
    });
  }

  const stack: Stack = {
    emulator,
    gatehouse,
    url,
    async graphql(query, { authorization, variables } = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as GraphQLResponse["body"],
      };
    },
    async userToken(email, options = {}) {
      const organization = options.organization === undefined ? seededTenantOf(email) : options.organization;
      const tokens = await organizationLogin({
        issuer: emulator.issuer,
        audience: GATEHOUSE_API,
        clientId: spaClientId,
        callback: SPA_CALLBACK,
        email,
        password: SEED_PASSWORD,
        scope: options.scope ?? "openid",
        ...(organization ? { organization } : {}),
      });
      return tokens.access_token;
    },
    clientToken: (clientId, clientSecret, extra = {}) =>
      tokenFrom(emulator, {
        grant_type: "client_credentials",
        client_id: clientId,
        client_secret: clientSecret,
        audience: GATEHOUSE_API,
        ...extra,
      }),
    async setTenantPlan(tenantId, plan) {
      const authorization = bearer(await stack.userToken("operator@gatehouse.test"));
      const response = await stack.graphql(
        "mutation($tenantId: ID!, $plan: String!) { setTenantPlan(tenantId: $tenantId, plan: $plan) { name } }",
        { authorization, variables: { tenantId, plan } },
      );
      if (response.body.errors)
        throw new Error(`setTenantPlan failed: ${JSON.stringify(response.body.errors)}`);
    },
    async syncDirectory() {
      if (!(await gatehouse.directory.leasedPass()))
        throw new Error("another pass holds the directory's lease");
    },
    management() {
      // One token for as long as it lives, as an admin's script keeps it: a token request per call would
      // double the work of a test that builds thousands of objects.
      let cached: { accessToken: string; expiresAt: number } | undefined;
      const token = async () => {
        if (!cached || cached.expiresAt <= Date.now()) {
          const body = await clientCredentialsToken({
            issuer: emulator.issuer,
            audience: emulator.context.managementAudience,
            clientId: "gatehouse-server",
            clientSecret: "gatehouse-server-secret",
          });
          cached = { accessToken: body.access_token, expiresAt: Date.now() + (body.expires_in - 10) * 1000 };
        }
        return cached.accessToken;
      };
      const options = { baseUrl: `${emulator.url}/api/v2`, token };
      return {
        users: new UsersClient(options),
        organizations: new OrganizationsClient(options),
        roles: new RolesClient(options),
        clients: new ClientsClient(options),
        clientGrants: new ClientGrantsClient(options),
      };
    },
    async stats() {
      return (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as EmulatorStats;
    },
    async resetStats() {
      await fetch(`${emulator.url}/__emulator/stats`, { method: "DELETE" });
    },
    async close() {
      // A close that hangs should say which part hung (once seen under heavy load, not reproduced since).
      await stepWithin("closing Gatehouse", () => gatehouse.close());
      await stepWithin("closing the emulator", () => emulator.close());
    },
  };
  return stack;
}

/** The errors of a response, by dotted path, as `code` (and missing permission when there is one). */
export function errorsByPath(response: GraphQLResponse): Record<string, string> {
  const result: Record<string, string> = {};
  for (const error of response.body.errors ?? []) {
    result[(error.path ?? []).join(".")] = String(error.extensions?.code);
  }
  return result;
}

/** Gatehouse's log lines, captured: pass `logger` to startStack's gatehouse options, read `lines()`. */
export function captureLogs(level = "info"): {
  logger: { level: string; stream: Writable };
  lines(): Record<string, unknown>[];
  text(): string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join("");
  return {
    logger: { level, stream },
    text,
    lines: () =>
      text()
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Another Gatehouse instance on a stack's emulator (instances of one deployment), listening on a free port. */
export async function startInstance(
  stack: Stack,
  options: Partial<GatehouseOptions> = {},
): Promise<{ gatehouse: Gatehouse; url: string; close(): Promise<void> }> {
  const gatehouse = await createGatehouse({
    issuer: stack.emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    directory: { fullPassIntervalMs: 3_600_000, changedUsersIntervalMs: 3_600_000 },
    ...options,
  });
  await gatehouse.ready;
  await gatehouse.app.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${(gatehouse.app.server.address() as AddressInfo).port}`;
  return { gatehouse, url, close: () => gatehouse.close() };
}
