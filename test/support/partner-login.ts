import { organizationLogin } from "../../src/dev/login.js";
import type { RunningEmulator } from "@gatehouse/auth0-emulator";
import { GATEHOUSE_API, SEED_PASSWORD, type Stack } from "./stack.js";

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

/**
 * A new partner made the way an Auth0 tenant admin registers one (a third-party application marked as a
 * Gatehouse partner, with a user grant of `scopes` on the API), then brought into Gatehouse's directory.
 */
export async function registerPartner(
  stack: Stack,
  { name, callback, scopes }: { name: string; callback: string; scopes: string[] },
): Promise<typeof PARTNER> {
  const { clients, clientGrants } = stack.management();
  const client = await clients.create({
    name,
    app_type: "regular_web",
    is_first_party: false,
    grant_types: ["authorization_code", "refresh_token"],
    callbacks: [callback],
    client_metadata: { gatehouse_partner: "true" },
  });
  const partner = {
    clientId: String(client.client_id),
    clientSecret: String(client.client_secret),
    callback,
  };
  await clientGrants.create({
    client_id: partner.clientId,
    audience: GATEHOUSE_API,
    scope: scopes,
    subject_type: "user",
  });
  await stack.syncDirectory();
  return partner;
}
