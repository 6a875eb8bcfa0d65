import type { ApiKeyRepository, ApiKeyRotation } from "../store/api-keys.js";
import type { AuditLog } from "../store/audit-log.js";
import { AuthenticationError, CallerUnavailableError } from "./authentication-error.js";
import type { Caller } from "./caller.js";
import { parseNativeKey, secretMatches } from "./native-api-key.js";

/** How often the last uses seen are written: at most one write per key per interval, per instance. */
export const LAST_USE_FLUSH_MS = 60_000;

/** A read served from the request's version-tagged memory of the store (RequestDirectory.cachedRead). */
export type CachedRead = <T>(name: string, load: () => Promise<T>) => Promise<T>;

/** Whether a token issued at `iat` (epoch seconds) predates a rotation: issued in or before its second. */
export function issuedBeforeRotation(iat: number, rotation: ApiKeyRotation): boolean {
  return iat <= Math.floor(Date.parse(rotation.rotatedAt) / 1000);
}

/**
 * What the request path checks about API keys, at the cost of a cached lookup: a native key's stored row, and
 * when an Auth0-application key was last rotated. Both are read through the directory's read cache, under the
 * directory's version, which every key write moves on (src/store/api-keys.ts) and which a request reads once
 * anyway: a key created,
 * rotated or revoked on any instance is seen by every instance on its next request, and an unchanged key costs
 * no statement of its own. Never an Auth0 call.
 *
 * A native key's last use is noted in memory and written in batches (`flush`, every LAST_USE_FLUSH_MS), so a
 * busy key costs no store write per request.
 */
export class ApiKeyChecks {
  private pendingUses = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly auditLog: AuditLog,
    private readonly now: () => Date = () => new Date(),
    flushIntervalMs = LAST_USE_FLUSH_MS,
  ) {
    this.timer = setInterval(() => {
      this.flush().catch((error: unknown) => {
        // Kept for the next flush; a last-use time is worth a retry, not a failed request.
        console.error(`api keys: last uses could not be written (${(error as Error).name})`);
      });
    }, flushIntervalMs);
    this.timer.unref();
  }

  private async cached<T>(read: CachedRead, name: string, load: () => Promise<T>): Promise<T> {
    try {
      return await read(name, load);
    } catch (error) {
      throw new CallerUnavailableError("the API key could not be checked right now; try again shortly", {
        cause: error,
      });
    }
  }

  /**
   * The caller a native key stands for. A malformed key or one with a wrong checksum is refused before any
   * lookup; `expectedId` is the id sent alongside it (Basic's user name), which must be the key's own.
   */
  async nativeCaller(key: string, read: CachedRead, expectedId?: string): Promise<Caller> {
    const parsed = parseNativeKey(key);
    if (!parsed)
      throw new AuthenticationError(
        "the API key is malformed or mistyped (its checksum is wrong)",
        "invalid_token",
        "malformed",
      );
    if (expectedId !== undefined && expectedId !== parsed.id) {
      throw new AuthenticationError(
        "the Basic user name is not the API key's id",
        "invalid_token",
        "invalid_api_key",
      );
    }
    const stored = await this.cached(read, `native-key:${parsed.id}`, () =>
      this.repository.findNative(parsed.id),
    );
    if (!stored || !secretMatches(parsed.secret, stored.secretHash)) {
      throw new AuthenticationError("the API key is not valid", "invalid_token", "invalid_api_key");
    }
    const now = this.now();
    if (stored.expiresAt && Date.parse(stored.expiresAt) <= now.getTime()) {
      throw new AuthenticationError("the API key has expired", "invalid_token", "expired");
    }
    this.pendingUses.set(stored.id, now);
    const caller: Caller = {
      kind: "TENANT_APP",
      subject: stored.id,
      userId: null,
      clientId: stored.id,
      tenantId: stored.tenantId,
      permissions: new Set(stored.scopes),
      denial: null,
    };
    if (stored.rotatedAt && !stored.firstUsedAfterRotationAt) {
      // The cached row is this instance's; marking it spares the next request the same write.
      stored.firstUsedAfterRotationAt = now.toISOString();
      const rotatedAt = stored.rotatedAt;
      await this.recordFirstUse(caller, stored.tenantId, stored.id, () =>
        this.repository.markNativeFirstUseAfterRotation(stored.id, rotatedAt),
      );
    }
    return caller;
  }

  /**
   * Refuses a token Auth0 issued to an Auth0-application key before Gatehouse last rotated it: the old
   * secret's tokens stop working at once, not when they expire. Records the first use after a rotation.
   */
  async assertIssuedAfterRotation(
    caller: Caller,
    clientId: string,
    iat: number,
    read: CachedRead,
  ): Promise<void> {
    const rotation = await this.cached(read, `rotation:${clientId}`, () =>
      this.repository.findRotation(clientId),
    );
    if (!rotation) return;
    if (issuedBeforeRotation(iat, rotation)) {
      throw new AuthenticationError(
        "the access token was issued before the API key was rotated",
        "invalid_token",
        "invalid_api_key",
      );
    }
    if (!rotation.firstUsedAt) {
      rotation.firstUsedAt = this.now().toISOString();
      await this.recordFirstUse(caller, caller.tenantId, clientId, () =>
        this.repository.markRotationFirstUse(clientId, rotation.rotatedAt),
      );
    }
  }

  /** One audit record per rotation, by whichever instance marks it first; a store failure loses only that. */
  private async recordFirstUse(
    caller: Caller,
    tenantId: string | null,
    target: string,
    mark: () => Promise<boolean>,
  ): Promise<void> {
    try {
      if (!(await mark())) return;
      await this.auditLog.record({
        tenantId,
        actor: {
          kind: caller.kind,
          subject: caller.subject,
          clientId: caller.clientId,
          partnerId: null,
        },
        action: "api_key.first_used_after_rotation",
        target,
        outcome: "succeeded",
      });
    } catch (error) {
      console.error(
        `audit record missing: api_key.first_used_after_rotation ${target} (${(error as Error).name})`,
      );
    }
  }

  /** Writes the last uses noted since the previous flush, in one statement. */
  async flush(): Promise<void> {
    if (this.pendingUses.size === 0) return;
    const uses = this.pendingUses;
    this.pendingUses = new Map();
    try {
      await this.repository.recordLastUses(uses);
    } catch (error) {
      for (const [id, at] of uses) if (!this.pendingUses.has(id)) this.pendingUses.set(id, at);
      throw error;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}
