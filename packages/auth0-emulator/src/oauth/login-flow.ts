import { createHash, randomBytes } from "node:crypto";
import type { EmulatorContext } from "../context.js";
import { newId } from "../store.js";

/** What `/authorize` was asked for, validated; it travels with the login transaction into the code. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string[];
  audience: string;
  /** The caller's own `state`, echoed back on the redirect. */
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  orgId?: string;
  /** `prompt=consent` asks a third-party client's user again even when a consent covers the request. */
  forceConsent: boolean;
}

/** A login in progress between `/authorize` and the redirect back: Auth0's `state` on `/u/login`. */
export interface LoginTransaction {
  kind: "login";
  id: string;
  request: AuthorizationRequest;
  /** Set once the user has given the right password; consent comes after. */
  userId?: string;
  expiresAt: number;
}

/** An issued authorization code, waiting for `/oauth/token`. */
export interface AuthorizationCode {
  kind: "code";
  request: AuthorizationRequest;
  userId: string;
  expiresAt: number;
}

// Long enough to type a password on the login page; the transaction only lives in memory.
const LOGIN_TRANSACTION_SECONDS = 15 * 60;

function loginKey(id: string): string {
  return `login:${id}`;
}

function codeKey(code: string): string {
  return `code:${code}`;
}

/** Drops whatever has expired, so abandoned logins do not pile up in a long-running emulator. */
function forgetExpired(ctx: EmulatorContext): void {
  const now = Date.now();
  for (const [key, value] of ctx.transactions) {
    if ((value as { expiresAt: number }).expiresAt <= now) ctx.transactions.delete(key);
  }
}

export function startLoginTransaction(ctx: EmulatorContext, request: AuthorizationRequest): LoginTransaction {
  forgetExpired(ctx);
  const transaction: LoginTransaction = {
    kind: "login",
    id: newId(""),
    request,
    expiresAt: Date.now() + LOGIN_TRANSACTION_SECONDS * 1000,
  };
  ctx.transactions.set(loginKey(transaction.id), transaction);
  return transaction;
}

export function findLoginTransaction(
  ctx: EmulatorContext,
  id: string | undefined,
): LoginTransaction | undefined {
  if (!id) return undefined;
  const found = ctx.transactions.get(loginKey(id)) as LoginTransaction | undefined;
  if (!found || found.kind !== "login" || found.expiresAt <= Date.now()) return undefined;
  return found;
}

export function endLoginTransaction(ctx: EmulatorContext, transaction: LoginTransaction): void {
  ctx.transactions.delete(loginKey(transaction.id));
}

/** Mints a single-use code for a logged-in (and, where needed, consenting) user. */
export function issueAuthorizationCode(
  ctx: EmulatorContext,
  request: AuthorizationRequest,
  userId: string,
): string {
  forgetExpired(ctx);
  const code = randomBytes(24).toString("base64url");
  const lifetime = ctx.options.authorizationCodeSeconds ?? 60;
  ctx.transactions.set(codeKey(code), {
    kind: "code",
    request,
    userId,
    expiresAt: Date.now() + lifetime * 1000,
  } satisfies AuthorizationCode);
  return code;
}

/** Takes a code out of circulation: it answers once, whether the exchange then succeeds or not. */
export function redeemAuthorizationCode(
  ctx: EmulatorContext,
  code: string | undefined,
): AuthorizationCode | undefined {
  if (!code) return undefined;
  const key = codeKey(code);
  const found = ctx.transactions.get(key) as AuthorizationCode | undefined;
  ctx.transactions.delete(key);
  if (!found || found.kind !== "code" || found.expiresAt <= Date.now()) return undefined;
  return found;
}

/** RFC 7636: does the verifier sent to `/oauth/token` match the challenge sent to `/authorize`? */
export function verifiesCodeChallenge(
  verifier: string | undefined,
  challenge: string,
  method: "S256" | "plain",
): boolean {
  if (!verifier) return false;
  const derived = method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  return derived === challenge;
}
