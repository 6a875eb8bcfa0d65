import type { RequestDirectory } from "../directory/read-cache.js";
import type { DirectorySync } from "../directory/sync.js";
import type { DirectoryClient, DirectoryUser } from "../store/directory.js";
import type { IntegrationRepository } from "../store/store.js";
import type { ApiKeyExchange } from "./api-key-exchange.js";
import type { ApiKeyChecks, CachedRead } from "./api-key-checks.js";
import type { ApiKeyExchangeLimits } from "./exchange-limits.js";
import type { AccessTokenVerifier, VerifiedToken } from "./access-token-verifier.js";
import { AuthenticationError, CallerUnavailableError } from "./authentication-error.js";
import { ANONYMOUS_CALLER, type Caller } from "./caller.js";
import { looksLikeNativeKey } from "./native-api-key.js";

/** A user whose token may still be used: one that exists and is not blocked. */
function assertUsable(user: DirectoryUser | null): void {
  if (!user)
    throw new AuthenticationError(
      "the access token's user no longer exists",
      "invalid_token",
      "user_missing",
    );
  if (user.blocked)
    throw new AuthenticationError("the access token's user is blocked", "invalid_token", "user_blocked");
}

/** RFC 6750 token68 characters: what a bearer token may be made of. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function malformedBasic(): AuthenticationError {
  return new AuthenticationError(
    "Basic credentials must be base64(client_id:client_secret)",
    "invalid_request",
  );
}

/** RFC 6749 §2.3.1 has clients form-encode the id and secret before base64; most do not, and both work. */
function formDecoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

export type Credentials =
  | { scheme: "none" }
  | { scheme: "bearer"; token: string }
  | { scheme: "basic"; clientId: string; clientSecret: string };

/** Reads the Authorization header; anything malformed is a 401, never silently anonymous. */
export function parseAuthorization(header: string | undefined): Credentials {
  if (header === undefined) return { scheme: "none" };
  const match = /^(\S+) (\S+)$/.exec(header.trim());
  if (!match?.[1] || !match[2]) {
    throw new AuthenticationError(
      "the Authorization header must be 'Bearer <token>' or 'Basic <credentials>'",
      "invalid_request",
    );
  }
  const [, scheme, value] = match;
  if (!TOKEN68.test(value))
    throw new AuthenticationError("the Authorization header's credentials are malformed", "invalid_request");
  switch (scheme.toLowerCase()) {
    case "bearer":
      return { scheme: "bearer", token: value };
    case "basic": {
      if (!BASE64.test(value)) throw malformedBasic();
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const separator = decoded.indexOf(":");
      if (separator <= 0 || separator === decoded.length - 1) throw malformedBasic();
      return {
        scheme: "basic",
        clientId: formDecoded(decoded.slice(0, separator)),
        clientSecret: formDecoded(decoded.slice(separator + 1)),
      };
    }
    default:
      throw new AuthenticationError(
        `the '${scheme}' authorization scheme is not supported; use Bearer or Basic`,
        "invalid_request",
      );
  }
}

/**
 * Builds the request's Caller from its credentials: verifies the token (exchanging Basic API-key
 * credentials for one first), recognises the kind of caller from the token and its client, and finds the
 * tenant the request acts in.
 */
export class CallerResolver {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly apiKeys: ApiKeyExchange,
    private readonly keys: ApiKeyChecks,
    private readonly directory: RequestDirectory,
    private readonly sync: DirectorySync,
    private readonly integrations: IntegrationRepository,
    /** The single-page apps whose users' tokens are accepted: configured, never inferred from Auth0. */
    private readonly spaClientIds: ReadonlySet<string>,
    /** Keeps made-up client ids from reaching Auth0; unset: every Basic credential is exchanged. */
    private readonly exchangeLimits?: ApiKeyExchangeLimits,
    /** Whether the directory's first import is complete, so a client it does not hold does not exist. */
    private readonly directoryComplete: () => boolean = () => false,
  ) {}

  /** The request's version-tagged reads of the store, which the API-key checks go through. */
  private readonly cachedRead: CachedRead = (name, load) => this.directory.cachedRead(name, load);

  async resolve(authorization: string | undefined): Promise<Caller> {
    const credentials = parseAuthorization(authorization);
    switch (credentials.scheme) {
      case "none":
        return ANONYMOUS_CALLER;
      case "bearer":
        // A Gatehouse-native key is checked by Gatehouse alone: never a JWT, never an Auth0 call.
        if (looksLikeNativeKey(credentials.token))
          return this.keys.nativeCaller(credentials.token, this.cachedRead);
        return this.fromToken(await this.verifier.verify(credentials.token));
      case "basic": {
        if (looksLikeNativeKey(credentials.clientSecret)) {
          return this.keys.nativeCaller(credentials.clientSecret, this.cachedRead, credentials.clientId);
        }
        await this.exchangeLimits?.assertKnownClient(
          this.directory,
          credentials.clientId,
          this.directoryComplete(),
        );
        const token = await this.apiKeys
          .exchange(credentials.clientId, credentials.clientSecret)
          .catch((error: unknown) => {
            if (!(error instanceof AuthenticationError)) throw error;
            throw new AuthenticationError(error.description, error.oauthError, "invalid_api_key");
          });
        const caller = await this.fromToken(await this.verifier.verify(token));
        if (caller.kind !== "TENANT_APP")
          throw new AuthenticationError(
            "Basic credentials must be an API key",
            "invalid_token",
            "invalid_api_key",
          );
        return caller;
      }
    }
  }

  /**
   * A machine token is exactly what Auth0's client-credentials grant issues: `gty: client-credentials` and
   * `sub` = `<azp>@clients`. Anything else claiming to be one — a user subject with that `gty`, a `@clients`
   * subject without it, a subject naming another client than `azp` — is refused, not guessed at.
   */
  private async fromToken(token: VerifiedToken): Promise<Caller> {
    if (!token.azp)
      throw new AuthenticationError(
        "the access token names no client (azp)",
        "invalid_token",
        "inconsistent_token",
      );
    const machineSubject = token.sub.endsWith("@clients");
    if (token.gty === "client-credentials" || machineSubject) {
      if (token.gty !== "client-credentials" || token.sub !== `${token.azp}@clients`) {
        throw new AuthenticationError(
          "the access token's subject, client and grant type do not agree",
          "invalid_token",
          "inconsistent_token",
        );
      }
      return this.tenantApp(token, token.azp);
    }
    return this.userOrPartner(token, token.azp);
  }

  private async tenantApp(token: VerifiedToken, clientId: string): Promise<Caller> {
    // The client must still exist: a revoked API key's tokens stop working before they expire.
    const client = await this.existingClient(clientId);
    const tenantId = client.tenantId;
    // An organization in the token is Auth0's word that the client may act there; a client bound to a
    // tenant acts in that tenant only, so the two must agree.
    if (token.orgId && tenantId && token.orgId !== tenantId) {
      throw new AuthenticationError(
        "the access token's organization is not the API key's tenant",
        "invalid_token",
        "inconsistent_token",
      );
    }
    const caller: Caller = {
      kind: "TENANT_APP",
      subject: token.sub,
      userId: null,
      clientId,
      tenantId: token.orgId ?? tenantId,
      permissions: new Set(token.scope),
      denial: null,
    };
    await this.keys.assertIssuedAfterRotation(caller, clientId, token.iat, this.cachedRead);
    return caller;
  }

  private async userOrPartner(token: VerifiedToken, clientId: string): Promise<Caller> {
    const isSpa = this.spaClientIds.has(clientId);
    if (!isSpa) {
      const client = await this.existingClient(clientId);
      if (client.isFirstParty || client.metadata.gatehouse_partner !== "true") {
        throw new AuthenticationError(
          "the access token's client is neither one of the product's single-page apps nor a Gatehouse partner",
          "invalid_token",
          "not_a_product_client",
        );
      }
    }
    // Permissions are frozen in the token; whether the person may still use it is not.
    const tenantId = token.orgId
      ? await this.currentMember(token.orgId, token.sub)
      : (await this.currentUser(token.sub), await this.onlyTenantOf(token.sub));
    if (!isSpa) return this.partner(token, clientId, tenantId);
    return {
      kind: "USER",
      subject: token.sub,
      userId: token.sub,
      clientId,
      tenantId,
      permissions: new Set(token.permissions),
      denial: null,
    };
  }

  /** The token's user as the directory knows them now: a blocked or deleted user's token is refused. */
  private async currentUser(userId: string): Promise<void> {
    const user = await this.checked(
      async () => (await this.directory.findUser(userId)) ?? (await this.sync.learnUser(userId)),
      "the user",
    );
    assertUsable(user);
  }

  /** The token's organization, while its user may use it and is still a member of it: one directory read. */
  private async currentMember(tenantId: string, userId: string): Promise<string> {
    const membership = await this.checked(async () => {
      const found = await this.directory.findUserInTenant(userId, tenantId);
      if (found) {
        assertUsable(found.user);
        return found.membership ?? (await this.sync.learnMembership(tenantId, userId));
      }
      assertUsable(await this.sync.learnUser(userId));
      return (
        (await this.directory.findMembership(tenantId, userId)) ??
        (await this.sync.learnMembership(tenantId, userId))
      );
    }, "the user's membership");
    if (!membership) {
      throw new AuthenticationError(
        "the access token's user is no longer a member of its organization",
        "invalid_token",
        "not_a_member",
      );
    }
    return tenantId;
  }

  /** Reads what a caller check needs; the store or Auth0 not answering is a 503, never a 401. */
  private async checked<T>(read: () => Promise<T>, what: string): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new CallerUnavailableError(`${what} could not be checked right now; try again shortly`, {
        cause: error,
      });
    }
  }

  /**
   * A partner acting for a user is served only while its integration is ACTIVE in the user's tenant —
   * checked on every request, so disabling it stops the partner at once, not when its token expires. Its
   * permissions: the token's scopes ∩ the user's permissions ∩ the scopes the integration was enabled with.
   */
  private async partner(token: VerifiedToken, partnerId: string, tenantId: string | null): Promise<Caller> {
    const integration = tenantId
      ? await this.integrations.findByPartnerAndTenant(partnerId, tenantId).catch((error: unknown) => {
          throw new CallerUnavailableError(
            "the partner's integration could not be checked; try again shortly",
            {
              cause: error,
            },
          );
        })
      : null;
    const active = integration?.status === "ACTIVE";
    // A consent is given in Auth0's login, which no event announces: its first use tells the directory.
    if (active) await this.checked(() => this.sync.learnConsent(token.sub, partnerId), "the user's consent");
    const permissions = active
      ? token.scope.filter((scope) => token.permissions.includes(scope) && integration.scopes.includes(scope))
      : [];
    return {
      kind: "PARTNER",
      subject: token.sub,
      userId: token.sub,
      clientId: partnerId,
      tenantId,
      permissions: new Set(permissions),
      denial: active ? null : "Not authorised: this partner's integration is not enabled in your tenant",
    };
  }

  /** The client, from the directory; one it does not know yet is looked up in Auth0 once. */
  private async existingClient(clientId: string): Promise<DirectoryClient> {
    const client = await this.checked(
      async () => (await this.directory.findClient(clientId)) ?? (await this.sync.learnClient(clientId)),
      "the token's client",
    );
    if (!client)
      throw new AuthenticationError(
        "the access token's client does not exist",
        "invalid_token",
        "unknown_client",
      );
    return client;
  }

  private async onlyTenantOf(userId: string): Promise<string | null> {
    const tenants = await this.checked(() => this.directory.tenantsOfUser(userId), "the user's tenant");
    if (tenants.length > 1) {
      throw new AuthenticationError(
        "the user belongs to several tenants: request a token for one of them (the organization parameter)",
        "invalid_token",
        "tenant_ambiguous",
      );
    }
    return tenants[0] ?? null;
  }
}
