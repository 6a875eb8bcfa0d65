import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EmulatorContext } from "../context.js";
import { OAuthError } from "../errors.js";
import type { StoredClient } from "../model.js";
import {
  endLoginTransaction,
  findLoginTransaction,
  issueAuthorizationCode,
  startLoginTransaction,
  type AuthorizationRequest,
  type LoginTransaction,
} from "./login-flow.js";
import { consentPage, errorPage, loginPage } from "./login-pages.js";
import { splitScope } from "./client-auth.js";
import { findUserByCredentials } from "./user-grants.js";
import {
  consentableScopes,
  consentCovers,
  findUserGrant,
  recordConsent,
  recordLogin,
  requireOrganizationAdmits,
  resolveAudience,
} from "./user-tokens.js";

type Fields = Record<string, string | undefined>;

/** Query or form fields as single strings (a repeated field counts by its first value). */
function fieldsOf(input: unknown): Fields {
  const fields: Fields = {};
  if (!input || typeof input !== "object") return fields;
  for (const [key, value] of Object.entries(input)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string") fields[key] = first;
  }
  return fields;
}

function isPublic(client: StoredClient): boolean {
  return client.token_endpoint_auth_method === "none" || !client.client_secret;
}

/**
 * Answers with Auth0's error page, for what cannot go back to the application (its callback is unknown or
 * untrusted). A caller that asks for JSON gets `{ error, error_description }` instead.
 */
function showError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: string,
  description: string,
): FastifyReply {
  reply.code(400);
  const accept = request.headers.accept ?? "";
  if (accept.includes("application/json") && !accept.includes("text/html")) {
    return reply.send({ error, error_description: description });
  }
  return reply.type("text/html; charset=utf-8").send(errorPage(error, description));
}

/** Sends the browser back to the application's callback with `fields` (and its `state`) in the query. */
function redirectBack(reply: FastifyReply, request: AuthorizationRequest, fields: Fields): FastifyReply {
  const query = Object.entries({ ...fields, state: request.state })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
  const separator = request.redirectUri.includes("?") ? "&" : "?";
  return reply.redirect(`${request.redirectUri}${separator}${query}`, 302);
}

function redirectWithError(
  reply: FastifyReply,
  request: AuthorizationRequest,
  error: OAuthError,
): FastifyReply {
  return redirectBack(reply, request, { error: error.error, error_description: error.description });
}

function findOrganization(ctx: EmulatorContext, idOrName: string): string | undefined {
  return Object.values(ctx.store.data.organizations).find(
    (org) => org.id === idOrName || org.name === idOrName,
  )?.id;
}

/**
 * Completes the request `/authorize` was given, validating everything it may report back to the callback:
 * throws an OAuthError for the application's callback (Auth0 redirects these, with the caller's `state`).
 */
function authorizationRequestOf(
  ctx: EmulatorContext,
  client: StoredClient,
  callback: AuthorizationRequest,
  query: Fields,
): AuthorizationRequest {
  const responseType = query.response_type;
  if (!responseType)
    throw new OAuthError(400, "invalid_request", "Missing required parameter: response_type");
  if (responseType !== "code") {
    throw new OAuthError(400, "unsupported_response_type", `Unsupported response type: ${responseType}`);
  }
  if (!client.grant_types.includes("authorization_code")) {
    throw new OAuthError(
      403,
      "unauthorized_client",
      "Grant type 'authorization_code' not allowed for the client.",
    );
  }
  const method = query.code_challenge ? (query.code_challenge_method ?? "plain") : undefined;
  if (method !== undefined && method !== "S256" && method !== "plain") {
    throw new OAuthError(400, "invalid_request", "Unsupported code_challenge_method, use S256 or plain");
  }
  if ((isPublic(client) || !client.is_first_party) && !query.code_challenge) {
    // A public client cannot keep a secret, so PKCE is what binds the code to whoever started the login.
    // Auth0's strict mode for third-party applications requires it of them too, confidential or not.
    throw new OAuthError(400, "invalid_request", "Missing required parameter: code_challenge");
  }
  const server = resolveAudience(ctx, query.audience);
  let orgId: string | undefined;
  if (query.organization) {
    orgId = findOrganization(ctx, query.organization);
    if (!orgId) throw new OAuthError(400, "invalid_request", "parameter organization is invalid");
    requireOrganizationAdmits(ctx, client, orgId);
  }
  const prompts = splitScope(query.prompt);
  if (prompts.includes("none")) {
    // There is never a session to reuse: the emulator keeps no cookies.
    throw new OAuthError(400, "login_required", "Login required");
  }
  return {
    ...callback,
    scope: splitScope(query.scope),
    audience: server.identifier,
    nonce: query.nonce,
    codeChallenge: query.code_challenge,
    codeChallengeMethod: method,
    orgId,
    forceConsent: prompts.includes("consent"),
  };
}

/** A third-party client asks the user unless an earlier consent covers this request; first-party never. */
function needsConsent(ctx: EmulatorContext, client: StoredClient, transaction: LoginTransaction): boolean {
  if (client.is_first_party || !transaction.userId) return false;
  const { request } = transaction;
  if (request.forceConsent) return true;
  const server = ctx.store.findResourceServer(request.audience);
  if (!server) return false;
  const grant = findUserGrant(ctx, client.client_id, transaction.userId, request.audience, request.orgId);
  return !consentCovers(grant, consentableScopes(ctx, client, server, request.scope));
}

/** Ends the login: a single-use code back to the application's callback. */
function completeLogin(
  ctx: EmulatorContext,
  reply: FastifyReply,
  transaction: LoginTransaction & { userId: string },
): FastifyReply {
  endLoginTransaction(ctx, transaction);
  const code = issueAuthorizationCode(ctx, transaction.request, transaction.userId);
  return redirectBack(reply, transaction.request, { code });
}

const OIDC_SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: "Sign you in",
  profile: "Your profile: name, nickname and picture",
  email: "Your email address",
  offline_access: "Stay signed in (access while you are away)",
};

/**
 * The interactive login, as plain HTTP: `GET /authorize` → `/u/login` (form) → `/u/consent` (form, for a
 * third-party client) → the application's callback with `code` and `state`. The login transaction id is
 * the `state` of the login pages, so no cookie is needed.
 */
export function registerAuthorizeFlow(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get("/authorize", async (request, reply) => {
    const query = fieldsOf(request.query);
    if (!query.client_id)
      return showError(request, reply, "invalid_request", "Missing required parameter: client_id");
    const client = ctx.store.findClient(query.client_id);
    if (!client) return showError(request, reply, "invalid_request", `Unknown client: ${query.client_id}`);
    const redirectUri = query.redirect_uri;
    if (!redirectUri) {
      return showError(request, reply, "invalid_request", "Missing required parameter: redirect_uri");
    }
    if (!client.callbacks.includes(redirectUri)) {
      return showError(
        request,
        reply,
        "invalid_request",
        `Callback URL mismatch. ${redirectUri} is not in the list of allowed callback URLs`,
      );
    }
    const callback: AuthorizationRequest = {
      clientId: client.client_id,
      redirectUri,
      scope: [],
      audience: "",
      state: query.state,
      forceConsent: false,
    };
    let authorization: AuthorizationRequest;
    try {
      authorization = authorizationRequestOf(ctx, client, callback, query);
    } catch (error) {
      if (error instanceof OAuthError) return redirectWithError(reply, callback, error);
      throw error;
    }
    const transaction = startLoginTransaction(ctx, authorization);
    return reply.redirect(`/u/login?state=${encodeURIComponent(transaction.id)}`, 302);
  });

  app.get("/u/login", async (request, reply) => {
    const transaction = findLoginTransaction(ctx, fieldsOf(request.query).state);
    const client = transaction && ctx.store.findClient(transaction.request.clientId);
    if (!transaction || !client)
      return showError(request, reply, "invalid_request", "Invalid or expired state");
    const organization = transaction.request.orgId
      ? ctx.store.data.organizations[transaction.request.orgId]
      : undefined;
    return reply.type("text/html; charset=utf-8").send(
      loginPage({
        transactionId: transaction.id,
        clientName: client.name,
        organizationName: organization?.display_name,
      }),
    );
  });

  app.post("/u/login", async (request, reply) => {
    const form = fieldsOf(request.body);
    const transaction = findLoginTransaction(ctx, form.state);
    const client = transaction && ctx.store.findClient(transaction.request.clientId);
    if (!transaction || !client)
      return showError(request, reply, "invalid_request", "Invalid or expired state");
    const { request: authorization } = transaction;

    const user = findUserByCredentials(ctx, form.username ?? "", form.password ?? "");
    if (!user) {
      // As Auth0's Universal Login: the same form again, 400, with the error and the email kept.
      const organization = authorization.orgId
        ? ctx.store.data.organizations[authorization.orgId]
        : undefined;
      return reply
        .code(400)
        .type("text/html; charset=utf-8")
        .send(
          loginPage({
            transactionId: transaction.id,
            clientName: client.name,
            organizationName: organization?.display_name,
            error: "Wrong email or password",
            username: form.username,
          }),
        );
    }
    if (user.blocked) {
      endLoginTransaction(ctx, transaction);
      return redirectBack(reply, authorization, {
        error: "unauthorized",
        error_description: "user is blocked",
      });
    }
    if (authorization.orgId && !ctx.store.data.members[authorization.orgId]?.includes(user.user_id)) {
      endLoginTransaction(ctx, transaction);
      return redirectBack(reply, authorization, {
        error: "access_denied",
        error_description: `user ${user.user_id} is not part of the ${authorization.orgId} organization`,
      });
    }
    recordLogin(user);
    const loggedIn = Object.assign(transaction, { userId: user.user_id });
    if (needsConsent(ctx, client, loggedIn)) {
      return reply.redirect(`/u/consent?state=${encodeURIComponent(transaction.id)}`, 302);
    }
    return completeLogin(ctx, reply, loggedIn);
  });

  function consentTransaction(
    state: string | undefined,
  ): { transaction: LoginTransaction & { userId: string }; client: StoredClient } | undefined {
    const transaction = findLoginTransaction(ctx, state);
    const client = transaction && ctx.store.findClient(transaction.request.clientId);
    const userId = transaction?.userId;
    if (!transaction || !client || !userId) return undefined;
    return { transaction: Object.assign(transaction, { userId }), client };
  }

  app.get("/u/consent", async (request, reply) => {
    const found = consentTransaction(fieldsOf(request.query).state);
    const user = found && ctx.store.data.users[found.transaction.userId];
    const server = found && ctx.store.findResourceServer(found.transaction.request.audience);
    if (!found || !user || !server) {
      return showError(request, reply, "invalid_request", "Invalid or expired state");
    }
    const scopes = consentableScopes(ctx, found.client, server, found.transaction.request.scope).map(
      (value) => ({
        value,
        description:
          OIDC_SCOPE_DESCRIPTIONS[value] ??
          server.scopes.find((defined) => defined.value === value)?.description ??
          value,
      }),
    );
    return reply.type("text/html; charset=utf-8").send(
      consentPage({
        transactionId: found.transaction.id,
        clientName: found.client.name,
        userEmail: user.email,
        apiName: server.name,
        scopes,
      }),
    );
  });

  app.post("/u/consent", async (request, reply) => {
    const form = fieldsOf(request.body);
    const found = consentTransaction(form.state);
    const server = found && ctx.store.findResourceServer(found.transaction.request.audience);
    if (!found || !server) return showError(request, reply, "invalid_request", "Invalid or expired state");
    const { transaction, client } = found;
    if (form.action === "deny") {
      endLoginTransaction(ctx, transaction);
      return redirectBack(reply, transaction.request, {
        error: "access_denied",
        error_description: "User did not authorize the request",
      });
    }
    if (form.action !== "accept") {
      return showError(request, reply, "invalid_request", "action must be accept or deny");
    }
    recordConsent(
      ctx,
      client.client_id,
      transaction.userId,
      server.identifier,
      transaction.request.orgId,
      consentableScopes(ctx, client, server, transaction.request.scope),
    );
    return completeLogin(ctx, reply, transaction);
  });
}
