import { timingSafeEqual } from "node:crypto";
import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import type { StoredClient } from "../model.js";

export type TokenParams = Record<string, string | undefined>;

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Client id and secret from `Authorization: Basic` (client_secret_basic) or the body (client_secret_post). */
export function clientCredentialsOf(
  params: TokenParams,
  authorization: string | undefined,
): { clientId?: string; clientSecret?: string } {
  if (authorization?.startsWith("Basic ")) {
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const separator = decoded.indexOf(":");
    if (separator > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, separator)),
        clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
      };
    }
  }
  return { clientId: params.client_id, clientSecret: params.client_secret };
}

/**
 * Authenticates the client of a token request as Auth0 does: a confidential client must present its
 * current secret; a public client (SPA) only its id, and only where `allowPublic` (PKCE flows).
 */
export function authenticateClient(
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
  { allowPublic }: { allowPublic: boolean },
): StoredClient {
  const { clientId, clientSecret } = clientCredentialsOf(params, authorization);
  if (!clientId) throw new OAuthError(401, "access_denied", "Unauthorized");
  const client = ctx.store.findClient(clientId);
  if (!client) throw new OAuthError(401, "access_denied", "Unauthorized");
  if (client.token_endpoint_auth_method === "none" || !client.client_secret) {
    if (!allowPublic) throw new OAuthError(401, "access_denied", "Unauthorized");
    return client;
  }
  if (!clientSecret || !safeEqual(clientSecret, client.client_secret)) {
    throw new OAuthError(401, "access_denied", "Unauthorized");
  }
  return client;
}

export function requireGrantType(client: StoredClient, grantType: string): void {
  if (!client.grant_types.includes(grantType)) {
    throw new OAuthError(403, "unauthorized_client", `Grant type '${grantType}' not allowed for the client.`);
  }
}

export function splitScope(scope: string | undefined): string[] {
  return (scope ?? "").split(/\s+/).filter(Boolean);
}
