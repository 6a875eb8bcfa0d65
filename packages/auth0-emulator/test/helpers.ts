import { once } from "node:events";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ManagementError } from "auth0";
import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { EventStreamsClient } from "auth0/eventStreams";
import { OrganizationsClient } from "auth0/organizations";
import { ResourceServersClient } from "auth0/resourceServers";
import { RolesClient } from "auth0/roles";
import { UserGrantsClient } from "auth0/userGrants";
import { UsersClient } from "auth0/users";
import { expect } from "vitest";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../src/server.js";

import { GATEHOUSE_API, TEST_SEED } from "./fixture.js";

export { GATEHOUSE_API };

/** Starts an emulator seeded with the test fixture on a free port for one test file; stop it in `afterAll`. */
export function emulatorOnFreePort(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ port: 0, seed: TEST_SEED, ...options });
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

/** `POST /oauth/token` with these form fields, answered as it came. */
export function tokenRequest(emulator: RunningEmulator, fields: Record<string, string>) {
  return postForm(`${emulator.url}/oauth/token`, fields);
}

/** A client-credentials request for the Gatehouse API (or the `audience` in `extra`), answered as it came. */
export function clientCredentialsRequest(
  emulator: RunningEmulator,
  clientId: string,
  clientSecret: string,
  extra: Record<string, string> = {},
) {
  return tokenRequest(emulator, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
    audience: GATEHOUSE_API,
    ...extra,
  });
}

/** A client-credentials token, failing the test if the emulator refuses. */
export async function clientCredentialsToken(
  emulator: RunningEmulator,
  clientId: string,
  clientSecret: string,
  audience: string,
  extra: Record<string, string> = {},
): Promise<string> {
  const response = await clientCredentialsRequest(emulator, clientId, clientSecret, { audience, ...extra });
  if (response.status !== 200) {
    throw new Error(
      `token request for ${clientId} failed: ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return response.body.access_token as string;
}

/** A token of Acme's back end (the seed's `acme-backend` client) for the Gatehouse API. */
export function acmeBackendToken(emulator: RunningEmulator): Promise<string> {
  return clientCredentialsToken(emulator, "acme-backend", "acme-backend-secret", GATEHOUSE_API);
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

/**
 * The SDK's Management clients on this emulator, on `token`: one fetched up front, or a function the SDK
 * calls for each request (by default, one that fetches Gatehouse's own Management token). No retries: a
 * refused call is refused again, and the tests want the first answer.
 */
export function managementClients(
  emulator: RunningEmulator,
  token: string | (() => Promise<string>) = () => managementToken(emulator),
) {
  const options = { baseUrl: `${emulator.url}/api/v2`, token, maxRetries: 0 };
  return {
    users: new UsersClient(options),
    roles: new RolesClient(options),
    organizations: new OrganizationsClient(options),
    userGrants: new UserGrantsClient(options),
    clients: new ClientsClient(options),
    clientGrants: new ClientGrantsClient(options),
    resourceServers: new ResourceServersClient(options),
    eventStreams: new EventStreamsClient(options),
  };
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

/**
 * Auth0's refusal of a Management call whose token holds none of the `expected` scopes, as `sdkRefusal`
 * reports it.
 */
export function insufficientScope(expected: string) {
  return {
    statusCode: 403,
    body: {
      statusCode: 403,
      error: "Forbidden",
      message: `Insufficient scope, expected any of: ${expected}`,
      errorCode: "insufficient_scope",
    },
  };
}

/** A request the webhook receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * A tiny HTTP server on 127.0.0.1 standing in for an event stream's webhook endpoint. It answers 204 unless
 * told to answer the next requests otherwise, or to take its time; close it in `afterAll`.
 */
export async function startWebhookReceiver() {
  const received: ReceivedWebhook[] = [];
  const nextStatuses: number[] = [];
  let answerAfterMs = 0;
  const server = createHttpServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(text) as Record<string, unknown> });
      const status = nextStatuses.shift() ?? 204;
      setTimeout(() => response.writeHead(status).end(), answerAfterMs);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    /** The events received so far, in the order they arrived. */
    events: () => received.map((request) => request.body),
    /** The next requests are answered with these statuses, in order; then 204 again. */
    answerNext(...statuses: number[]) {
      nextStatuses.push(...statuses);
    },
    answerAfter(ms: number) {
      answerAfterMs = ms;
    },
    clear() {
      received.length = 0;
      nextStatuses.length = 0;
      answerAfterMs = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
