import { ManagementError } from "auth0";
import { expect } from "vitest";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../src/emulator/server.js";

export const GATEHOUSE_API = "https://api.gatehouse.local";

/** Starts an emulator on a free port for one test file; stop it in `afterAll`. */
export function emulatorOnFreePort(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, ...options });
}

export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown> };
}

/** A client-credentials token, failing the test if the emulator refuses. */
export async function clientCredentialsToken(
  emulator: RunningEmulator,
  clientId: string,
  clientSecret: string,
  audience: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const response = await postForm(`${emulator.url}/oauth/token`, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
    audience,
    ...extra,
  });
  if (response.status !== 200) {
    throw new Error(
      `token request for ${clientId} failed: ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body.access_token as string;
}

/** Gatehouse's own Management token (the seed's `gatehouse-server` client). */
export function managementToken(
  emulator: RunningEmulator,
  extra: Record<string, string> = {},
): Promise<string> {
  return clientCredentialsToken(
    emulator,
    "gatehouse-server",
    "gatehouse-server-secret",
    emulator.context.managementAudience,
    extra,
  );
}

/** Calls one of the emulator's test controls, `/__emulator/<control>`, with an optional JSON body. */
export async function emulatorControl(
  emulator: RunningEmulator,
  method: "GET" | "POST" | "DELETE",
  control: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${emulator.url}/__emulator/${control}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The SDK's error for a refused Management call (status and Auth0's body); fails the test if the call succeeded. */
export async function sdkRefusal(call: Promise<unknown>): Promise<{ statusCode?: number; body?: unknown }> {
  const error: unknown = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ManagementError);
  const { statusCode, body } = error as ManagementError;
  return { statusCode, body };
}
