import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import type { StoredUser } from "../model.js";
import { verifyPassword } from "../passwords.js";
import { authenticateClient, requireGrantType, splitScope, type TokenParams } from "./client-auth.js";
import { redeemAuthorizationCode, verifiesCodeChallenge } from "./login-flow.js";
import type { TokenResponse } from "./token.js";
import {
  issueUserTokens,
  recordLogin,
  refreshTokenId,
  requireOrganizationAdmits,
  resolveAudience,
} from "./user-tokens.js";

const PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm";
/** The one database connection the emulated tenant has. */
export const DATABASE_CONNECTION = "Username-Password-Authentication";

function missing(parameter: string): OAuthError {
  return new OAuthError(400, "invalid_request", `Missing required parameter: ${parameter}`);
}

export function wrongEmailOrPassword(): OAuthError {
  return new OAuthError(403, "invalid_grant", "Wrong email or password.");
}

export function userIsBlocked(): OAuthError {
  return new OAuthError(401, "unauthorized", "user is blocked");
}

function invalidCode(): OAuthError {
  return new OAuthError(403, "invalid_grant", "Invalid authorization code");
}

function invalidRefreshToken(): OAuthError {
  return new OAuthError(403, "invalid_grant", "Unknown or invalid refresh token.");
}

/** The user behind an email and password on the database connection, or undefined when either is wrong. */
export function findUserByCredentials(
  ctx: EmulatorContext,
  email: string,
  password: string,
): StoredUser | undefined {
  const user = ctx.store.findUserByEmail(email);
  if (!user || user.connection !== DATABASE_CONNECTION) return undefined;
  return verifyPassword(password, user.password_hash) ? user : undefined;
}

/**
 * `grant_type=password` and Auth0's `password-realm`: a first-party client exchanges a user's email and
 * password for tokens. A public client (the SPA) sends only its id; a confidential one its secret too.
 */
export async function passwordGrant(
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
): Promise<TokenResponse> {
  const grantType = params.grant_type === PASSWORD_REALM ? PASSWORD_REALM : "password";
  const client = authenticateClient(ctx, params, authorization, { allowPublic: true });
  requireGrantType(client, grantType);
  if (!client.is_first_party) {
    // Auth0 does not let a third-party application enable the password grant at all.
    throw new OAuthError(403, "unauthorized_client", `Grant type '${grantType}' not allowed for the client.`);
  }
  if (!params.username) throw missing("username");
  if (!params.password) throw missing("password");
  if (grantType === PASSWORD_REALM) {
    if (!params.realm) throw missing("realm");
    if (params.realm !== DATABASE_CONNECTION) {
      throw new OAuthError(400, "invalid_request", "the connection was not found");
    }
  }
  if (params.organization) {
    // Auth0 does not support Organizations with the resource owner password flow; refusing beats
    // silently issuing a token without the `org_id` the caller asked for.
    throw new OAuthError(
      400,
      "invalid_request",
      "The organization parameter is not supported with the password grant",
    );
  }
  const server = resolveAudience(ctx, params.audience);

  const user = findUserByCredentials(ctx, params.username, params.password);
  if (!user) throw wrongEmailOrPassword();
  // Checked after the password, so a guess does not learn that the account exists.
  if (user.blocked) throw userIsBlocked();
  recordLogin(user);

  return issueUserTokens(ctx, {
    client,
    user,
    server,
    requestedScope: splitScope(params.scope),
    grantType: "password",
    mayIssueRefreshToken: true,
  });
}

/**
 * `grant_type=authorization_code`: the code from the login flow, once, by the client it was issued to, with
 * the same `redirect_uri`, and with the PKCE verifier when a challenge was sent (always, for public clients).
 */
export async function authorizationCodeGrant(
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
): Promise<TokenResponse> {
  const client = authenticateClient(ctx, params, authorization, { allowPublic: true });
  requireGrantType(client, "authorization_code");
  if (!params.code) throw missing("code");
  const code = redeemAuthorizationCode(ctx, params.code);
  if (!code || code.request.clientId !== client.client_id) throw invalidCode();
  if (params.redirect_uri !== code.request.redirectUri) throw invalidCode();
  const { codeChallenge, codeChallengeMethod } = code.request;
  if (
    codeChallenge &&
    !verifiesCodeChallenge(params.code_verifier, codeChallenge, codeChallengeMethod ?? "plain")
  ) {
    throw new OAuthError(403, "invalid_grant", "Failed to verify code verifier");
  }
  const user = ctx.store.data.users[code.userId];
  if (!user) throw invalidCode();
  if (user.blocked) throw userIsBlocked();

  return issueUserTokens(ctx, {
    client,
    user,
    server: resolveAudience(ctx, code.request.audience),
    requestedScope: code.request.scope,
    orgId: code.request.orgId,
    nonce: code.request.nonce,
    mayIssueRefreshToken: true,
  });
}

/**
 * `grant_type=refresh_token`: new tokens whose scope and permissions are recomputed from the current state
 * (the user's roles — member roles for an organization login —, the consent, the client grant), so a role
 * removed since the login is gone now.
 * `scope` may narrow what the refresh token was issued for.
 */
export async function refreshTokenGrant(
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
): Promise<TokenResponse> {
  const client = authenticateClient(ctx, params, authorization, { allowPublic: true });
  requireGrantType(client, "refresh_token");
  if (!params.refresh_token) throw missing("refresh_token");
  const stored = ctx.store.data.refreshTokens[refreshTokenId(params.refresh_token)];
  if (!stored || stored.client_id !== client.client_id) throw invalidRefreshToken();
  // Deleting a consent deletes its refresh tokens; this also covers a state edited by hand.
  if (stored.grant_id && !ctx.store.data.userGrants[stored.grant_id]) throw invalidRefreshToken();
  const user = ctx.store.data.users[stored.user_id];
  if (!user) throw invalidRefreshToken();
  if (user.blocked) throw userIsBlocked();
  const server = ctx.store.findResourceServer(stored.audience);
  if (!server) throw invalidRefreshToken();
  if (stored.org_id && !ctx.store.data.members[stored.org_id]?.includes(user.user_id)) {
    throw new OAuthError(
      403,
      "invalid_grant",
      `user ${user.user_id} is not part of the ${stored.org_id} organization`,
    );
  }
  requireOrganizationAdmits(ctx, client, stored.org_id);

  const narrowed = params.scope ? splitScope(params.scope) : undefined;
  const requestedScope = narrowed ? stored.scope.filter((scope) => narrowed.includes(scope)) : stored.scope;
  return issueUserTokens(ctx, {
    client,
    user,
    server,
    requestedScope,
    orgId: stored.org_id,
    mayIssueRefreshToken: false,
  });
}
