import { createHash, randomBytes } from "node:crypto";
import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import type {
  StoredClient,
  StoredRefreshToken,
  StoredResourceServer,
  StoredUser,
  StoredUserGrant,
} from "../model.js";
import { newId } from "../store.js";
import { issueAccessToken } from "../tokens.js";
import { issueIdToken } from "./id-token.js";
import { postLoginClaims } from "./post-login-hook.js";
import type { TokenResponse } from "./token.js";

/** The OpenID Connect scopes the emulator knows; any other requested scope must be one of the API's. */
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"];

function isOidcScope(scope: string): boolean {
  return OIDC_SCOPES.includes(scope);
}

/**
 * Without `audience`, an Auth0 tenant uses its "Default Audience" setting (the seed's `defaultAudience`),
 * so a token request that forgets the audience still gets a usable JWT. Auth0 without one issues a token
 * for /userinfo only, which the emulator does not: it refuses.
 */
export function resolveAudience(ctx: EmulatorContext, audience: string | undefined): StoredResourceServer {
  const identifier = audience || ctx.store.data.defaultAudience;
  if (!identifier) {
    throw new OAuthError(
      403,
      "access_denied",
      "No audience was requested and the tenant has no default audience",
    );
  }
  const server = ctx.store.findResourceServer(identifier);
  if (!server) throw new OAuthError(403, "access_denied", `Service not found: ${identifier}`);
  return server;
}

/**
 * A user's consent to a third-party client for one API, given in one organization (or without one): Auth0
 * keeps consents per organization, so a consent given in one does not cover a login in another.
 */
export function findUserGrant(
  ctx: EmulatorContext,
  clientId: string,
  userId: string,
  audience: string,
  orgId: string | undefined,
): StoredUserGrant | undefined {
  return Object.values(ctx.store.data.userGrants).find(
    (grant) =>
      grant.clientID === clientId &&
      grant.user_id === userId &&
      grant.audience === audience &&
      grant.organization_id === orgId,
  );
}

/** What a third-party client may ever get for users on an API: its client grant with `subject_type: user`. */
function userAccessPolicy(ctx: EmulatorContext, clientId: string, audience: string): string[] {
  return ctx.store.findClientGrant(clientId, audience, "user")?.scope ?? [];
}

/**
 * Organizations block third-party applications unless they are set to allow them (Auth0's
 * `third_party_client_access`, `block` by default): a login, and a refresh, through one that blocks is refused.
 */
export function requireOrganizationAdmits(
  ctx: EmulatorContext,
  client: StoredClient,
  orgId: string | undefined,
): void {
  if (client.is_first_party || !orgId) return;
  const organization = ctx.store.data.organizations[orgId];
  if (organization?.third_party_client_access === "allow") return;
  throw new OAuthError(
    403,
    "access_denied",
    `the ${orgId} organization does not allow access to third-party applications`,
  );
}

function apiScopesRequested(server: StoredResourceServer, requested: string[]): string[] {
  // Users never get Management API scopes this way: Auth0 only hands them `*:current_user` scopes there,
  // which the emulator does not model, and the emulated Management API would otherwise honour them.
  if (server.is_system) return [];
  return requested.filter(
    (scope) => !isOidcScope(scope) && server.scopes.some((defined) => defined.value === scope),
  );
}

/**
 * The scopes a third-party client's user is asked to consent to: the OIDC scopes requested and the API
 * scopes requested that the client's user access policy allows at all.
 */
export function consentableScopes(
  ctx: EmulatorContext,
  client: StoredClient,
  server: StoredResourceServer,
  requested: string[],
): string[] {
  const allowed = userAccessPolicy(ctx, client.client_id, server.identifier);
  const apiScopes = apiScopesRequested(server, requested).filter((scope) => allowed.includes(scope));
  return requested.filter((scope) => isOidcScope(scope) || apiScopes.includes(scope));
}

/** Does an existing consent already cover everything this request would ask the user for? */
export function consentCovers(grant: StoredUserGrant | undefined, scopes: string[]): boolean {
  return grant !== undefined && scopes.every((scope) => grant.scope.includes(scope));
}

/** Records (or widens) a user's consent to a third-party client, as Auth0 does on "Accept". */
export function recordConsent(
  ctx: EmulatorContext,
  clientId: string,
  userId: string,
  audience: string,
  orgId: string | undefined,
  scopes: string[],
): StoredUserGrant {
  const existing = findUserGrant(ctx, clientId, userId, audience, orgId);
  if (existing) {
    existing.scope = [...new Set([...existing.scope, ...scopes])];
    return existing;
  }
  const grant: StoredUserGrant = {
    id: newId(""),
    clientID: clientId,
    user_id: userId,
    audience,
    scope: scopes,
    ...(orgId ? { organization_id: orgId } : {}),
  };
  ctx.store.data.userGrants[grant.id] = grant;
  return grant;
}

export interface UserAccess {
  /** The token's `scope`, in the order it was requested. */
  scope: string[];
  /** The `permissions` claim, where the API puts permissions in its tokens. */
  permissions?: string[];
  /** Whether a refresh token may be issued (and `offline_access` stays in the scope). */
  offline: boolean;
  /** The consent a third-party client's access rests on. */
  grantId?: string;
}

/**
 * What a user's token may carry, computed from the current state each time (also on refresh):
 * for a first-party client the requested API scopes the user holds as RBAC permissions — through the
 * organization's member roles when the login is in one (`orgId`), their tenant-level roles otherwise; for a
 * third-party client, requested ∩ consented (in that organization) ∩ the client's user access grant ∩ the
 * user's permissions — and then its `permissions` claim is that same intersection, never the user's full
 * permissions.
 */
export function userAccess(
  ctx: EmulatorContext,
  client: StoredClient,
  userId: string,
  server: StoredResourceServer,
  requested: string[],
  orgId: string | undefined,
): UserAccess {
  const userPermissions = server.enforce_policies
    ? ctx.store.userPermissions(userId, server.identifier, orgId)
    : undefined;
  let apiScopes = apiScopesRequested(server, requested);
  if (userPermissions) apiScopes = apiScopes.filter((scope) => userPermissions.includes(scope));
  let oidcScopes = requested.filter(isOidcScope);
  let permissions = userPermissions;
  let grantId: string | undefined;

  if (!client.is_first_party) {
    const consent = findUserGrant(ctx, client.client_id, userId, server.identifier, orgId);
    const consented = consent?.scope ?? [];
    const allowed = userAccessPolicy(ctx, client.client_id, server.identifier);
    apiScopes = apiScopes.filter((scope) => consented.includes(scope) && allowed.includes(scope));
    oidcScopes = oidcScopes.filter((scope) => consented.includes(scope));
    permissions = userPermissions?.filter((permission) => apiScopes.includes(permission));
    grantId = consent?.id;
  }

  const offline =
    oidcScopes.includes("offline_access") &&
    server.allow_offline_access &&
    client.grant_types.includes("refresh_token");
  const scope = requested.filter(
    (value, index) =>
      requested.indexOf(value) === index &&
      ((oidcScopes.includes(value) && (value !== "offline_access" || offline)) || apiScopes.includes(value)),
  );
  const permissionsInToken = server.enforce_policies && server.token_dialect === "access_token_authz";
  return { scope, permissions: permissionsInToken ? permissions : undefined, offline, grantId };
}

/** Counts a successful login on the user's profile, as Auth0 does. */
export function recordLogin(user: StoredUser): void {
  const now = new Date().toISOString();
  user.last_login = now;
  user.updated_at = now;
  user.logins_count += 1;
}

export function refreshTokenId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function storeRefreshToken(
  ctx: EmulatorContext,
  record: Omit<StoredRefreshToken, "id" | "created_at">,
): string {
  // Auth0 refresh tokens are opaque; only a hash is kept, so a leaked state file does not leak them.
  const token = `v1.${randomBytes(48).toString("base64url")}`;
  const id = refreshTokenId(token);
  ctx.store.data.refreshTokens[id] = { id, ...record, created_at: new Date().toISOString() };
  return token;
}

export interface UserTokenRequest {
  client: StoredClient;
  user: StoredUser;
  server: StoredResourceServer;
  /** What the client asked for; the refresh token remembers it so refreshing recomputes from it. */
  requestedScope: string[];
  orgId?: string;
  nonce?: string;
  /** Only the password grants mark their tokens (`gty: password`). */
  grantType?: "password";
  /** False when refreshing: Auth0 (without rotation) keeps the refresh token the client already has. */
  mayIssueRefreshToken: boolean;
}

/** The token response for a user: access token, ID token with `openid`, refresh token with offline access. */
export async function issueUserTokens(
  ctx: EmulatorContext,
  request: UserTokenRequest,
): Promise<TokenResponse> {
  const { client, user, server } = request;
  const access = userAccess(ctx, client, user.user_id, server, request.requestedScope, request.orgId);
  const openid = access.scope.includes("openid");
  // Auth0 runs post-login Actions on logins and on refresh-token exchanges alike.
  const customClaims = request.orgId
    ? await postLoginClaims(ctx, { userId: user.user_id, orgId: request.orgId })
    : {};
  const accessToken = await issueAccessToken(ctx, {
    subject: user.user_id,
    clientId: client.client_id,
    audience: server.identifier,
    scope: access.scope,
    grantType: request.grantType,
    permissions: access.permissions,
    orgId: request.orgId,
    openid,
    customClaims,
  });
  const refreshToken =
    request.mayIssueRefreshToken && access.offline
      ? storeRefreshToken(ctx, {
          client_id: client.client_id,
          user_id: user.user_id,
          audience: server.identifier,
          scope: request.requestedScope,
          ...(request.orgId ? { org_id: request.orgId } : {}),
          ...(access.grantId ? { grant_id: access.grantId } : {}),
        })
      : undefined;
  const idToken = openid
    ? await issueIdToken(ctx, {
        user,
        clientId: client.client_id,
        scope: access.scope,
        orgId: request.orgId,
        nonce: request.nonce,
      })
    : undefined;
  return {
    access_token: accessToken.accessToken,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    scope: access.scope.join(" "),
    expires_in: accessToken.expiresIn,
    token_type: "Bearer",
  };
}
