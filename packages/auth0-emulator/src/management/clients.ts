import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { ManagementError, notFound } from "../errors.js";
import type { StoredClient } from "../model.js";
import { requireScopes } from "./auth.js";
import { booleanParam, offsetPage, selectFields, type Query } from "./paging.js";
import {
  invalidPayload,
  mergeStringMap,
  optionalBoolean,
  optionalEnum,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  payloadOf,
  requiredString,
  type Payload,
} from "./payload.js";

type ClientRoute = { Params: { id: string } };

const APP_TYPES = ["spa", "non_interactive", "regular_web", "native"] as const;
const AUTH_METHODS = ["none", "client_secret_post", "client_secret_basic"] as const;
const ORGANIZATION_USAGES = ["deny", "allow", "require"] as const;
const ORGANIZATION_REQUIRE_BEHAVIORS = ["no_prompt", "pre_login_prompt", "post_login_prompt"] as const;
const ROTATION_TYPES = ["rotating", "non-rotating"] as const;
const EXPIRATION_TYPES = ["expiring", "non-expiring"] as const;

/**
 * `refresh_token`: the emulator keeps its rotation and expiration types (Auth0's lifetimes are accepted
 * and not kept); a rotating token must expire, as Auth0 requires.
 */
function optionalRefreshToken(
  payload: Payload,
  current: StoredClient["refresh_token"],
): StoredClient["refresh_token"] | undefined {
  const value = payload.refresh_token;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    invalidPayload(`Expected type object but found type ${typeof value}`, "refresh_token");
  }
  const settings = value as Payload;
  const refreshToken = {
    rotation_type:
      optionalEnum(settings, "rotation_type", ROTATION_TYPES) ?? current?.rotation_type ?? "non-rotating",
    expiration_type:
      optionalEnum(settings, "expiration_type", EXPIRATION_TYPES) ??
      current?.expiration_type ??
      "non-expiring",
  };
  if (refreshToken.rotation_type === "rotating" && refreshToken.expiration_type === "non-expiring") {
    invalidPayload("Rotating refresh tokens must be expiring (expiration_type: expiring)", "refresh_token");
  }
  return refreshToken;
}

/** The grant types Auth0 enables for a new application of each type when none are given. */
const DEFAULT_GRANT_TYPES: Record<StoredClient["app_type"], string[]> = {
  spa: ["implicit", "authorization_code", "refresh_token"],
  native: ["implicit", "authorization_code", "refresh_token"],
  regular_web: ["implicit", "authorization_code", "refresh_token", "client_credentials"],
  non_interactive: ["client_credentials"],
};

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A client id as Auth0 mints them: 32 random alphanumerics. */
function newClientId(): string {
  let id = "";
  for (const byte of randomBytes(32)) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

/** A client secret as Auth0 mints them: 64 url-safe characters. */
function newClientSecret(): string {
  return randomBytes(48).toString("base64url");
}

function noSuchClient(): ManagementError {
  return notFound("The client does not exist", "inexistent_client");
}

function noAngleBrackets(name: string): string {
  if (name.length === 0 || /[<>]/.test(name)) {
    invalidPayload(`String does not match pattern ^[^<>]+$: ${name}`, "name");
  }
  return name;
}

/** Secrets travel only to a token that may read them (`read:client_keys`), as in Auth0. */
function mayReadSecrets(request: FastifyRequest): boolean {
  return request.managementToken?.scope.includes("read:client_keys") ?? false;
}

function toClient(client: StoredClient, withSecret: boolean): Management.Client {
  const { client_secret: secret, ...rest } = client;
  return {
    ...rest,
    callbacks: [...client.callbacks],
    grant_types: [...client.grant_types],
    client_metadata: { ...client.client_metadata },
    ...(client.refresh_token ? { refresh_token: { ...client.refresh_token } } : {}),
    ...(withSecret && secret ? { client_secret: secret } : {}),
  };
}

/** The fields a create or an update may set, checked against Auth0's schema. */
function clientFields(
  payload: Payload,
  current?: StoredClient,
): Partial<StoredClient> & { metadata?: Record<string, string | null> } {
  const name = optionalString(payload, "name");
  const fields = {
    name: name === undefined ? undefined : noAngleBrackets(name),
    description: optionalString(payload, "description"),
    logo_uri: optionalString(payload, "logo_uri"),
    app_type: optionalEnum(payload, "app_type", APP_TYPES),
    is_first_party: optionalBoolean(payload, "is_first_party"),
    token_endpoint_auth_method: optionalEnum(payload, "token_endpoint_auth_method", AUTH_METHODS),
    grant_types: optionalStringArray(payload, "grant_types"),
    callbacks: optionalStringArray(payload, "callbacks"),
    metadata: optionalStringMap(payload, "client_metadata"),
    organization_usage: optionalEnum(payload, "organization_usage", ORGANIZATION_USAGES),
    organization_require_behavior: optionalEnum(
      payload,
      "organization_require_behavior",
      ORGANIZATION_REQUIRE_BEHAVIORS,
    ),
    refresh_token: optionalRefreshToken(payload, current?.refresh_token),
  };
  if (fields.description !== undefined && fields.description.length > 140) {
    invalidPayload("String is too long (max 140)", "description");
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** `/api/v2/clients`: applications, their secrets, and secret rotation. */
export function registerClientRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findClient(id: string): StoredClient {
    const client = store.findClient(id);
    if (!client) throw noSuchClient();
    return client;
  }

  app.get("/api/v2/clients", { preHandler: requireScopes(ctx, "read:clients") }, async (request) => {
    const query = request.query as Query;
    const appTypes = query.app_type?.split(",").map((type) => type.trim());
    const firstParty =
      query.is_first_party === undefined ? undefined : booleanParam(query, "is_first_party", true);
    const clients = Object.values(store.data.clients)
      .filter((client) => !appTypes || appTypes.includes(client.app_type))
      .filter((client) => firstParty === undefined || client.is_first_party === firstParty)
      .map((client) => selectFields(toClient(client, mayReadSecrets(request)), query));
    return offsetPage(clients, query, "clients");
  });

  app.get<ClientRoute>(
    "/api/v2/clients/:id",
    { preHandler: requireScopes(ctx, "read:clients") },
    async (request) => {
      const client = findClient(request.params.id);
      return selectFields(toClient(client, mayReadSecrets(request)), request.query as Query);
    },
  );

  app.post(
    "/api/v2/clients",
    { preHandler: requireScopes(ctx, "create:clients") },
    async (request, reply) => {
      const payload = payloadOf(request.body);
      requiredString(payload, "name");
      const { metadata, ...fields } = clientFields(payload);
      const limit = ctx.controls.entityLimit("applications");
      if (limit !== undefined && Object.keys(store.data.clients).length >= limit) {
        // The status and wording are a guess (see the README): Auth0's docs name the limit, not its error body.
        throw new ManagementError(
          403,
          `You have reached the limit of ${limit} applications for this tenant's subscription`,
          "entity_limit_exceeded",
        );
      }
      // Auth0 leaves app_type unset when none is given and treats the application as a regular web app.
      const appType = fields.app_type ?? "regular_web";
      const authMethod =
        fields.token_endpoint_auth_method ??
        (appType === "spa" || appType === "native" ? "none" : "client_secret_post");
      const client: StoredClient = {
        client_id: newClientId(),
        ...(authMethod === "none" ? {} : { client_secret: newClientSecret() }),
        name: fields.name ?? "",
        description: fields.description ?? "",
        app_type: appType,
        is_first_party: fields.is_first_party ?? true,
        token_endpoint_auth_method: authMethod,
        grant_types: fields.grant_types ?? DEFAULT_GRANT_TYPES[appType],
        callbacks: fields.callbacks ?? [],
        ...(fields.logo_uri === undefined ? {} : { logo_uri: fields.logo_uri }),
        // Unset, organization_usage is Auth0's `deny` and refresh tokens are non-rotating and non-expiring.
        ...(fields.organization_usage === undefined ? {} : { organization_usage: fields.organization_usage }),
        ...(fields.organization_require_behavior === undefined
          ? {}
          : { organization_require_behavior: fields.organization_require_behavior }),
        ...(fields.refresh_token === undefined ? {} : { refresh_token: fields.refresh_token }),
        client_metadata: mergeStringMap({}, metadata ?? {}),
        created_at: new Date().toISOString(),
      };
      store.data.clients[client.client_id] = client;
      // The creator gets the new secret once, whatever its scopes: there is no other way to learn it.
      return reply.code(201).send(toClient(client, true));
    },
  );

  app.patch<ClientRoute>(
    "/api/v2/clients/:id",
    { preHandler: requireScopes(ctx, "update:clients", "update:client_keys") },
    async (request) => {
      const client = findClient(request.params.id);
      const payload = payloadOf(request.body);
      const { metadata, ...fields } = clientFields(payload, client);
      const secret = optionalString(payload, "client_secret");
      const scope = request.managementToken?.scope ?? [];
      if (secret !== undefined && !scope.includes("update:client_keys")) {
        throw new ManagementError(
          403,
          "Insufficient scope, expected any of: update:client_keys",
          "insufficient_scope",
        );
      }
      if (Object.keys(fields).length > 0 || metadata !== undefined) {
        if (!scope.includes("update:clients")) {
          throw new ManagementError(
            403,
            "Insufficient scope, expected any of: update:clients",
            "insufficient_scope",
          );
        }
      }
      Object.assign(client, fields);
      // Auth0 merges client_metadata on PATCH: sent keys are set, keys sent as null are removed.
      if (metadata !== undefined) client.client_metadata = mergeStringMap(client.client_metadata, metadata);
      if (secret !== undefined) client.client_secret = secret;
      if (client.token_endpoint_auth_method !== "none" && !client.client_secret) {
        client.client_secret = newClientSecret();
      }
      return toClient(client, mayReadSecrets(request));
    },
  );

  app.delete<ClientRoute>(
    "/api/v2/clients/:id",
    { preHandler: requireScopes(ctx, "delete:clients") },
    async (request, reply) => {
      // Its grants, consents and refresh tokens go with it, so its credentials fail at /oauth/token at once.
      store.deleteClient(request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<ClientRoute>(
    "/api/v2/clients/:id/rotate-secret",
    { preHandler: requireScopes(ctx, "update:client_keys") },
    async (request) => {
      const client = findClient(request.params.id);
      client.client_secret = newClientSecret();
      return toClient(client, true);
    },
  );
}
