import { setTimeout as sleep } from "node:timers/promises";
import type { Auth0Management } from "../auth0/management.js";
import { statusOf, translateUpstream, upstream } from "../auth0/upstream.js";
import type { Caller } from "../caller/caller.js";
import type { ApiKeyExchange } from "../caller/api-key-exchange.js";
import { mintNativeKey, NATIVE_KEY_ID } from "../caller/native-api-key.js";
import { API_KEY_MARKER, nativeApiKeyModel, toApiKeyModel, type ApiKeyModel } from "../directory/models.js";
import type { DirectorySync } from "../directory/sync.js";
import { badUserInput, DomainError, notFound } from "../errors.js";
import type { Store } from "../store/store.js";
import { auditRecordOf, recordAudit, type Actor } from "./audit.js";
import type { PlanService } from "./plans.js";
import { mirrorInDirectory } from "./write-through.js";
import { PLATFORM_PERMISSIONS } from "../authz/vocabulary.js";

/** Long enough to outlive any token a rotated or revoked key's cached exchange could still hand out. */
const REVOCATION_MEMORY_MS = 2 * 24 * 3600 * 1000;

export type ApiKeyKind = ApiKeyModel["kind"];

export interface ApiKeySettings {
  /** How long Gatehouse waits for Auth0's answer to a secret rotation before it treats the answer as lost. */
  rotateTimeoutMs: number;
  /** The clock native keys' expiry is measured against (tests move it). */
  now: () => Date;
}

const DEFAULT_SETTINGS: ApiKeySettings = { rotateTimeoutMs: 15_000, now: () => new Date() };

/** Auth0 refused to create one more application: the tenant-wide entity limit of its plan. */
function isEntityLimit(error: unknown): boolean {
  const body = (error as { body?: { errorCode?: unknown } } | null)?.body;
  return statusOf(error) === 403 && body?.errorCode === "entity_limit_exceeded";
}

function rotationOutcomeUnknown(): DomainError {
  return new DomainError(
    "UPSTREAM_UNAVAILABLE",
    "Auth0 did not confirm the rotation. The key's tokens issued until now are refused either way; rotate again to get a working secret",
  );
}

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

/**
 * A tenant's API keys: Gatehouse-native keys (the default: issued, stored as a hash and checked by Gatehouse,
 * so they cost no Auth0 application and no Auth0 call), and Auth0 machine-to-machine applications bound to
 * the tenant, mirrored in the directory, for tenants who want OAuth client credentials.
 */
export class ApiKeyService {
  private readonly settings: ApiKeySettings;

  constructor(
    private readonly management: Auth0Management,
    private readonly store: Store,
    private readonly sync: DirectorySync,
    private readonly apiKeys: ApiKeyExchange,
    private readonly audience: string,
    private readonly plans: PlanService,
    settings: Partial<ApiKeySettings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
  }

  /** The tenant's native keys, not revoked, oldest first (Auth0-application keys are in the directory). */
  async listNativeApiKeys(tenantId: string): Promise<ApiKeyModel[]> {
    return (await this.store.apiKeys.listNative(tenantId)).map(nativeApiKeyModel);
  }

  /** The tenant's key with this id; another tenant's key, or any other client, is NOT_FOUND. */
  async findOwnApiKey(tenantId: string | null, id: string): Promise<ApiKeyModel> {
    if (NATIVE_KEY_ID.test(id)) {
      const native = await this.store.apiKeys.findNative(id);
      if (!native || native.tenantId !== tenantId) throw notFound("API key");
      return nativeApiKeyModel(native);
    }
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
    kind: ApiKeyKind = "NATIVE",
    expiresAt?: string | null,
  ): Promise<ApiKeySecret> {
    const keyName = assertKeyName(name);
    const keyScopes = assertKeyScopes(actor.caller, scopes);
    const ends = this.assertExpiry(kind, expiresAt);
    // Both kinds count against the plan's api_keys quota: the key is reserved before it is written, and counted
    // by its own row (the store's, or the directory's once mirrored) afterwards.
    return this.plans.withinQuota(tenantId, "api_keys", () =>
      kind === "NATIVE"
        ? this.createNativeKey(actor, tenantId, keyName, keyScopes, ends)
        : this.createAuth0Key(actor, tenantId, keyName, keyScopes),
    );
  }

  private assertExpiry(kind: ApiKeyKind, expiresAt: string | null | undefined): string | null {
    if (expiresAt == null) return null;
    if (kind !== "NATIVE") throw badUserInput("only a NATIVE key can expire", "expiresAt");
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) throw badUserInput("expiresAt must be an ISO 8601 date-time", "expiresAt");
    if (at <= this.settings.now().getTime())
      throw badUserInput("expiresAt must be in the future", "expiresAt");
    return new Date(at).toISOString();
  }

  /** One transaction: the key's row (a hash of its secret) and its audit record, or neither. */
  private async createNativeKey(
    actor: Actor,
    tenantId: string,
    keyName: string,
    keyScopes: string[],
    expiresAt: string | null,
  ): Promise<ApiKeySecret> {
    const minted = mintNativeKey();
    const stored = await this.store.transaction(async (tx) => {
      const key = await tx.apiKeys.createNative({
        id: minted.id,
        tenantId,
        name: keyName,
        prefix: minted.displayPrefix,
        secretHash: minted.secretHash,
        scopes: keyScopes,
        createdBy: actor.caller.subject,
        expiresAt,
      });
      await tx.auditLog.record(
        auditRecordOf(actor, {
          tenantId,
          action: "api_key.created",
          target: key.id,
          details: { name: keyName, scopes: keyScopes, kind: "NATIVE", expiresAt },
        }),
      );
      return key;
    });
    return { apiKey: nativeApiKeyModel(stored), clientId: stored.id, clientSecret: minted.key };
  }

  private async createAuth0Key(
    actor: Actor,
    tenantId: string,
    keyName: string,
    keyScopes: string[],
  ): Promise<ApiKeySecret> {
    const createdAt = new Date().toISOString();
    const client = await this.createApplication(() =>
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
          details: { name: keyName, scopes: keyScopes, kind: "AUTH0_APPLICATION" },
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
      kind: "AUTH0_APPLICATION",
      name: keyName,
      tenantId,
      scopes: keyScopes,
      createdAt,
      createdBy: actor.caller.subject,
      prefix: null,
      expiresAt: null,
      lastUsedAt: null,
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

  /** Auth0's entity limit is the tenant's to act on (a native key needs no application), not an outage. */
  private async createApplication<T>(create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if (isEntityLimit(error)) {
        throw badUserInput(
          "Auth0 allows no more applications on this Auth0 plan: create a NATIVE key instead",
          "kind",
        );
      }
      throw translateUpstream(error);
    }
  }

  async rotateApiKey(actor: Actor, tenantId: string | null, id: string): Promise<ApiKeySecret> {
    const key = await this.findOwnApiKey(tenantId, id);
    const rotated = key.kind === "NATIVE" ? await this.rotateNativeKey(key) : await this.rotateAuth0Key(key);
    await recordAudit(this.store, actor, { tenantId: key.tenantId, action: "api_key.rotated", target: id });
    return rotated;
  }

  /** The new secret's hash replaces the old one and moves the directory version on: refused everywhere next. */
  private async rotateNativeKey(key: ApiKeyModel): Promise<ApiKeySecret> {
    const minted = mintNativeKey(key.id);
    const rotated = await this.store.apiKeys.rotateNative(key.id, minted.secretHash);
    if (!rotated) throw notFound("API key");
    return { apiKey: nativeApiKeyModel(rotated), clientId: key.id, clientSecret: minted.key };
  }

  /**
   * Rotation that cuts off, even when Auth0's answer is lost. Before Auth0 is called, the rotation is recorded
   * (tokens Auth0 issued until now are refused) and the cached exchange of the old secret is voided on every
   * instance. Then:
   * - Auth0 answers: recorded again at the time of the answer, so every token the old secret could still get is
   *   refused; the new secret is handed out only once the clock has left that second (`iat` is in whole seconds,
   *   so a token from the new secret can never be mistaken for one from the old);
   * - Auth0 answers with an error: nothing was rotated, and the previous record is put back;
   * - the answer is lost (a time-out; Auth0 may have rotated): the key's state is reconciled by rotating once
   *   more, whose answer settles it; if that is lost too, everything issued until then stays refused and the
   *   caller is told to rotate again.
   */
  private async rotateAuth0Key(key: ApiKeyModel): Promise<ApiKeySecret> {
    const id = key.id;
    const previous = await this.store.apiKeys.findRotation(id);
    await this.cutOffOldSecret(id);
    let rotated;
    try {
      rotated = await this.rotateSecretAtAuth0(id);
    } catch (error) {
      if (statusOf(error) !== undefined) {
        await this.store.apiKeys.restoreRotation(id, previous);
        throw translateUpstream(error);
      }
      try {
        rotated = await this.rotateSecretAtAuth0(id);
      } catch {
        await this.cutOffOldSecret(id);
        throw rotationOutcomeUnknown();
      }
    }
    const rotatedAt = await this.cutOffOldSecret(id);
    await sleep(1000 - (rotatedAt.getTime() % 1000));
    return { apiKey: key, clientId: id, clientSecret: String(rotated.client_secret) };
  }

  private rotateSecretAtAuth0(id: string) {
    return this.management.clients.rotateSecret(id, {
      timeoutInSeconds: this.settings.rotateTimeoutMs / 1000,
    });
  }

  /** Refuses, on every instance, whatever the key's old secret obtained until now; answers that instant. */
  private async cutOffOldSecret(id: string): Promise<Date> {
    const at = new Date();
    await this.store.apiKeys.recordRotation(id, at);
    await this.apiKeys.revokeCachedCredentials(id, REVOCATION_MEMORY_MS);
    return at;
  }

  async revokeApiKey(actor: Actor, tenantId: string | null, id: string): Promise<string> {
    const key = await this.findOwnApiKey(tenantId, id);
    if (key.kind === "NATIVE") {
      await this.store.transaction(async (tx) => {
        if (!(await tx.apiKeys.revokeNative(id))) throw notFound("API key");
        await tx.auditLog.record(
          auditRecordOf(actor, { tenantId: key.tenantId, action: "api_key.revoked", target: id }),
        );
      });
      return id;
    }
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
