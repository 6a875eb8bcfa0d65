// Placeholder until the user grants land (password, authorization_code, refresh_token): they answer as an
// Auth0 tenant would for a grant type it does not offer.
import { OAuthError } from "../errors.js";
import type { TokenResponse } from "./token.js";

async function notYetOffered(): Promise<TokenResponse> {
  throw new OAuthError(400, "unsupported_grant_type", "Unsupported grant type");
}

export const passwordGrant = notYetOffered;
export const authorizationCodeGrant = notYetOffered;
export const refreshTokenGrant = notYetOffered;
