import type { RunningEmulator } from "../../src/emulator/server.js";
import { codeOf, logIn, PARTNER } from "../emulator/user-login.js";
import { GATEHOUSE_API, SEED_PASSWORD } from "./stack.js";

export interface PartnerTokens {
  accessToken: string;
  refreshToken: string | undefined;
}

/**
 * What a partner's back end does for a user: `/authorize` with the user's login and consent (plain HTTP
 * form posts), then the code exchanged with the partner's own credentials.
 */
export async function partnerTokensFor(
  emulator: RunningEmulator,
  email: string,
  scope: string,
): Promise<PartnerTokens> {
  const { callback } = await logIn(emulator, {
    clientId: PARTNER.clientId,
    callback: PARTNER.callback,
    username: email,
    password: SEED_PASSWORD,
    scope,
    audience: GATEHOUSE_API,
    consent: "accept",
  });
  const response = await fetch(`${emulator.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: codeOf(callback),
      redirect_uri: PARTNER.callback,
      client_id: PARTNER.clientId,
      client_secret: PARTNER.clientSecret,
    }),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 200)
    throw new Error(`code exchange failed: ${response.status} ${JSON.stringify(body)}`);
  return { accessToken: body.access_token ?? "", refreshToken: body.refresh_token };
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
