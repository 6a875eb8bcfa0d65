// A user's login as a program without a browser makes it against the local Auth0 emulator: `/authorize`,
// the login form, the consent form of a third-party application, then the code exchanged at the token
// endpoint. Plain HTTP with the redirects followed by hand and no cookies (the emulator's login pages carry
// their transaction in `state`), so the developer's `npm run token` and tests share one way to log in.
import { createHash, randomBytes } from "node:crypto";

/** A failed login or token request, with a message saying what to do about it. */
export class LoginError extends Error {
  override name = "LoginError";
}

/** What `/oauth/token` answers. */
export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in: number;
}

export interface OrganizationLoginOptions {
  /** The emulator's issuer, with its trailing slash: `http://127.0.0.1:4010/`. */
  issuer: string;
  audience: string;
  clientId: string;
  /** A confidential (regular web) application's secret; a public one (the SPA) has none. */
  clientSecret?: string;
  /** One of the application's allowed callback URLs; nothing listens there, the code is read off it. */
  callback: string;
  email: string;
  password: string;
  /** The organization (tenant) to log in to, by id or name; without it the token has no `org_id`. */
  organization?: string;
  /** Default `openid profile email`. */
  scope?: string;
  /** How to answer a third-party application's consent page. Default `accept`. */
  consent?: "accept" | "deny";
}

export interface ClientCredentialsOptions {
  issuer: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  organization?: string;
}

// The emulator answers in milliseconds; a request that hangs this long means something else holds the port.
const REQUEST_TIMEOUT_MS = 10_000;

function errorCodesOf(error: unknown): string[] {
  if (!error || typeof error !== "object") return [];
  const codes: string[] = [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") codes.push(code);
  if (cause) codes.push(...errorCodesOf(cause));
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodesOf(inner));
  return codes;
}

/**
 * `fetch` against the emulator without following redirects, turning "nothing listens there" into a message
 * that says how to fix it.
 */
export async function fetchFromIssuer(issuer: string, url: string | URL, init: RequestInit = {}) {
  try {
    return await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    if (errorCodesOf(error).includes("ECONNREFUSED")) {
      throw new LoginError(`the emulator is not running at ${issuer} — start it with npm start`);
    }
    if (error instanceof Error && error.name === "TimeoutError") {
      throw new LoginError(`${issuer} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
    }
    const reason = errorCodesOf(error)[0] ?? (error instanceof Error ? error.message : String(error));
    throw new LoginError(`could not reach the emulator at ${issuer}: ${reason}`);
  }
}

async function jsonOf(response: Response): Promise<Record<string, unknown> | undefined> {
  const text = await response.text();
  try {
    const body: unknown = JSON.parse(text);
    return body && typeof body === "object" && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Auth0's `error_description` (or `message`, on the Management API), else the bare status. */
function reasonOf(status: number, body: Record<string, unknown> | undefined): string {
  const description = body?.error_description ?? body?.message ?? body?.error;
  return typeof description === "string" ? description : `HTTP ${status}`;
}

function postForm(issuer: string, url: string, fields: Record<string, string>): Promise<Response> {
  return fetchFromIssuer(issuer, url, {
    method: "POST",
    headers: { accept: "application/json" },
    body: new URLSearchParams(fields),
  });
}

/** Where a redirect points, resolved against the issuer (the login pages' redirects are relative). */
function redirectOf(issuer: string, response: Response, step: string): URL {
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) {
    throw new LoginError(`${step} answered ${response.status} instead of a redirect`);
  }
  return new URL(location, issuer);
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function isCallback(url: URL, callback: string): boolean {
  const expected = new URL(callback);
  return url.origin === expected.origin && url.pathname === expected.pathname;
}

/** The authorization code off the callback URL, or the error the emulator sent there instead. */
function codeOf(callback: URL, state: string): string {
  const error = callback.searchParams.get("error");
  if (error) {
    const description = callback.searchParams.get("error_description");
    throw new LoginError(`the login was refused: ${description ? `${description} (${error})` : error}`);
  }
  if (callback.searchParams.get("state") !== state) {
    throw new LoginError("the callback's state does not match the one sent to /authorize");
  }
  const code = callback.searchParams.get("code");
  if (!code) throw new LoginError(`the callback carries no code: ${callback.toString()}`);
  return code;
}

function tokenResponseOf(body: Record<string, unknown> | undefined): TokenResponse {
  if (typeof body?.access_token !== "string" || typeof body.expires_in !== "number") {
    throw new LoginError("the token endpoint answered 200 without an access_token and expires_in");
  }
  const optional = (name: string) => (typeof body[name] === "string" ? { [name]: body[name] } : {});
  return {
    access_token: body.access_token,
    expires_in: body.expires_in,
    ...optional("id_token"),
    ...optional("refresh_token"),
    ...optional("scope"),
  };
}

async function requestToken(
  issuer: string,
  fields: Record<string, string>,
  step: string,
): Promise<TokenResponse> {
  const response = await postForm(issuer, `${issuer}oauth/token`, fields);
  const body = await jsonOf(response);
  if (response.status !== 200) throw new LoginError(`${step} failed: ${reasonOf(response.status, body)}`);
  return tokenResponseOf(body);
}

/**
 * Logs a user in with the authorization code flow and PKCE (sent always, as Auth0 recommends even for
 * confidential applications), through an organization when one is given, and returns the tokens.
 */
export async function organizationLogin(options: OrganizationLoginOptions): Promise<TokenResponse> {
  const { issuer } = options;
  const pkce = pkcePair();
  const state = randomBytes(16).toString("base64url");
  const query = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.callback,
    scope: options.scope ?? "openid profile email",
    audience: options.audience,
    state,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...(options.organization ? { organization: options.organization } : {}),
  });

  const authorized = await fetchFromIssuer(issuer, `${issuer}authorize?${query.toString()}`, {
    headers: { accept: "application/json" },
  });
  if (authorized.status !== 302) {
    // Errors that cannot go back to the callback (unknown client, callback not allowed) come as a page.
    throw new LoginError(
      `/authorize refused the login: ${reasonOf(authorized.status, await jsonOf(authorized))}`,
    );
  }
  let next = redirectOf(issuer, authorized, "/authorize");

  if (next.pathname === "/u/login") {
    const loggedIn = await postForm(issuer, `${issuer}u/login`, {
      state: next.searchParams.get("state") ?? "",
      username: options.email,
      password: options.password,
    });
    // The emulator, as Auth0's Universal Login, shows the form again with 400 after a wrong password.
    if (loggedIn.status === 400 && !loggedIn.headers.get("content-type")?.includes("json")) {
      throw new LoginError(`Wrong email or password for ${options.email}`);
    }
    if (loggedIn.status !== 302) {
      throw new LoginError(`the login form refused: ${reasonOf(loggedIn.status, await jsonOf(loggedIn))}`);
    }
    next = redirectOf(issuer, loggedIn, "the login form");
  }

  if (next.pathname === "/u/consent" && !isCallback(next, options.callback)) {
    const answered = await postForm(issuer, `${issuer}u/consent`, {
      state: next.searchParams.get("state") ?? "",
      action: options.consent ?? "accept",
    });
    if (answered.status !== 302) {
      throw new LoginError(`the consent form refused: ${reasonOf(answered.status, await jsonOf(answered))}`);
    }
    next = redirectOf(issuer, answered, "the consent form");
  }

  if (!isCallback(next, options.callback)) {
    throw new LoginError(`the login ended at ${next.toString()} instead of the callback ${options.callback}`);
  }
  return requestToken(
    issuer,
    {
      grant_type: "authorization_code",
      client_id: options.clientId,
      ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
      code: codeOf(next, state),
      redirect_uri: options.callback,
      code_verifier: pkce.verifier,
    },
    "the code exchange",
  );
}

/** A machine client's token for an API it has a client grant on (optionally for one organization). */
export function clientCredentialsToken(options: ClientCredentialsOptions): Promise<TokenResponse> {
  return requestToken(
    options.issuer,
    {
      grant_type: "client_credentials",
      client_id: options.clientId,
      client_secret: options.clientSecret,
      audience: options.audience,
      ...(options.organization ? { organization: options.organization } : {}),
    },
    `the client-credentials token for ${options.clientId}`,
  );
}
