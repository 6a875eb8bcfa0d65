/** Why credentials were refused, in one word operators can count (the access log, the metrics). */
export type RefusalReason =
  | "malformed"
  | "expired"
  | "bad_signature"
  | "unknown_key"
  | "claim_rejected"
  | "unknown_client"
  | "not_a_product_client"
  | "invalid_api_key"
  | "user_missing"
  | "user_blocked"
  | "not_a_member"
  | "tenant_ambiguous"
  | "inconsistent_token";

/**
 * Bad or unusable credentials: the request gets HTTP 401 with an RFC 6750 `WWW-Authenticate` challenge and
 * nothing executes. The description is safe to show: it never repeats the credentials.
 */
export class AuthenticationError extends Error {
  constructor(
    readonly description: string,
    readonly oauthError: "invalid_token" | "invalid_request" = "invalid_token",
    readonly reason: RefusalReason = oauthError === "invalid_request" ? "malformed" : "claim_rejected",
  ) {
    super(description);
  }

  get challenge(): string {
    const description = this.description.replace(/["\\]/g, "'");
    return `Bearer realm="gatehouse", error="${this.oauthError}", error_description="${description}"`;
  }
}

/**
 * The credentials could not be checked because Auth0 (or the shared cache, or the store) is not answering.
 * Not the client's fault: HTTP 503 with `Retry-After`, never a 401 that tells it to throw its token away.
 */
export class CallerUnavailableError extends Error {
  readonly retryAfterSeconds = 5;

  constructor(
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
  }
}
