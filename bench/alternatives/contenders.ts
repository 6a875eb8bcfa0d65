// The servers Gatehouse is compared with, each serving the same schema (Gatehouse's SDL) and the same tenant's
// rows from memory, on the same HTTP stack as Gatehouse (Fastify with Apollo Server 5's integration), so that
// what differs between them is authentication and authorization alone:
//   bare     Apollo with no authentication or authorization: the floor of an Apollo-based server;
//   shield   the usual setup: the token verified with jose on every request, Gatehouse's permission map
//            applied with graphql-shield's shield() through graphql-middleware (fallbackRule deny);
//   authz    Gatehouse's own composition: its caller resolution, its permission map composed into its
//            resolvers, its loaders, over the rows in memory instead of the store (no store, no Auth0);
//   rules    the same caller resolution and permission map composed into the bare contender's resolvers:
//            what authorization alone costs, apart from Gatehouse's resolvers and loaders.
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from "@as-integrations/fastify";
import { makeExecutableSchema } from "@graphql-tools/schema";
import Fastify, { type FastifyReply, type FastifyRequest, type RouteHandlerMethod } from "fastify";
import { buildSchema, type GraphQLSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { deny, shield } from "graphql-shield";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { errorFormatter, loadTypeDefs } from "../../src/app.js";
import { RequestObservations } from "../../src/http/observation.js";
import { permissions } from "../../src/authz/permissions.js";
import { protectResolvers } from "../../src/authz/protect.js";
import { createCache } from "../../src/cache.js";
import { AccessTokenVerifier } from "../../src/caller/access-token-verifier.js";
import { ApiKeyExchange } from "../../src/caller/api-key-exchange.js";
import { AuthenticationError } from "../../src/caller/authentication-error.js";
import { ANONYMOUS_CALLER, type Caller } from "../../src/caller/caller.js";
import { CallerResolver } from "../../src/caller/resolve-caller.js";
import { DEFAULT_SPA_CLIENT_IDS } from "../../src/config.js";
import type { GatehouseContext } from "../../src/context.js";
import { createLoaders } from "../../src/directory/loaders.js";
import { allResolvers } from "../../src/resolvers/index.js";
import { AUDIENCE } from "../support.js";
import { memoryDirectory } from "./memory-directory.js";
import type { TenantRows } from "./tenant.js";

export const CONTENDERS = ["bare", "shield", "authz", "rules"] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export interface ContenderOptions {
  /** The emulator's issuer: where the token-checking contenders fetch the signing keys (once). */
  issuer: string;
  rows: TenantRows;
}

export interface RunningContender {
  url: string;
  close(): Promise<void>;
}

/** A part Gatehouse has that this contender's requests never reach: using it is a mistake in the benchmark. */
function unused<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`the benchmark's ${what} has no '${String(property)}'`);
    },
  });
}

/** A user as the in-memory contenders hold it: the directory's row and the member's roles in the tenant. */
interface UserRow {
  id: string;
  name: string | null;
  email: string | null;
  roles: string[];
  lastLogin: string | null;
}

function userRows(rows: TenantRows): UserRow[] {
  return rows.users.map((user) => ({
    id: user.id,
    name: user.name,
    email: user.email,
    roles: rows.roleNames[user.id] ?? [],
    lastLogin: user.lastLogin,
  }));
}

/** `users(first)` over rows in memory, with the connection's shape (no search, no cursor: not asked). */
function usersResolvers(rows: UserRow[], tenantOf: (context: { caller?: Caller }) => string | null) {
  const { DateTime } = allResolvers();
  if (!DateTime) throw new Error("Gatehouse's resolvers have no DateTime scalar");
  return {
    DateTime,
    Query: {
      users: (_root: unknown, args: { first?: number | null }, context: { caller?: Caller }) => {
        const tenantId = tenantOf(context);
        const nodes = tenantId ? rows.slice(0, args.first ?? 20) : [];
        return { nodes, totalCount: rows.length, pageInfo: { hasNextPage: nodes.length < rows.length } };
      },
    },
  };
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

async function serve<Context extends BaseContext>(
  schema: GraphQLSchema,
  context: (request: FastifyRequest) => Promise<Context>,
  preHandler?: PreHandler,
): Promise<RunningContender> {
  const app = Fastify({ logger: false, bodyLimit: 1_000_000 });
  const plugins: ApolloServerPlugin<Context>[] = [
    fastifyApolloDrainPlugin(app),
    ApolloServerPluginLandingPageDisabled(),
  ];
  const apollo = new ApolloServer<Context>({
    schema,
    // Gatehouse's own wording of errors; nothing is observed or logged here (no access lines in a benchmark).
    formatError: errorFormatter(new RequestObservations(), { error: () => undefined }),
    plugins,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  app.route({
    url: "/graphql",
    method: ["GET", "POST"],
    ...(preHandler ? { preHandler } : {}),
    handler: fastifyApolloHandler(apollo, { context }) as unknown as RouteHandlerMethod,
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/graphql`,
    async close() {
      await app.close();
      await apollo.stop();
    },
  };
}

function unauthenticated(reply: FastifyReply, error: AuthenticationError) {
  return reply
    .code(401)
    .header("www-authenticate", error.challenge)
    .send({ errors: [{ message: error.description, extensions: { code: "UNAUTHENTICATED" } }] });
}

async function startBare({ rows }: ContenderOptions): Promise<RunningContender> {
  const tenantId = rows.tenant.id;
  return serve(
    makeExecutableSchema({
      typeDefs: loadTypeDefs(),
      resolvers: usersResolvers(userRows(rows), () => tenantId),
    }),
    async () => ({}),
  );
}

/**
 * What the usual setup trusts: the token's claims, verified with jose on every request (no cache), and
 * nothing else (no check that the user is still there and still a member).
 */
function callerFromClaims(claims: Record<string, unknown>): Caller {
  const permissionsClaim = Array.isArray(claims.permissions) ? (claims.permissions as string[]) : [];
  const machine = claims.gty === "client-credentials";
  const sub = String(claims.sub);
  return {
    kind: machine ? "TENANT_APP" : "USER",
    subject: sub,
    userId: machine ? null : sub,
    clientId: typeof claims.azp === "string" ? claims.azp : null,
    tenantId: typeof claims.org_id === "string" ? claims.org_id : null,
    permissions: new Set(
      machine && typeof claims.scope === "string" ? claims.scope.split(" ") : permissionsClaim,
    ),
    denial: null,
  };
}

/**
 * Gatehouse's permission map without its mutations, which fall back to deny: the contenders serve reads only,
 * and shield() refuses a map where two rule instances share a name (Gatehouse builds
 * `mayChangeAccount("update:users")` once per mutation that uses it; composed per field, that is harmless).
 */
const { Mutation: _mutations, ...readRules } = permissions;

async function startShield({ issuer, rows }: ContenderOptions): Promise<RunningContender> {
  const keys = createRemoteJWKSet(new URL(`${issuer}.well-known/jwks.json`));
  const schema = applyMiddleware(
    makeExecutableSchema({
      typeDefs: loadTypeDefs(),
      resolvers: usersResolvers(userRows(rows), (context) => context.caller?.tenantId ?? null),
    }),
    shield(readRules as never, { fallbackRule: deny, allowExternalErrors: false, debug: false }),
  );
  return serve(
    schema,
    async (request) => ({ caller: request.caller ?? ANONYMOUS_CALLER }),
    async (request, reply) => {
      const header = request.headers.authorization;
      if (!header) return undefined;
      const token = /^Bearer (\S+)$/.exec(header)?.[1];
      try {
        if (!token) throw new Error("not a bearer token");
        const { payload } = await jwtVerify(token, keys, {
          issuer,
          audience: AUDIENCE,
          algorithms: ["RS256"],
          requiredClaims: ["exp", "sub", "iat"],
        });
        request.caller = callerFromClaims(payload);
      } catch {
        return unauthenticated(reply, new AuthenticationError("the access token is not valid"));
      }
      return undefined;
    },
  );
}

async function startAuthz(
  { issuer, rows }: ContenderOptions,
  plainResolvers = false,
): Promise<RunningContender> {
  const directory = memoryDirectory(rows);
  const callers = new CallerResolver(
    new AccessTokenVerifier({ issuer, audience: AUDIENCE }),
    new ApiKeyExchange({ issuer, audience: AUDIENCE }, createCache(undefined, "bench")),
    // Ada's bearer token is no API key: native keys' and rotations' checks are never asked.
    unused("API key checks"),
    directory,
    // Every row the caller check reads is in memory: nothing is learnt from Auth0 while measuring.
    unused("directory sync"),
    unused("integrations store"),
    new Set(DEFAULT_SPA_CLIENT_IDS),
  );
  const typeDefs = loadTypeDefs();
  const resolvers = protectResolvers(
    buildSchema(typeDefs),
    (plainResolvers
      ? usersResolvers(userRows(rows), (context) => context.caller?.tenantId ?? null)
      : allResolvers()) as Record<string, Record<string, unknown>>,
    permissions as unknown as Parameters<typeof protectResolvers>[2],
  );
  return serve<GatehouseContext>(
    makeExecutableSchema({ typeDefs, resolvers }),
    async (request) => ({
      caller: request.caller ?? ANONYMOUS_CALLER,
      requestId: request.id,
      directory,
      loaders: createLoaders(directory),
      services: unused("services"),
      store: unused("store"),
      directoryStatus: () => Promise.reject(new Error("no directory status in the benchmark")),
      _shield: { cache: {} },
    }),
    async (request, reply) => {
      try {
        request.caller = await callers.resolve(request.headers.authorization);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        return unauthenticated(reply, error);
      }
      return undefined;
    },
  );
}

export function startContender(name: ContenderName, options: ContenderOptions): Promise<RunningContender> {
  switch (name) {
    case "bare":
      return startBare(options);
    case "shield":
      return startShield(options);
    case "authz":
      return startAuthz(options);
    case "rules":
      return startAuthz(options, true);
  }
}
