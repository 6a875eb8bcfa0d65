// A user's logins as an application makes them: the password grant, the code exchange and the refresh at
// the token endpoint, and the interactive login driven the way a program without a browser must: follow the
// redirects by hand, read the hidden `state` out of each HTML form, and post its fields back. No cookies.
import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { RunningEmulator } from "../src/server.js";
import { GATEHOUSE_API, managementClients, postForm, tokenRequest } from "./helpers.js";

export const SPA = { clientId: "gatehouse-spa", callback: "http://127.0.0.1:4000/callback" };
export const PARTNER = {
  clientId: "initech-cms",
  clientSecret: "initech-cms-secret",
  callback: "http://127.0.0.1:4020/callback",
};

/** An application as the token endpoint knows it: a confidential one has a secret. */
export interface Application {
  clientId: string;
  clientSecret?: string;
  callback: string;
}

/** The SPA's password login to the Gatehouse API, answered as it came; `extra` adds or replaces fields. */
export function passwordLogin(
  emulator: RunningEmulator,
  username: string,
  password: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(emulator, {
    grant_type: "password",
    client_id: SPA.clientId,
    username,
    password,
    audience: GATEHOUSE_API,
    ...extra,
  });
}

/** The application exchanges the code of its callback, with its secret if it has one; answered as it came. */
export function exchangeCode(
  emulator: RunningEmulator,
  application: Application,
  code: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(emulator, {
    grant_type: "authorization_code",
    client_id: application.clientId,
    ...(application.clientSecret ? { client_secret: application.clientSecret } : {}),
    code,
    redirect_uri: application.callback,
    ...extra,
  });
}

/** The application trades a refresh token, with its secret if it has one; answered as it came. */
export function refresh(
  emulator: RunningEmulator,
  application: Omit<Application, "callback">,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(emulator, {
    grant_type: "refresh_token",
    client_id: application.clientId,
    ...(application.clientSecret ? { client_secret: application.clientSecret } : {}),
    refresh_token: refreshToken,
    ...extra,
  });
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkcePair(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** `GET /authorize` without following the redirect. */
export function authorize(emulator: RunningEmulator, params: Record<string, string>): Promise<Response> {
  return fetch(`${emulator.url}/authorize?${new URLSearchParams(params).toString()}`, { redirect: "manual" });
}

/** Where a redirect points, resolved against the emulator (the login pages are relative). */
export function locationOf(emulator: RunningEmulator, response: { headers: Headers }): URL {
  const location = response.headers.get("location");
  if (!location) throw new Error("expected a redirect");
  return new URL(location, emulator.url);
}

/** The value of the hidden `state` input of a login page form. */
export function hiddenState(html: string): string {
  const match = /<input type="hidden" name="state" value="([^"]+)">/.exec(html);
  if (!match?.[1]) throw new Error(`no hidden state in the page:\n${html}`);
  return match[1];
}

/** Opens the login page a redirect points at and submits the form with an email and password. */
export async function submitLogin(
  emulator: RunningEmulator,
  loginPage: URL,
  username: string,
  password: string,
): Promise<Awaited<ReturnType<typeof postForm>>> {
  const page = await fetch(loginPage, { redirect: "manual" });
  if (page.status !== 200) throw new Error(`login page answered ${page.status}`);
  const state = hiddenState(await page.text());
  return postForm(`${emulator.url}/u/login`, { state, username, password });
}

/** Opens the consent page a redirect points at and answers it. */
export async function answerConsent(
  emulator: RunningEmulator,
  consentPage: URL,
  action: "accept" | "deny",
): Promise<Awaited<ReturnType<typeof postForm>>> {
  const page = await fetch(consentPage, { redirect: "manual" });
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const state = hiddenState(await page.text());
  return postForm(`${emulator.url}/u/consent`, { state, action });
}

export interface LoginOptions {
  clientId: string;
  callback: string;
  username: string;
  password: string;
  scope: string;
  audience?: string;
  organization?: string;
  pkce?: Pkce;
  state?: string;
  nonce?: string;
  /** How to answer the consent page if it is shown; a login that meets an unexpected page fails. */
  consent?: "accept" | "deny";
}

/**
 * Runs `/authorize` → login → (consent) and returns the callback URL the emulator redirected to, and
 * whether the consent page was shown on the way.
 */
export async function logIn(
  emulator: RunningEmulator,
  options: LoginOptions,
): Promise<{ callback: URL; consentShown: boolean }> {
  const started = await authorize(emulator, {
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.callback,
    scope: options.scope,
    audience: options.audience ?? GATEHOUSE_API,
    state: options.state ?? "app-state",
    ...(options.nonce ? { nonce: options.nonce } : {}),
    ...(options.organization ? { organization: options.organization } : {}),
    ...(options.pkce ? { code_challenge: options.pkce.challenge, code_challenge_method: "S256" } : {}),
  });
  if (started.status !== 302)
    throw new Error(`/authorize answered ${started.status}: ${await started.text()}`);
  const loggedIn = await submitLogin(
    emulator,
    locationOf(emulator, started),
    options.username,
    options.password,
  );
  if (loggedIn.status !== 302) throw new Error(`/u/login answered ${loggedIn.status}`);
  const next = locationOf(emulator, loggedIn);
  if (next.pathname !== "/u/consent") return { callback: next, consentShown: false };
  if (!options.consent) throw new Error("the consent page was shown, and the test did not expect it");
  const answered = await answerConsent(emulator, next, options.consent);
  if (answered.status !== 302) throw new Error(`/u/consent answered ${answered.status}`);
  return { callback: locationOf(emulator, answered), consentShown: true };
}

/** The `code` of a callback URL, failing when the emulator redirected with an error instead. */
export function codeOf(callback: URL): string {
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code in ${callback.toString()}`);
  return code;
}

/** Runs the login and exchanges its code: the application's tokens, failing the test if it gets none. */
export async function tokensFromLogin(
  emulator: RunningEmulator,
  options: LoginOptions & { clientSecret?: string },
): Promise<Record<string, unknown>> {
  const { callback } = await logIn(emulator, options);
  const response = await exchangeCode(
    emulator,
    options,
    codeOf(callback),
    options.pkce ? { code_verifier: options.pkce.verifier } : {},
  );
  if (response.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Verifies a token against the emulator's published JWKS, as Gatehouse will. */
export async function verifiedClaims(
  emulator: RunningEmulator,
  token: string,
  audience: string,
): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${emulator.url}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: emulator.issuer,
    audience,
    algorithms: ["RS256"],
  });
  return payload;
}

let userCounter = 0;

export interface NewUser {
  user_id: string;
  email: string;
  password: string;
}

/** A fresh database user for one test, created through the Management API, with roles and an organization. */
export async function createUser(
  emulator: RunningEmulator,
  fields: { blocked?: boolean; roles?: string[]; organization?: string } = {},
): Promise<NewUser> {
  userCounter += 1;
  const email = `login${userCounter}.${Date.now()}@login.test`;
  const password = "Login-test-pass-1";
  const management = managementClients(emulator);
  const created = await management.users.create({
    connection: "Username-Password-Authentication",
    email,
    password,
    ...(fields.blocked ? { blocked: true } : {}),
  });
  const user_id = created.user_id;
  if (!user_id) throw new Error("the Management API created a user without an id");
  if (fields.roles) await management.users.roles.assign(user_id, { roles: fields.roles });
  if (fields.organization) {
    await management.organizations.members.create(fields.organization, { members: [user_id] });
  }
  return { user_id, email, password };
}

/** The user's consents to one client, as the Management API lists them. */
export async function consentsOf(emulator: RunningEmulator, userId: string, clientId: string) {
  const page = await managementClients(emulator).userGrants.list({ user_id: userId, client_id: clientId });
  return page.data;
}

export interface NewPartner {
  clientId: string;
  clientSecret: string;
  callback: string;
  clientGrantId: string;
}

/**
 * A fresh third-party web application for one test, created through the Management API, with a user
 * access client grant (`subject_type: user`) on the Gatehouse API for `scope`.
 */
export async function createPartner(emulator: RunningEmulator, scope: string[]): Promise<NewPartner> {
  const management = managementClients(emulator);
  const callback = "http://127.0.0.1:4099/callback";
  const client = await management.clients.create({
    name: `Partner ${Date.now()}`,
    app_type: "regular_web",
    is_first_party: false,
    grant_types: ["authorization_code", "refresh_token"],
    callbacks: [callback],
  });
  if (!client.client_id || !client.client_secret)
    throw new Error("the partner was created without credentials");
  const grant = await management.clientGrants.create({
    client_id: client.client_id,
    audience: GATEHOUSE_API,
    scope,
    subject_type: "user",
  });
  if (!grant.id) throw new Error("the client grant was created without an id");
  return {
    clientId: client.client_id,
    clientSecret: client.client_secret,
    callback,
    clientGrantId: grant.id,
  };
}
