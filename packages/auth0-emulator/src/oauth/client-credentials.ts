import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import { issueAccessToken } from "../tokens.js";
import { authenticateClient, requireGrantType, splitScope, type TokenParams } from "./client-auth.js";
import type { TokenResponse } from "./token.js";

/** `grant_type=client_credentials`: a machine token for an API the client has a client grant on. */
export async function clientCredentialsGrant(
  ctx: EmulatorContext,
  params: TokenParams,
  authorization: string | undefined,
): Promise<TokenResponse> {
  const client = authenticateClient(ctx, params, authorization, { allowPublic: false });
  requireGrantType(client, "client_credentials");
  const audience = params.audience;
  if (!audience) {
    throw new OAuthError(400, "invalid_request", "Missing required parameter: audience");
  }
  if (!ctx.store.findResourceServer(audience)) {
    throw new OAuthError(403, "access_denied", `Service not enabled within domain: ${audience}`);
  }
  // Only the client's own grant counts here; a `user` grant on the same API is what it may get for users.
  const grant = ctx.store.findClientGrant(client.client_id, audience, "client");
  if (!grant) {
    throw new OAuthError(
      403,
      "access_denied",
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    );
  }

  const requested = splitScope(params.scope);
  const notGranted = requested.filter((scope) => !grant.scope.includes(scope));
  if (notGranted.length > 0) {
    throw new OAuthError(403, "access_denied", `Client has not been granted scopes: ${notGranted.join(",")}`);
  }
  const scope = requested.length > 0 ? requested : grant.scope;

  let orgId: string | undefined;
  const usage = grant.organization_usage ?? "deny";
  if (params.organization) {
    if (usage === "deny") {
      throw new OAuthError(400, "invalid_request", "Organization usage is disabled for this client grant");
    }
    const organization = Object.values(ctx.store.data.organizations).find(
      (org) => org.id === params.organization || org.name === params.organization,
    );
    if (!organization) throw new OAuthError(400, "invalid_request", "parameter organization is invalid");
    // A grant reaches an organization only through an association, unless it may reach any of them.
    if (!grant.allow_any_organization && !ctx.store.isAssociatedWithOrganization(organization.id, grant.id)) {
      throw new OAuthError(
        403,
        "access_denied",
        `Client is not authorized to access "${audience}" on behalf of the organization ${organization.id}. The client grant must be associated with the organization.`,
      );
    }
    orgId = organization.id;
  } else if (usage === "require") {
    throw new OAuthError(400, "invalid_request", "An organization is required for this client grant");
  }

  const token = await issueAccessToken(ctx, {
    subject: `${client.client_id}@clients`,
    clientId: client.client_id,
    audience,
    scope,
    grantType: "client-credentials",
    permissions: scope,
    orgId,
  });
  return {
    access_token: token.accessToken,
    scope: scope.join(" "),
    expires_in: token.expiresIn,
    token_type: "Bearer",
  };
}
