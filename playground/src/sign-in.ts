// "Sign in" against a real Auth0 tenant: Universal Login in a window of its own, authorization code + PKCE
// with the SPA client (and organization), the code exchanged from this page. The verifier and the token
// live in this tab's memory only: nothing is written to storage or cookies.
import type { PlaygroundConfig } from "./config";

function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  const array = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return btoa(String.fromCharCode(...array))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function randomString(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Waits for the sign-in window to come back to this origin's callback, and reads the code off it. */
function codeFrom(popup: Window, state: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = window.setInterval(() => {
      if (popup.closed) {
        window.clearInterval(timer);
        reject(new Error("the sign-in window was closed"));
        return;
      }
      let url: URL;
      try {
        url = new URL(popup.location.href);
      } catch {
        return; // Still on Auth0's origin.
      }
      if (url.origin !== window.location.origin) return;
      window.clearInterval(timer);
      popup.close();
      const error = url.searchParams.get("error_description") ?? url.searchParams.get("error");
      if (error) reject(new Error(error));
      else if (url.searchParams.get("state") !== state)
        reject(new Error("the sign-in answered another request"));
      else resolve(url.searchParams.get("code") ?? "");
    }, 300);
  });
}

/** Signs in through Universal Login; answers the `Authorization` header value. */
export async function signIn(config: PlaygroundConfig): Promise<string> {
  const { auth0 } = config;
  const verifier = randomString();
  const challenge = base64Url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = randomString();
  const redirectUri = `${window.location.origin}${auth0.callbackPath}`;
  const query = new URLSearchParams({
    response_type: "code",
    client_id: auth0.clientId,
    redirect_uri: redirectUri,
    scope: "openid profile email",
    audience: auth0.audience,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(auth0.organization ? { organization: auth0.organization } : {}),
  });
  const popup = window.open(
    `${auth0.issuer}authorize?${query.toString()}`,
    "gatehouse-sign-in",
    "width=480,height=720",
  );
  if (!popup) throw new Error("the browser blocked the sign-in window: allow pop-ups for this page");
  const code = await codeFrom(popup, state);
  const response = await fetch(`${auth0.issuer}oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth0.clientId,
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(body.error_description ?? `the token endpoint answered ${response.status}`);
  }
  return `Bearer ${body.access_token}`;
}

/** What a developer pastes: `client_id:client_secret` (an API key, sent as Basic) or a token (Bearer). */
export function authorizationFromPaste(text: string): string {
  const value = text.trim();
  if (/^(Bearer|Basic) /i.test(value)) return value;
  if (/^[^\s:.]+:\S+$/.test(value)) return `Basic ${btoa(value)}`;
  return `Bearer ${value}`;
}
