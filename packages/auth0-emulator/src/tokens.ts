import type { JWTPayload } from "jose";
import type { EmulatorContext } from "./context.js";

export interface AccessTokenRequest {
  /** `<client_id>@clients` for client credentials, the user id otherwise. */
  subject: string;
  clientId: string;
  audience: string;
  scope: string[];
  /** `client-credentials` or `password`; absent for authorization-code and refresh-token tokens, as Auth0. */
  grantType?: "client-credentials" | "password";
  permissions?: string[];
  orgId?: string;
  /** With `openid` in the scope, Auth0 adds its `/userinfo` audience. */
  openid?: boolean;
  /** What a post-login Action set with `api.accessToken.setCustomClaim`, after Auth0's own claims. */
  customClaims?: Record<string, unknown>;
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/** Lifetime of tokens for an API: the emulator's override (tests), else the API's `token_lifetime`. */
export function tokenLifetime(ctx: EmulatorContext, audience: string): number {
  if (ctx.options.tokenLifetimeSeconds !== undefined) return ctx.options.tokenLifetimeSeconds;
  return ctx.store.findResourceServer(audience)?.token_lifetime ?? 86400;
}

/** Signs an access token with the claims, in the order, that Auth0 writes them. */
export async function issueAccessToken(
  ctx: EmulatorContext,
  request: AccessTokenRequest,
): Promise<IssuedAccessToken> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = tokenLifetime(ctx, request.audience);
  const payload: JWTPayload & Record<string, unknown> = {
    iss: ctx.issuer,
    sub: request.subject,
    aud: request.openid ? [request.audience, `${ctx.issuer}userinfo`] : request.audience,
    iat: now,
    exp: now + expiresIn,
    ...(request.orgId ? { org_id: request.orgId } : {}),
    scope: request.scope.join(" "),
    ...(request.grantType ? { gty: request.grantType } : {}),
    azp: request.clientId,
    ...(request.permissions ? { permissions: request.permissions } : {}),
    ...request.customClaims,
  };
  return { accessToken: await ctx.keys.sign(payload), expiresIn };
}
