// `npm run -s token -- admin@acme.test`: an access token from the embedded Auth0 emulator, and nothing
// else on stdout, so `TOKEN=$(npm run -s token -- …)` works. Tenant users sign in through their tenant's
// organization, which Auth0's password grant does not support, so this logs in the way the SPA does: the
// authorization code flow with PKCE. Development only: it reads the emulator's seeded secrets.
import { parseArgs } from "node:util";
import { clientCredentialsToken, fetchFromIssuer, LoginError, organizationLogin } from "./login.js";

const USAGE = `Usage:
  npm run -s token -- <email> [--org <org id or name>] [--partner <client id>] [--password <password>]
  npm run -s token -- --client <client id> [--org <org id or name>]

Prints an access token for the Gatehouse API from the local Auth0 emulator that npm start runs, and
nothing else: TOKEN=$(npm run -s token -- admin@acme.test)

  <email>                 log in as this user through the SPA (gatehouse-spa), with the authorization
                          code flow and PKCE, as the browser does
  --org <org>             the tenant (Auth0 organization) to log in to, by id or name. Needed only for a
                          user of several tenants; otherwise their one tenant, or none for a platform operator
  --partner <client id>   log in through this partner's third-party application instead (e.g.
                          initech-cms), accepting its consent; the token asks for the partner's scopes
  --password <password>   the user's password (default: the seeded users' Gatehouse-dev-1)
  --client <client id>    a client-credentials token for this machine client (e.g. acme-backend)
  -h, --help              this text

Environment: EMULATOR_PORT (default 4010), AUTH0_AUDIENCE (default https://api.gatehouse.local).
`;

/** The seeded users' password (src/dev/demo-seed.ts), not imported: this tool talks to the emulator over HTTP. */
const SEED_PASSWORD = "Gatehouse-dev-1";
const SPA = { clientId: "gatehouse-spa", callback: "http://127.0.0.1:4000/callback" };
/** The emulator's seeded Management client: its secret is a development fixture, never a real one. */
const MANAGEMENT_CLIENT = { clientId: "gatehouse-server", clientSecret: "gatehouse-server-secret" };

/** A command line that cannot be run: the message and the usage go to stderr. */
class UsageError extends Error {}

/** Something to fix before a token can be had (the environment, the choice of tenant): said in one line. */
class CannotRun extends Error {}

interface Settings {
  issuer: string;
  audience: string;
}

type TokenRequest =
  | { kind: "help" }
  | { kind: "user"; email: string; organization?: string; partner?: string; password: string }
  | { kind: "client"; clientId: string; organization?: string };

function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  if (env.AUTH0_DOMAIN?.trim()) {
    throw new CannotRun(
      "AUTH0_DOMAIN is set, and npm run token only works with the embedded emulator: it logs in with the " +
        "emulator's seeded passwords and secrets. Unset AUTH0_DOMAIN, or get a token from your Auth0 tenant.",
    );
  }
  const rawPort = env.EMULATOR_PORT?.trim() || "4010";
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CannotRun(`EMULATOR_PORT must be a port number (1-65535), got "${rawPort}"`);
  }
  return {
    issuer: `http://127.0.0.1:${port}/`,
    audience: env.AUTH0_AUDIENCE?.trim() || "https://api.gatehouse.local",
  };
}

function requestFrom(args: string[]): TokenRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        org: { type: "string" },
        partner: { type: "string" },
        password: { type: "string" },
        client: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (positionals.length > 1) throw new UsageError(`one email at a time, got ${positionals.join(" ")}`);
  const email = positionals[0];
  if (values.client !== undefined) {
    if (email !== undefined || values.partner !== undefined || values.password !== undefined) {
      throw new UsageError("--client gets a machine token: give it no email, --partner or --password");
    }
    return { kind: "client", clientId: values.client, organization: values.org };
  }
  if (email === undefined) throw new UsageError("whose token? Give an email, or --client <client id>");
  return {
    kind: "user",
    email,
    organization: values.org,
    partner: values.partner,
    password: values.password ?? SEED_PASSWORD,
  };
}

interface Organization {
  id: string;
  name: string;
}

interface ConfidentialClient {
  clientId: string;
  clientSecret: string;
  callbacks: string[];
}

/** A `GET` on the emulator's Management API (`users?q=…`): the parsed body, or undefined for a 404. */
type ManagementReader = (path: string) => Promise<unknown>;

/** Reads from the emulator's Management API with its seeded Management client. */
async function openManagement(settings: Settings): Promise<ManagementReader> {
  const { access_token: token } = await clientCredentialsToken({
    issuer: settings.issuer,
    audience: `${settings.issuer}api/v2/`,
    ...MANAGEMENT_CLIENT,
  });
  return async function read(path: string): Promise<unknown> {
    const response = await fetchFromIssuer(settings.issuer, `${settings.issuer}api/v2/${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      const message = (body as { message?: unknown } | undefined)?.message;
      throw new LoginError(
        `the emulator's Management API answered ${response.status} to GET /api/v2/${path.split("?")[0]}` +
          (typeof message === "string" ? `: ${message}` : ""),
      );
    }
    return body;
  };
}

async function organizationsOf(read: ManagementReader, email: string): Promise<Organization[]> {
  // Auth0 keeps emails in lower case, and the search matches them exactly.
  const query = new URLSearchParams({ q: `email:"${email.toLowerCase()}"`, search_engine: "v3" });
  const users = ((await read(`users?${query.toString()}`)) ?? []) as { user_id: string }[];
  const user = users[0];
  if (!user) throw new LoginError(`there is no user with the email ${email} in the emulator`);
  return ((await read(`users/${encodeURIComponent(user.user_id)}/organizations`)) ?? []) as Organization[];
}

function listed(organizations: Organization[]): string {
  const names = organizations.map((org) => `${org.name} (${org.id})`);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
}

/**
 * The organization to log in to when none was asked for: the user's only one, or none at all (a platform
 * operator belongs to no tenant). A user of several must choose, as Auth0's organization prompt would ask.
 */
async function defaultOrganization(read: ManagementReader, email: string): Promise<string | undefined> {
  const organizations = await organizationsOf(read, email);
  if (organizations.length > 1) {
    throw new CannotRun(`${email} is in ${listed(organizations)}: choose one with --org`);
  }
  return organizations[0]?.id;
}

async function confidentialClient(read: ManagementReader, clientId: string): Promise<ConfidentialClient> {
  // The seeded Management client holds read:client_keys, so the emulator includes the secret.
  const client = (await read(`clients/${encodeURIComponent(clientId)}`)) as
    { client_secret?: string; callbacks?: string[] } | undefined;
  if (!client) throw new LoginError(`there is no client ${clientId} in the emulator`);
  if (!client.client_secret) throw new LoginError(`${clientId} is a public client: it has no secret`);
  return { clientId, clientSecret: client.client_secret, callbacks: client.callbacks ?? [] };
}

/** The API scopes a third-party application may ask for users: its client grant with `subject_type: user`. */
async function partnerScopes(read: ManagementReader, clientId: string, audience: string): Promise<string[]> {
  const query = new URLSearchParams({ client_id: clientId, audience, subject_type: "user" });
  const grants = ((await read(`client-grants?${query.toString()}`)) ?? []) as { scope?: string[] }[];
  const scopes = grants.flatMap((grant) => grant.scope ?? []);
  if (scopes.length === 0) {
    throw new LoginError(`${clientId} has no user access client grant on ${audience}: it is not a partner`);
  }
  return scopes;
}

async function userToken(
  settings: Settings,
  request: Extract<TokenRequest, { kind: "user" }>,
): Promise<string> {
  const read = await openManagement(settings);
  const login = {
    issuer: settings.issuer,
    audience: settings.audience,
    email: request.email,
    password: request.password,
    organization: request.organization ?? (await defaultOrganization(read, request.email)),
  };
  if (request.partner === undefined) {
    const tokens = await organizationLogin({ ...login, clientId: SPA.clientId, callback: SPA.callback });
    return tokens.access_token;
  }
  const partner = await confidentialClient(read, request.partner);
  const scopes = await partnerScopes(read, partner.clientId, settings.audience);
  const callback = partner.callbacks[0];
  if (!callback) throw new LoginError(`${partner.clientId} has no callback URL to log in through`);
  const tokens = await organizationLogin({
    ...login,
    clientId: partner.clientId,
    clientSecret: partner.clientSecret,
    callback,
    scope: ["openid", "profile", "email", ...scopes].join(" "),
    consent: "accept",
  });
  return tokens.access_token;
}

async function machineToken(
  settings: Settings,
  request: Extract<TokenRequest, { kind: "client" }>,
): Promise<string> {
  const client = await confidentialClient(await openManagement(settings), request.clientId);
  const tokens = await clientCredentialsToken({
    issuer: settings.issuer,
    audience: settings.audience,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    organization: request.organization,
  });
  return tokens.access_token;
}

/** Runs the command line and answers its exit code; only the token (or the help asked for) goes to stdout. */
async function main(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const request = requestFrom(args);
    if (request.kind === "help") {
      process.stdout.write(USAGE);
      return 0;
    }
    const settings = settingsFrom(env);
    const token =
      request.kind === "user" ? await userToken(settings, request) : await machineToken(settings, request);
    process.stdout.write(`${token}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
    } else if (error instanceof LoginError || error instanceof CannotRun) {
      console.error(error.message);
    } else {
      // Not a refusal the developer can act on: a bug here, so show all of it.
      console.error(error);
    }
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
