import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, notFound, type ManagementError } from "../errors.js";
import type { StoredClient, StoredClientGrant, StoredResourceServer } from "../model.js";
import { newId } from "../store.js";
import { requireScopes } from "./auth.js";
import { booleanParam, checkpointPage, offsetPage, wantsCheckpoint, type Query } from "./paging.js";
import {
  optionalBoolean,
  optionalEnum,
  optionalStringArray,
  payloadOf,
  requiredString,
  type Payload,
} from "./payload.js";

type ClientGrantRoute = { Params: { id: string } };

const ORGANIZATION_USAGES = ["deny", "allow", "require"] as const;
const SUBJECT_TYPES = ["client", "user"] as const;

function noSuchClientGrant(): ManagementError {
  return notFound("The client grant does not exist", "inexistent_client_grant");
}

function toClientGrant(grant: StoredClientGrant): Management.ClientGrantResponseContent {
  return { ...grant, scope: [...grant.scope] };
}

/** A grant may only carry scopes the API defines; Auth0 answers 400 naming the others. */
function requireDefinedScopes(server: StoredResourceServer, scope: string[]): void {
  const defined = new Set(server.scopes.map((entry) => entry.value));
  const undefinedScopes = scope.filter((value) => !defined.has(value));
  if (undefinedScopes.length > 0) {
    throw badRequest(
      `Client grant contains scopes that are not defined on the resource server: ${undefinedScopes.join(", ")}`,
    );
  }
}

/** Auth0 makes third-party applications name each organization they may reach: no `allow_any_organization`. */
function refuseAnyOrganizationForThirdParty(
  client: StoredClient | undefined,
  anyOrganization: boolean | undefined,
) {
  if (anyOrganization && client && !client.is_first_party) {
    throw badRequest("allow_any_organization cannot be enabled for third-party clients");
  }
}

/** `organization_usage` may be sent as null in an update, to clear it. */
function organizationUsage(payload: Payload): StoredClientGrant["organization_usage"] | null | undefined {
  if (payload.organization_usage === null) return null;
  return optionalEnum(payload, "organization_usage", ORGANIZATION_USAGES);
}

/** `/api/v2/client-grants`: which application may get tokens for which API, with which scopes. */
export function registerClientGrantRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findClientGrant(id: string): StoredClientGrant {
    const grant = store.data.clientGrants[id];
    if (!grant) throw noSuchClientGrant();
    return grant;
  }

  app.get(
    "/api/v2/client-grants",
    { preHandler: requireScopes(ctx, "read:client_grants") },
    async (request) => {
      const query = request.query as Query;
      const anyOrganization =
        query.allow_any_organization === undefined
          ? undefined
          : booleanParam(query, "allow_any_organization", false);
      const grants = Object.values(store.data.clientGrants)
        .filter((grant) => !query.client_id || grant.client_id === query.client_id)
        .filter((grant) => !query.audience || grant.audience === query.audience)
        .filter((grant) => !query.subject_type || grant.subject_type === query.subject_type)
        .filter(
          (grant) =>
            anyOrganization === undefined || (grant.allow_any_organization ?? false) === anyOrganization,
        )
        .map(toClientGrant);
      if (wantsCheckpoint(query))
        return checkpointPage(grants, query, "client_grants", (grant) => String(grant.id));
      return offsetPage(grants, query, "client_grants");
    },
  );

  app.get<ClientGrantRoute>(
    "/api/v2/client-grants/:id",
    { preHandler: requireScopes(ctx, "read:client_grants") },
    async (request) => toClientGrant(findClientGrant(request.params.id)),
  );

  app.post(
    "/api/v2/client-grants",
    { preHandler: requireScopes(ctx, "create:client_grants") },
    async (request, reply) => {
      const payload = payloadOf(request.body);
      const clientId = requiredString(payload, "client_id");
      const audience = requiredString(payload, "audience");
      const scope = optionalStringArray(payload, "scope") ?? [];
      const usage = organizationUsage(payload);
      const anyOrganization = optionalBoolean(payload, "allow_any_organization");
      const subjectType = optionalEnum(payload, "subject_type", SUBJECT_TYPES) ?? "client";

      const client = store.findClient(clientId);
      if (!client) throw notFound("The client does not exist", "inexistent_client");
      const server = store.findResourceServer(audience);
      if (!server)
        throw notFound("No resource server found by that identifier", "inexistent_resource_server");
      requireDefinedScopes(server, scope);
      refuseAnyOrganizationForThirdParty(client, anyOrganization);
      // One grant per application, API and subject type: the token endpoint looks the grant up by exactly that.
      if (store.findClientGrant(clientId, audience, subjectType)) {
        throw conflict("A client grant for this client and audience already exists", "client_grant_conflict");
      }

      const grant: StoredClientGrant = {
        id: newId("cgr"),
        client_id: clientId,
        audience,
        scope: [...new Set(scope)],
        ...(usage ? { organization_usage: usage } : {}),
        ...(anyOrganization === undefined ? {} : { allow_any_organization: anyOrganization }),
        subject_type: subjectType,
      };
      store.data.clientGrants[grant.id] = grant;
      return reply.code(201).send(toClientGrant(grant));
    },
  );

  app.patch<ClientGrantRoute>(
    "/api/v2/client-grants/:id",
    { preHandler: requireScopes(ctx, "update:client_grants") },
    async (request) => {
      const grant = findClientGrant(request.params.id);
      const payload = payloadOf(request.body);
      const scope = optionalStringArray(payload, "scope");
      const usage = organizationUsage(payload);
      const anyOrganization = optionalBoolean(payload, "allow_any_organization");
      refuseAnyOrganizationForThirdParty(store.findClient(grant.client_id), anyOrganization);
      if (scope !== undefined) {
        const server = store.findResourceServer(grant.audience);
        if (server) requireDefinedScopes(server, scope);
        grant.scope = [...new Set(scope)];
      }
      if (usage === null) delete grant.organization_usage;
      else if (usage !== undefined) grant.organization_usage = usage;
      if (anyOrganization !== undefined) grant.allow_any_organization = anyOrganization;
      return toClientGrant(grant);
    },
  );

  app.delete<ClientGrantRoute>(
    "/api/v2/client-grants/:id",
    { preHandler: requireScopes(ctx, "delete:client_grants") },
    async (request, reply) => {
      // Like Auth0's API description (no 404 listed), deleting an absent grant succeeds.
      store.deleteClientGrant(request.params.id);
      return reply.code(204).send();
    },
  );
}
