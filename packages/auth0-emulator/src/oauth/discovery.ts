import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context.js";

/** OpenID discovery and the JWKS, in Auth0's shapes. */
export function registerDiscovery(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get("/.well-known/openid-configuration", async () => ({
    issuer: ctx.issuer,
    authorization_endpoint: `${ctx.issuer}authorize`,
    token_endpoint: `${ctx.issuer}oauth/token`,
    userinfo_endpoint: `${ctx.issuer}userinfo`,
    jwks_uri: `${ctx.issuer}.well-known/jwks.json`,
    scopes_supported: ["openid", "profile", "offline_access", "name", "email", "email_verified", "picture"],
    response_types_supported: ["code"],
    code_challenge_methods_supported: ["S256", "plain"],
    response_modes_supported: ["query"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "password",
      "http://auth0.com/oauth/grant-type/password-realm",
    ],
    claims_supported: [
      "aud",
      "auth_time",
      "email",
      "email_verified",
      "exp",
      "iat",
      "iss",
      "name",
      "nickname",
      "picture",
      "sub",
    ],
  }));

  app.get("/.well-known/jwks.json", async (_request, reply) => {
    reply.header("cache-control", "public, max-age=15");
    return ctx.keys.jwks();
  });
}
