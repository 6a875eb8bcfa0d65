import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, notFound } from "../errors.js";
import type { StoredResourceServer } from "../model.js";
import { requireScopes } from "./auth.js";
import { offsetPage, type Query } from "./paging.js";
import {
  invalidPayload,
  optionalBoolean,
  optionalEnum,
  optionalString,
  payloadOf,
  requiredString,
  type Payload,
} from "./payload.js";

const TOKEN_DIALECTS = ["access_token", "access_token_authz"] as const;
/** Auth0's bounds on an API's access-token lifetime, in seconds (30 days). */
const TOKEN_LIFETIME_MAX = 2_592_000;

function toResourceServer(server: StoredResourceServer): Management.ResourceServer {
  return { ...server, scopes: server.scopes.map((scope) => ({ ...scope })) };
}

/** `scopes`: a list of `{ value, description }`; Auth0 replaces the whole list on PATCH. */
function optionalScopes(payload: Payload): StoredResourceServer["scopes"] | undefined {
  const value = payload.scopes;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) invalidPayload(`Expected type array but found type ${typeof value}`, "scopes");
  return (value as unknown[]).map((entry) => {
    if (typeof entry !== "object" || entry === null || typeof (entry as Payload).value !== "string") {
      invalidPayload("Missing required property: value", "scopes");
    }
    const scope = entry as Payload;
    const description = scope.description;
    if (description !== undefined && typeof description !== "string") {
      invalidPayload("Expected type string", "scopes.description");
    }
    return { value: scope.value as string, description: (description as string | undefined) ?? "" };
  });
}

function optionalTokenLifetime(payload: Payload): number | undefined {
  const value = payload.token_lifetime;
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > TOKEN_LIFETIME_MAX) {
    invalidPayload(`Integer must be between 1 and ${TOKEN_LIFETIME_MAX}`, "token_lifetime");
  }
  return value;
}

/** The fields a create or an update may set; `identifier` only on create, as in Auth0. */
function resourceServerFields(payload: Payload): Partial<StoredResourceServer> {
  const fields = {
    name: optionalString(payload, "name"),
    scopes: optionalScopes(payload),
    enforce_policies: optionalBoolean(payload, "enforce_policies"),
    token_dialect: optionalEnum(payload, "token_dialect", TOKEN_DIALECTS),
    token_lifetime: optionalTokenLifetime(payload),
    allow_offline_access: optionalBoolean(payload, "allow_offline_access"),
    skip_consent_for_verifiable_first_party_clients: optionalBoolean(
      payload,
      "skip_consent_for_verifiable_first_party_clients",
    ),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** `/api/v2/resource-servers`: the APIs, with their permissions and RBAC settings. */
export function registerResourceServerRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findResourceServer(idOrIdentifier: string): StoredResourceServer {
    // Auth0 accepts the id or the identifier (URL-encoded) here.
    const server = store.data.resourceServers[idOrIdentifier] ?? store.findResourceServer(idOrIdentifier);
    if (!server) throw notFound("The resource server does not exist", "inexistent_resource_server");
    return server;
  }

  app.get(
    "/api/v2/resource-servers",
    { preHandler: requireScopes(ctx, "read:resource_servers") },
    async (request) => {
      const servers = Object.values(store.data.resourceServers).map(toResourceServer);
      return offsetPage(servers, request.query as Query, "resource_servers");
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/v2/resource-servers/:id",
    { preHandler: requireScopes(ctx, "read:resource_servers") },
    async (request) => toResourceServer(findResourceServer(request.params.id)),
  );

  app.post(
    "/api/v2/resource-servers",
    { preHandler: requireScopes(ctx, "create:resource_servers") },
    async (request, reply) => {
      const payload = payloadOf(request.body);
      const identifier = requiredString(payload, "identifier");
      const fields = resourceServerFields(payload);
      if (store.findResourceServer(identifier)) {
        throw conflict(
          "A resource server with the same identifier already exists",
          "operation_not_supported",
        );
      }
      // Auth0's defaults for a new API: RBAC off, no permissions claim, 24 h tokens, no refresh tokens.
      const server: StoredResourceServer = {
        // Auth0 gives an API a 24-hex-digit id.
        id: randomBytes(12).toString("hex"),
        name: fields.name ?? identifier,
        identifier,
        scopes: fields.scopes ?? [],
        signing_alg: "RS256",
        enforce_policies: fields.enforce_policies ?? false,
        token_dialect: fields.token_dialect ?? "access_token",
        token_lifetime: fields.token_lifetime ?? 86400,
        allow_offline_access: fields.allow_offline_access ?? false,
        skip_consent_for_verifiable_first_party_clients:
          fields.skip_consent_for_verifiable_first_party_clients ?? false,
      };
      store.data.resourceServers[server.id] = server;
      return reply.code(201).send(toResourceServer(server));
    },
  );

  app.patch<{ Params: { id: string } }>(
    "/api/v2/resource-servers/:id",
    { preHandler: requireScopes(ctx, "update:resource_servers") },
    async (request) => {
      const server = findResourceServer(request.params.id);
      const payload = payloadOf(request.body);
      if (payload.identifier !== undefined) invalidPayload("Additional properties not allowed: identifier");
      if (server.is_system)
        throw badRequest("You cannot update a system resource server", "operation_not_supported");
      Object.assign(server, resourceServerFields(payload));
      return toResourceServer(server);
    },
  );
}
