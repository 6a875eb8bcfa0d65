import { EventStreamsClient } from "auth0/eventStreams";
import { collect } from "../auth0/management.js";
import { FOLLOWED_EVENT_TYPES } from "./events.js";

/**
 * Registers (or brings up to date) the Auth0 event stream that delivers the directory's events to Gatehouse's
 * webhook. Idempotent: a stream already pointing at the URL is updated, not duplicated. Needs
 * `read:`/`create:`/`update:event_streams` on Gatehouse's Management client grant.
 */
export async function registerEventStream(options: {
  issuer: string;
  token: () => Promise<string>;
  webhookUrl: string;
  secret: string;
}): Promise<string> {
  const streams = new EventStreamsClient({ baseUrl: `${options.issuer}api/v2`, token: options.token });
  const destination = {
    type: "webhook" as const,
    configuration: {
      webhook_endpoint: options.webhookUrl,
      webhook_authorization: { method: "bearer" as const, token: options.secret },
    },
  };
  const subscriptions = FOLLOWED_EVENT_TYPES.map((event_type) => ({ event_type }));
  const existing = (await collect(await streams.list({}))).find(
    (stream) =>
      (stream.destination as { configuration?: { webhook_endpoint?: string } } | undefined)?.configuration
        ?.webhook_endpoint === options.webhookUrl,
  );
  if (existing?.id) {
    await streams.update(existing.id, { subscriptions, destination, status: "enabled" } as never);
    return existing.id;
  }
  const created = await streams.create({
    name: "gatehouse-directory",
    subscriptions,
    destination,
    status: "enabled",
  } as never);
  return String((created as { id?: unknown }).id);
}
