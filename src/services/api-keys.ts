import type { Auth0Management } from "../auth0/management.js";
import { statusOf, upstream } from "../auth0/upstream.js";
import type { Caller } from "../caller/caller.js";
import type { ApiKeyExchange } from "../caller/api-key-exchange.js";
import { API_KEY_MARKER, toApiKeyModel, type ApiKeyModel } from "../directory/models.js";
import type { DirectorySync } from "../directory/sync.js";
import { badUserInput, notFound } from "../errors.js";
import type { Store } from "../store/store.js";
import { auditRecordOf, recordAudit, type Actor } from "./audit.js";
import type { PlanService } from "./plans.js";
import { mirrorInDirectory } from "./write-through.js";
import { PLATFORM_PERMISSIONS } from "../authz/vocabulary.js";

/** Long enough to outlive any token a rotated or revoked key's cached exchange could still hand out. */
const REVOCATION_MEMORY_MS = 2 * 24 * 3600 * 1000;

export interface ApiKeySecret {
  apiKey: ApiKeyModel;
  clientId: string;
  clientSecret: string;
}

function assertKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100 || /[<>]/.test(trimmed)) {
    throw badUserInput("name must be 1 to 100 characters, without < or >", "name");
  }
  return trimmed;
}

/** The scopes asked for, checked: known, held by the caller, never platform-wide. */
function assertKeyScopes(caller: Caller, scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes)];
  if (unique.length === 0) throw badUserInput("an API key needs at least one scope", "scopes");
  const platform = unique.filter((scope) => (PLATFORM_PERMISSIONS as readonly string[]).includes(scope));
  if (platform.length > 0) throw badUserInput(`API keys never carry ${platform.join(", ")}`, "scopes");
  const notHeld = unique.filter((scope) => !caller.permissions.has(scope));
  if (notHeld.length > 0) {
    throw badUserInput(`you cannot give a key scopes you do not hold: ${notHeld.join(", ")}`, "scopes");
  }
  return unique;
}

/** A tenant's API keys: Auth0 machine-to-machine applications bound to the tenant, mirrored in the directory. */
export class ApiKeyService {
  constructor(
    private readonly management: Auth0Management,
    private readonly store: Store,
    private readonly sync: DirectorySync,
    private readonly apiKeys: ApiKeyExchange,
    private readonly audience: string,
    private readonly plans: PlanService,
  ) {}

  /** The tenant's key with this id; another tenant's key, or any other client, is NOT_FOUND. */
  async findOwnApiKey(tenantId: string | null, id: string): Promise<ApiKeyModel> {
    const client = await this.store.directory.findClient(id);
    const key = client ? toApiKeyModel(client) : null;
    if (!key || key.tenantId !== tenantId) throw notFound("API key");
    return key;
  }

  async createApiKey(
    actor: Actor,
    tenantId: string,
    name: string,
    scopes: readonly string[],
  ): Promise<ApiKeySecret> {
    const keyName = assertKeyName(name);
    const keyScopes = assertKeyScopes(actor.caller, scopes);
    // The key is reserved before the Auth0 call and counted by its directory row once it is mirrored.
    return this.plans.withinQuota(tenantId, "api_keys", () =>
      this.createKey(actor, tenantId, keyName, keyScopes),
    );
  }

  private async createKey(
    actor: Actor,
    tenantId: string,
    keyName: string,
    keyScopes: string[],
  ): Promise<ApiKeySecret> {
    const createdAt = new Date().toISOString();
    const client = await upstream(() =>
      this.management.clients.create({
        name: keyName,
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "client_secret_post",
        client_metadata: {
          [API_KEY_MARKER]: "true",
          tenant_id: tenantId,
          created_by: actor.caller.subject ?? "",
          created_at: createdAt,
        },
      }),
    );
    const clientId = String(client.client_id);
    try {
      await upstream(() =>
        this.management.clientGrants.create({
          client_id: clientId,
          audience: this.audience,
          scope: keyScopes,
        }),
      );
      await this.store.auditLog.record(
        auditRecordOf(actor, {
          tenantId,
          action: "api_key.created",
          target: clientId,
          details: { name: keyName, scopes: keyScopes },
        }),
      );
    } catch (error) {
      // No key without its grant or its audit record: the application is removed again (its grant with it).
      await this.management.clients.delete(clientId).catch((cleanupError: unknown) => {
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
      createdBy: actor.caller.subject,
    };
    await mirrorInDirectory(
      `the API key ${clientId}`,
      () =>
        this.store.directory.upsertClient({
          id: clientId,
          name: keyName,
          description: null,
          logoUri: null,
          appType: "non_interactive",
          isFirstParty: true,
          metadata: {
            [API_KEY_MARKER]: "true",
            tenant_id: tenantId,
            created_by: actor.caller.subject ?? "",
            created_at: createdAt,
          },
          tenantId,
          createdAt,
          scopes: keyScopes,
          userScopes: [],
          sourceTime: createdAt,
        }),
      () => this.sync.repairClient(clientId),
    );
    return { apiKey, clientId, clientSecret: String(client.client_secret) };
  }

  async rotateApiKey(actor: Actor, tenantId: string | null, id: string): Promise<ApiKeySecret> {
    const key = await this.findOwnApiKey(tenantId, id);
    const rotated = await upstream(() => this.management.clients.rotateSecret(id));
    await this.apiKeys.revokeCachedCredentials(id, REVOCATION_MEMORY_MS);
    await recordAudit(this.store, actor, { tenantId: key.tenantId, action: "api_key.rotated", target: id });
    return { apiKey: key, clientId: id, clientSecret: String(rotated.client_secret) };
  }

  async revokeApiKey(actor: Actor, tenantId: string | null, id: string): Promise<string> {
    const key = await this.findOwnApiKey(tenantId, id);
    await upstream(() => this.management.clients.delete(id));
    await this.apiKeys.revokeCachedCredentials(id, REVOCATION_MEMORY_MS);
    await mirrorInDirectory(
      `the revocation of ${id}`,
      () => this.store.directory.deleteClient(id, new Date().toISOString()),
      () => this.sync.repairClient(id),
    );
    await recordAudit(this.store, actor, { tenantId: key.tenantId, action: "api_key.revoked", target: id });
    return id;
  }
}
