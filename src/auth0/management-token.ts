import type Keyv from "keyv";
import { exchangeClientCredentials, refreshTimeOf, type ExchangedToken } from "./client-credentials.js";

/** The Management API scopes Gatehouse asks for, and no more. */
export const MANAGEMENT_SCOPES = [
  "read:users",
  "create:users",
  "update:users",
  "delete:users",
  "read:roles",
  "read:role_members",
  "read:organizations",
  "read:organization_members",
  "create:organization_members",
  "delete:organization_members",
  "read:organization_member_roles",
  "create:organization_member_roles",
  "delete:organization_member_roles",
  "read:clients",
  "create:clients",
  "update:clients",
  "delete:clients",
  "read:client_keys",
  "update:client_keys",
  "read:client_grants",
  "create:client_grants",
  "update:client_grants",
  "delete:client_grants",
  "read:grants",
  "delete:grants",
  "read:event_streams",
  "create:event_streams",
  "update:event_streams",
] as const;

interface CachedToken extends ExchangedToken {
  refreshAt: number;
}

/**
 * Supplies the Management API token: fetched with the client-credentials grant, cached in keyv (shared by
 * every instance when keyv is backed by Redis) until shortly before it expires, with concurrent fetches
 * merged into one. The token never leaves the server.
 */
export class ManagementTokenSupplier {
  private inFlight: Promise<string> | undefined;
  private local: CachedToken | undefined;

  constructor(
    private readonly options: { issuer: string; clientId: string; clientSecret: string },
    private readonly cache: Keyv,
  ) {}

  private get cacheKey(): string {
    return `mgmt-token:${this.options.clientId}`;
  }

  private get audience(): string {
    return `${this.options.issuer}api/v2/`;
  }

  /** The supplier the `auth0` SDK's clients call before every request. */
  readonly getToken = async (): Promise<string> => {
    const now = Date.now();
    if (this.local && this.local.refreshAt > now) return this.local.accessToken;
    this.inFlight ??= this.loadOrFetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  };

  private async loadOrFetch(): Promise<string> {
    const shared = await this.cache.get<CachedToken>(this.cacheKey);
    if (shared && shared.refreshAt > Date.now()) {
      this.local = shared;
      return shared.accessToken;
    }
    const token = await exchangeClientCredentials(this.options.issuer, {
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      audience: this.audience,
      scope: MANAGEMENT_SCOPES.join(" "),
    });
    const cached: CachedToken = { ...token, refreshAt: refreshTimeOf(token) };
    this.local = cached;
    await this.cache.set(this.cacheKey, cached, Math.max(1, cached.refreshAt - Date.now()));
    return token.accessToken;
  }
}
