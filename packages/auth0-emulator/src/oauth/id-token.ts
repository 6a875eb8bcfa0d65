import type { JWTPayload } from "jose";
import type { EmulatorContext } from "../context.js";
import type { StoredUser } from "../model.js";

// Auth0's default ID token lifetime (an application's `jwt_configuration.lifetime_in_seconds`).
const ID_TOKEN_SECONDS = 36000;

export interface IdTokenRequest {
  user: StoredUser;
  clientId: string;
  /** The granted scope: `profile` and `email` decide which user claims appear, as in Auth0. */
  scope: string[];
  orgId?: string;
  nonce?: string;
}

/** The user's claims that the granted scope releases: `profile` and `email`, as Auth0 (ID token and /userinfo). */
export function profileClaims(user: StoredUser, scope: readonly string[]): Record<string, unknown> {
  return {
    ...(scope.includes("profile")
      ? { nickname: user.nickname, name: user.name, picture: user.picture, updated_at: user.updated_at }
      : {}),
    ...(scope.includes("email") ? { email: user.email, email_verified: user.email_verified } : {}),
  };
}

/** An OIDC ID token for the client (`aud` = client id), with the claims, in the order, Auth0 writes them. */
export async function issueIdToken(ctx: EmulatorContext, request: IdTokenRequest): Promise<string> {
  const { user } = request;
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload & Record<string, unknown> = {
    ...profileClaims(user, request.scope),
    iss: ctx.issuer,
    aud: request.clientId,
    sub: user.user_id,
    iat: now,
    exp: now + ID_TOKEN_SECONDS,
    ...(request.orgId ? { org_id: request.orgId } : {}),
    ...(request.nonce ? { nonce: request.nonce } : {}),
  };
  return ctx.keys.sign(payload);
}
