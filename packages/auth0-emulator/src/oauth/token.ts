import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import { clientCredentialsOf, type TokenParams } from "./client-auth.js";
import { clientCredentialsGrant } from "./client-credentials.js";
import { authorizationCodeGrant, passwordGrant, refreshTokenGrant } from "./user-grants.js";

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

type GrantHandler = (
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
) => Promise<TokenResponse>;

const GRANTS: Record<string, GrantHandler> = {
  client_credentials: clientCredentialsGrant,
  password: passwordGrant,
  "http://auth0.com/oauth/grant-type/password-realm": passwordGrant,
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
};

function paramsOf(body: unknown): TokenParams {
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const params: TokenParams = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") params[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") params[key] = String(value);
  }
  return params;
}

/** `POST /oauth/token`, form or JSON, with Auth0's statuses and `{ error, error_description }` bodies. */
export function registerTokenEndpoint(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post("/oauth/token", async (request, reply) => {
    const params = paramsOf(request.body);
    const grantType = params.grant_type ?? "";
    ctx.controls.countTokenRequest(grantType);
    const { clientId } = clientCredentialsOf(params, request.headers.authorization);
    try {
      if (!grantType) throw new OAuthError(400, "invalid_request", "Missing required parameter: grant_type");
      const handler = GRANTS[grantType];
      if (!handler)
        throw new OAuthError(400, "unsupported_grant_type", `Unsupported grant type: ${grantType}`);
      const response = await handler(ctx, params, request.headers.authorization);
      ctx.controls.countTokenIssued(clientId ?? "unknown", grantType);
      reply.header("cache-control", "no-store").header("pragma", "no-cache");
      return response;
    } catch (error) {
      ctx.controls.countTokenFailure(clientId);
      throw error;
    }
  });
}
