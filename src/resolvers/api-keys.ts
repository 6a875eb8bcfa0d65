import type { GatehouseContext } from "../context.js";
import { badUserInput, notFound } from "../errors.js";
import type { Resolvers } from "../generated/graphql.js";
import { API_KEY_MARKER, type ApiKeyModel } from "../auth0/models.js";
import { statusOf, upstream } from "../auth0/upstream.js";
import { callerTenant } from "./users.js";

/** Scopes no API key ever carries: they reach across tenants. */
const PLATFORM_SCOPES = new Set(["read:tenants", "manage:tenants"]);
/** Long enough to outlive any token a rotated or revoked key's cached exchange could still hand out. */
const REVOCATION_MEMORY_MS = 2 * 24 * 3600 * 1000;

function assertKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100 || /[<>]/.test(trimmed)) {
    throw badUserInput("name must be 1 to 100 characters, without < or >", "name");
  }
  return trimmed;
}

/** The scopes asked for, checked: known, held by the caller, never platform-wide. */
function assertKeyScopes({ caller }: GatehouseContext, scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes)];
  if (unique.length === 0) throw badUserInput("an API key needs at least one scope", "scopes");
  const platform = unique.filter((scope) => PLATFORM_SCOPES.has(scope));
  if (platform.length > 0) throw badUserInput(`API keys never carry ${platform.join(", ")}`, "scopes");
  const notHeld = unique.filter((scope) => !caller.permissions.has(scope));
  if (notHeld.length > 0) {
    throw badUserInput(`you cannot give a key scopes you do not hold: ${notHeld.join(", ")}`, "scopes");
  }
  return unique;
}

/** The caller's tenant's key with this id; another tenant's key, or any other client, is NOT_FOUND. */
async function findOwnApiKey(context: GatehouseContext, id: string): Promise<ApiKeyModel> {
  const key = await context.management.findApiKey(id);
  if (!key || key.tenantId !== context.caller.tenantId) throw notFound("API key");
  return key;
}

/**
 * After a rotation or revocation the old secret must fail at once: on every instance, cached exchanges of
 * the key are void and the client is looked up afresh.
 */
async function forgetCredentials(context: GatehouseContext, clientId: string): Promise<void> {
  await context.apiKeys.revokeCachedCredentials(clientId, REVOCATION_MEMORY_MS);
  await context.management.forget(`client:${clientId}`);
}

/**
 * The audit record of a change Auth0 has already made. It cannot be undone, so the record is written after
 * it (never inside a transaction held open across an Auth0 call, which on PGlite would stall every store
 * read); if the store fails now, the change stands and the missing record is logged, not hidden.
 */
async function recordAfterAuth0(
  context: GatehouseContext,
  event: { tenantId: string; action: string; target: string },
): Promise<void> {
  try {
    await context.store.auditLog.record({ ...event, actor: context.caller.subject });
  } catch (error) {
    console.error(`audit record missing: ${event.action} ${event.target} (${(error as Error).name})`);
  }
}

export const apiKeyResolvers: Resolvers = {
  Tenant: {
    apiKeys: (tenant, _args, { management }) => management.listApiKeys(tenant.id),
  },
  ApiKey: {
    createdBy: (key, _args, { loaders }) =>
      key.createdBy?.includes("|") ? loaders.user.load(key.createdBy) : null,
  },
  Mutation: {
    createApiKey: async (_root, { name, scopes }, context) => {
      const { management, caller, store, audience } = context;
      const tenantId = callerTenant(context);
      const keyName = assertKeyName(name);
      const keyScopes = assertKeyScopes(context, scopes);
      const createdAt = new Date().toISOString();

      const client = await upstream(() =>
        management.clients.create({
          name: keyName,
          app_type: "non_interactive",
          grant_types: ["client_credentials"],
          token_endpoint_auth_method: "client_secret_post",
          client_metadata: {
            [API_KEY_MARKER]: "true",
            tenant_id: tenantId,
            created_by: caller.subject ?? "",
            created_at: createdAt,
          },
        }),
      );
      const clientId = String(client.client_id);
      try {
        await upstream(() =>
          management.clientGrants.create({ client_id: clientId, audience, scope: keyScopes }),
        );
        await store.auditLog.record({
          tenantId,
          actor: caller.subject,
          action: "api_key.created",
          target: clientId,
          details: { name: keyName, scopes: keyScopes },
        });
      } catch (error) {
        // No key without its grant or its audit record: the application is removed again (its grant with it).
        await management.clients.delete(clientId).catch((cleanupError: unknown) => {
          console.error(
            `createApiKey: could not remove the half-created API key ${clientId}`,
            statusOf(cleanupError),
          );
        });
        throw error;
      }
      const apiKey: ApiKeyModel = {
        id: clientId,
        name: keyName,
        tenantId,
        scopes: keyScopes,
        createdAt,
        createdBy: caller.subject,
      };
      return { apiKey, clientId, clientSecret: String(client.client_secret) };
    },

    rotateApiKey: async (_root, { id }, context) => {
      const key = await findOwnApiKey(context, id);
      const rotated = await upstream(() => context.management.clients.rotateSecret(id));
      await forgetCredentials(context, id);
      await recordAfterAuth0(context, { tenantId: key.tenantId, action: "api_key.rotated", target: id });
      return { apiKey: key, clientId: id, clientSecret: String(rotated.client_secret) };
    },

    revokeApiKey: async (_root, { id }, context) => {
      const key = await findOwnApiKey(context, id);
      await upstream(() => context.management.clients.delete(id));
      await forgetCredentials(context, id);
      await recordAfterAuth0(context, { tenantId: key.tenantId, action: "api_key.revoked", target: id });
      return id;
    },
  },
};
