import { organizationLogin } from "../../src/dev/login.js";
import type { RunningEmulator } from "../../src/emulator/server.js";
import { GATEHOUSE_API, SEED_PASSWORD } from "./stack.js";

export const PARTNER = {
  clientId: "initech-cms",
  clientSecret: "initech-cms-secret",
  callback: "http://127.0.0.1:4020/callback",
};

export interface PartnerTokens {
  accessToken: string;
  refreshToken: string | undefined;
}

/** The seeded users' only tenant; the consultant (in two) is named by the caller. */
function tenantOf(email: string): string {
  if (email.endsWith("@acme.test")) return "org_acme";
  if (email.endsWith("@globex.test")) return "org_globex";
  throw new Error(`partnerTokensFor(${email}): say which organization the user acts in`);
}

/**
 * What a partner's back end does for a user: `/authorize` through the user's organization with their login
 * and consent (plain HTTP form posts, PKCE as Auth0's strict third-party mode requires), then the code
 * exchanged with the partner's own credentials.
 */
export async function partnerTokensFor(
  emulator: RunningEmulator,
  email: string,
  scope: string,
  options: { organization?: string; partner?: typeof PARTNER } = {},
): Promise<PartnerTokens> {
  const partner = options.partner ?? PARTNER;
  const tokens = await organizationLogin({
    issuer: emulator.issuer,
    audience: GATEHOUSE_API,
    clientId: partner.clientId,
    clientSecret: partner.clientSecret,
    callback: partner.callback,
    email,
    password: SEED_PASSWORD,
    scope,
    organization: options.organization ?? tenantOf(email),
    consent: "accept",
  });
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

/** The partner refreshing its token: the status and body Auth0 answers. */
export async function refreshPartnerToken(emulator: RunningEmulator, refreshToken: string) {
  const response = await fetch(`${emulator.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: PARTNER.clientId,
      client_secret: PARTNER.clientSecret,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
