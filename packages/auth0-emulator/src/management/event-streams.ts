import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, notFound, type ManagementError } from "../errors.js";
import { EVENT_TYPES, type EventType, type StoredEventDelivery, type StoredEventStream } from "../model.js";
import { newId } from "../store.js";
import { requireScopes } from "./auth.js";
import { checkpointPage, wantsCheckpoint, type Query } from "./paging.js";
import { invalidPayload, optionalEnum, optionalString, payloadOf, type Payload } from "./payload.js";

type StreamRoute = { Params: { id: string } };
type DeliveryRoute = { Params: { id: string; event_id: string } };

const STATUSES = ["enabled", "disabled"] as const;
const CREATE_PROPERTIES = ["name", "subscriptions", "destination", "status"];

function noSuchStream(): ManagementError {
  return notFound("The event stream does not exist", "inexistent_event_stream");
}

function noSuchDelivery(): ManagementError {
  return notFound("No failed delivery of this event on this event stream", "inexistent_event_delivery");
}

/** A stream as the Management API shows it: Auth0 never returns the webhook's token. */
function toEventStream(stream: StoredEventStream): Management.EventStreamWebhookResponseContent {
  const { webhook_endpoint, webhook_authorization } = stream.destination.configuration;
  return {
    id: stream.id,
    ...(stream.name === undefined ? {} : { name: stream.name }),
    subscriptions: stream.subscriptions.map(({ event_type }) => ({ event_type })),
    destination: {
      type: "webhook",
      configuration: { webhook_endpoint, webhook_authorization: { method: webhook_authorization.method } },
    },
    status: stream.status,
    created_at: stream.created_at,
    updated_at: stream.updated_at,
  };
}

function refuseUnknownProperties(payload: Payload, allowed: readonly string[], where = ""): void {
  for (const property of Object.keys(payload)) {
    if (!allowed.includes(property)) invalidPayload(`Additional properties not allowed: ${where}${property}`);
  }
}

function objectAt(payload: Payload, property: string): Payload {
  const value = payload[property];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    invalidPayload(`Expected type object but found type ${value === null ? "null" : typeof value}`, property);
  }
  return value as Payload;
}

function validSubscriptions(payload: Payload): StoredEventStream["subscriptions"] | undefined {
  const value = payload.subscriptions;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) invalidPayload("Expected type array", "subscriptions");
  return (value as unknown[]).map((item) => {
    if (typeof item !== "object" || item === null) invalidPayload("Expected type object", "subscriptions");
    const subscription = item as Payload;
    refuseUnknownProperties(subscription, ["event_type"], "subscriptions.");
    const eventType = optionalEnum(subscription, "event_type", EVENT_TYPES);
    if (eventType === undefined) invalidPayload("Missing required property: event_type", "subscriptions");
    return { event_type: eventType };
  });
}

/**
 * A webhook destination with a bearer token. `current` is the stream's destination in an update: a token
 * left out there keeps the one stored, since no response ever shows it to copy back.
 */
function validDestination(
  payload: Payload,
  current?: StoredEventStream["destination"],
): StoredEventStream["destination"] {
  const destination = objectAt(payload, "destination");
  refuseUnknownProperties(destination, ["type", "configuration"], "destination.");
  const type = destination.type;
  if (type !== "webhook") {
    throw badRequest(`The emulator supports webhook destinations only, not ${JSON.stringify(type)}`);
  }
  const configuration = objectAt(destination, "configuration");
  refuseUnknownProperties(configuration, ["webhook_endpoint", "webhook_authorization"], "configuration.");
  const endpoint = optionalString(configuration, "webhook_endpoint");
  if (endpoint === undefined) invalidPayload("Missing required property: webhook_endpoint");
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  // Auth0 wants https; the emulator also takes http, for receivers on loopback.
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    invalidPayload(`Object didn't pass validation for format uri: ${endpoint}`, "webhook_endpoint");
  }
  const authorization = objectAt(configuration, "webhook_authorization");
  refuseUnknownProperties(authorization, ["method", "token"], "webhook_authorization.");
  if (authorization.method !== "bearer") {
    throw badRequest(
      `The emulator supports webhook_authorization method bearer only, not ${JSON.stringify(authorization.method)}`,
    );
  }
  const token = optionalString(authorization, "token") ?? current?.configuration.webhook_authorization.token;
  if (!token) invalidPayload("Missing required property: token", "webhook_authorization");
  return {
    type: "webhook",
    configuration: { webhook_endpoint: endpoint, webhook_authorization: { method: "bearer", token } },
  };
}

/** `statuses` / `event_types` as comma-separated lists in a query, or arrays in a body. */
function listFilter(value: unknown, name: string, allowed: readonly string[]): string[] | undefined {
  if (value === undefined || value === "") return undefined;
  const items = typeof value === "string" ? value.split(",").map((item) => item.trim()) : value;
  if (!Array.isArray(items) || items.some((item) => !allowed.includes(item as string))) {
    throw badRequest(`${name} must list values among: ${allowed.join(", ")}`, "invalid_query_string");
  }
  return items as string[];
}

function dateFilter(value: unknown, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw badRequest(`${name} must be an RFC 3339 date-time`, "invalid_query_string");
  return time;
}

interface DeliveryFilter {
  statuses?: string[];
  event_types?: string[];
  date_from?: number;
  date_to?: number;
}

function deliveryFilter(source: Record<string, unknown>): DeliveryFilter {
  return {
    statuses: listFilter(source.statuses, "statuses", ["failed"]),
    event_types: listFilter(source.event_types, "event_types", EVENT_TYPES),
    date_from: dateFilter(source.date_from, "date_from"),
    date_to: dateFilter(source.date_to, "date_to"),
  };
}

function matchesFilter(delivery: StoredEventDelivery, filter: DeliveryFilter): boolean {
  const time = Date.parse(delivery.event.time);
  return (
    (!filter.statuses || filter.statuses.includes(delivery.status)) &&
    (!filter.event_types || filter.event_types.includes(delivery.event_type)) &&
    (filter.date_from === undefined || time >= filter.date_from) &&
    (filter.date_to === undefined || time < filter.date_to)
  );
}

/** `/api/v2/event-streams`: webhook streams, their failed deliveries and redelivery. */
export function registerEventStreamRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findStream(id: string): StoredEventStream {
    const stream = store.data.eventStreams[id];
    if (!stream) throw noSuchStream();
    return stream;
  }

  function failedDeliveries(streamId: string): StoredEventDelivery[] {
    return Object.values(store.data.eventDeliveries[streamId] ?? {});
  }

  app.get(
    "/api/v2/event-streams",
    { preHandler: requireScopes(ctx, "read:event_streams") },
    async (request) => {
      const query = request.query as Query;
      const streams = Object.values(store.data.eventStreams).map(toEventStream);
      if (!wantsCheckpoint(query)) return streams;
      return checkpointPage(streams, query, "eventStreams", (stream) => String(stream.id));
    },
  );

  app.get<StreamRoute>(
    "/api/v2/event-streams/:id",
    { preHandler: requireScopes(ctx, "read:event_streams") },
    async (request) => toEventStream(findStream(request.params.id)),
  );

  app.post(
    "/api/v2/event-streams",
    { preHandler: requireScopes(ctx, "create:event_streams") },
    async (request, reply) => {
      const payload = payloadOf(request.body);
      refuseUnknownProperties(payload, CREATE_PROPERTIES);
      if (payload.destination === undefined) invalidPayload("Missing required property: destination");
      const name = optionalString(payload, "name");
      const now = new Date().toISOString();
      const stream: StoredEventStream = {
        id: newId("est"),
        ...(name === undefined ? {} : { name }),
        // New event streams are enabled by default (_Create an Event Stream_).
        status: optionalEnum(payload, "status", STATUSES) ?? "enabled",
        subscriptions: validSubscriptions(payload) ?? [],
        destination: validDestination(payload),
        created_at: now,
        updated_at: now,
      };
      store.data.eventStreams[stream.id] = stream;
      return reply.code(201).send(toEventStream(stream));
    },
  );

  app.patch<StreamRoute>(
    "/api/v2/event-streams/:id",
    { preHandler: requireScopes(ctx, "update:event_streams") },
    async (request) => {
      const stream = findStream(request.params.id);
      const payload = payloadOf(request.body);
      refuseUnknownProperties(payload, CREATE_PROPERTIES);
      const name = optionalString(payload, "name");
      const status = optionalEnum(payload, "status", STATUSES);
      const subscriptions = validSubscriptions(payload);
      const destination =
        payload.destination === undefined ? undefined : validDestination(payload, stream.destination);
      if (name !== undefined) stream.name = name;
      if (status !== undefined) stream.status = status;
      if (subscriptions !== undefined) stream.subscriptions = subscriptions;
      if (destination !== undefined) stream.destination = destination;
      stream.updated_at = new Date().toISOString();
      return toEventStream(stream);
    },
  );

  app.delete<StreamRoute>(
    "/api/v2/event-streams/:id",
    { preHandler: requireScopes(ctx, "delete:event_streams") },
    async (request, reply) => {
      const stream = findStream(request.params.id);
      delete store.data.eventStreams[stream.id];
      delete store.data.eventDeliveries[stream.id];
      return reply.code(204).send();
    },
  );

  // Auth0 lists failed deliveries only: their status is always `failed`.
  app.get<StreamRoute>(
    "/api/v2/event-streams/:id/deliveries",
    { preHandler: requireScopes(ctx, "read:event_streams", "read:event_deliveries") },
    async (request) => {
      const stream = findStream(request.params.id);
      const query = request.query as Query;
      const filter = deliveryFilter(query);
      const deliveries = failedDeliveries(stream.id).filter((delivery) => matchesFilter(delivery, filter));
      if (!wantsCheckpoint(query)) return deliveries;
      return checkpointPage(deliveries, query, "deliveries", (delivery) => delivery.id);
    },
  );

  app.get<DeliveryRoute>(
    "/api/v2/event-streams/:id/deliveries/:event_id",
    { preHandler: requireScopes(ctx, "read:event_deliveries") },
    async (request) => {
      const stream = findStream(request.params.id);
      const delivery = store.data.eventDeliveries[stream.id]?.[request.params.event_id];
      if (!delivery) throw noSuchDelivery();
      return delivery;
    },
  );

  app.post<DeliveryRoute>(
    "/api/v2/event-streams/:id/redeliver/:event_id",
    { preHandler: requireScopes(ctx, "update:event_deliveries") },
    async (request, reply) => {
      const stream = findStream(request.params.id);
      const delivery = store.data.eventDeliveries[stream.id]?.[request.params.event_id];
      if (!delivery) throw noSuchDelivery();
      if (ctx.events.isUnderWay(stream.id, delivery.id)) {
        throw conflict("The event is already being delivered", "redelivery_in_progress");
      }
      ctx.events.redeliver(delivery);
      return reply.code(202).send();
    },
  );

  app.post<StreamRoute>(
    "/api/v2/event-streams/:id/redeliver",
    { preHandler: requireScopes(ctx, "update:event_deliveries") },
    async (request, reply) => {
      const stream = findStream(request.params.id);
      const payload = payloadOf(request.body);
      refuseUnknownProperties(payload, ["date_from", "date_to", "statuses", "event_types"]);
      const filter = deliveryFilter(payload);
      for (const delivery of failedDeliveries(stream.id)) {
        if (matchesFilter(delivery, filter) && !ctx.events.isUnderWay(stream.id, delivery.id)) {
          ctx.events.redeliver(delivery);
        }
      }
      return reply.code(202).send({
        ...(payload.date_from === undefined ? {} : { date_from: payload.date_from }),
        ...(payload.date_to === undefined ? {} : { date_to: payload.date_to }),
        ...(filter.statuses ? { statuses: filter.statuses } : {}),
        ...(filter.event_types ? { event_types: filter.event_types as EventType[] } : {}),
      });
    },
  );
}
