/**
 * The client-credentials exchange against Auth0's `/oauth/token`, shared by Gatehouse's own Management
 * token and tenants' API keys. Auth0 counts every exchange against the tenant's monthly machine-token
 * quota, so callers of this function cache what it returns.
 */

export interface ExchangedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The token endpoint refused the credentials (wrong id or secret, no client grant): do not retry. */
export class CredentialsRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly oauthError: string,
  ) {
    super(`Auth0 refused the client credentials (${status} ${oauthError})`);
  }
}

/** Auth0 could not be reached or failed: retrying later may work. */
export class TokenEndpointUnavailableError extends Error {}

export async function exchangeClientCredentials(
  issuer: string,
  credentials: { clientId: string; clientSecret: string; audience: string; scope?: string },
): Promise<ExchangedToken> {
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    audience: credentials.audience,
    ...(credentials.scope ? { scope: credentials.scope } : {}),
  });
  const request = () =>
    fetch(`${issuer}oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  let response: Response;
  try {
    // A kept-alive connection the server closed as it was reused fails before the server read the request;
    // fetch does not retry a POST by itself, so one more try, on a fresh connection, is safe.
    response = await request().catch((error: unknown) => {
      if (!isConnectionReset(error)) throw error;
      return request();
    });
  } catch (error) {
    throw new TokenEndpointUnavailableError("Auth0's token endpoint did not answer", { cause: error });
  }
  const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401 || response.status === 403 || response.status === 400) {
    throw new CredentialsRejectedError(response.status, String(payload.error ?? "unknown_error"));
  }
  if (!response.ok || typeof payload.access_token !== "string" || typeof payload.expires_in !== "number") {
    throw new TokenEndpointUnavailableError(`Auth0's token endpoint answered ${response.status}`);
  }
  return { accessToken: payload.access_token, expiresAt: Date.now() + payload.expires_in * 1000 };
}

function isConnectionReset(error: unknown): boolean {
  const code = ((error as { cause?: { code?: unknown } })?.cause as { code?: unknown } | undefined)?.code;
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET";
}

/**
 * When to stop using a token: a minute before it expires, or a tenth of its lifetime for short-lived
 * tokens, so a token is never sent with seconds left to live.
 */
export function refreshTimeOf(token: ExchangedToken, now = Date.now()): number {
  const lifetime = token.expiresAt - now;
  return token.expiresAt - Math.min(60_000, lifetime / 10);
}
