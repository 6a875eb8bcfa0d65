import type { Management } from "auth0";
import type { EventStreamsClient } from "auth0/eventStreams";
import type { OrganizationsClient } from "auth0/organizations";
import type { UsersClient } from "auth0/users";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../src/event-streams.js";
import type { RunningEmulator } from "../src/server.js";
import {
  emulatorControl,
  emulatorOnFreePort,
  insufficientScope,
  managementClients,
  managementToken,
  sdkRefusal,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./helpers.js";

const RECEIVER_TOKEN = "receiver-secret-token";
/** Retries after 20, 40 and 80 ms instead of Auth0's 1, 2 and 4 s. */
const RETRY_DELAY_MS = 20;

let emulator: RunningEmulator;
let receiver: WebhookReceiver;
let eventStreams: EventStreamsClient;
let users: UsersClient;
let organizations: OrganizationsClient;
beforeAll(async () => {
  emulator = await emulatorOnFreePort({ eventRetryDelayMs: RETRY_DELAY_MS });
  receiver = await startWebhookReceiver();
  ({ eventStreams, users, organizations } = managementClients(emulator, await managementToken(emulator)));
});
afterEach(async () => {
  await emulatorControl(emulator, "DELETE", "event-streams/faults");
  await flush();
  for (const stream of (await eventStreams.list()).data) await eventStreams.delete(stream.id!);
  receiver.clear();
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});

/** A webhook stream to the receiver, subscribed to `types`; returns its id. */
async function createStream(
  types: Management.EventStreamEventTypeEnum[],
  name = "directory",
): Promise<string> {
  const stream = await eventStreams.create({
    name,
    subscriptions: types.map((event_type) => ({ event_type })),
    destination: {
      type: "webhook",
      configuration: {
        webhook_endpoint: receiver.url,
        // The SDK's type leaves the token out: Auth0 takes it but never returns it.
        webhook_authorization: { method: "bearer", token: RECEIVER_TOKEN } as never,
      },
    },
  });
  return stream.id!;
}

/** Waits until the emulator has nothing left to deliver. */
async function flush(): Promise<void> {
  const response = await emulatorControl(emulator, "POST", "event-streams/flush", { timeoutMs: 10_000 });
  expect(response.status).toBe(200);
}

async function deliveryView(): Promise<DeliveryRecord[]> {
  return ((await emulatorControl(emulator, "GET", "event-streams")).body as { deliveries: DeliveryRecord[] })
    .deliveries;
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  expect(await emulatorControl(emulator, "POST", "event-streams/faults", faults)).toEqual({
    status: 204,
    body: undefined,
  });
}

let serial = 0;
async function createUser(): Promise<string> {
  serial += 1;
  const user = await users.create({
    connection: "Username-Password-Authentication",
    email: `stream-${serial}-${Date.now()}@example.test`,
    password: "Stream-test-1",
  });
  return user.user_id!;
}

describe("event stream endpoints", () => {
  it("create, read, list, update and delete a webhook stream; the bearer token never comes back", async () => {
    const created = await eventStreams.create({
      name: "directory",
      subscriptions: [{ event_type: "user.created" }],
      destination: {
        type: "webhook",
        configuration: {
          webhook_endpoint: receiver.url,
          webhook_authorization: { method: "bearer", token: RECEIVER_TOKEN } as never,
        },
      },
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^est_/),
      name: "directory",
      status: "enabled",
      subscriptions: [{ event_type: "user.created" }],
      destination: {
        type: "webhook",
        configuration: { webhook_endpoint: receiver.url, webhook_authorization: { method: "bearer" } },
      },
      created_at: expect.any(String),
      updated_at: created.created_at,
    });
    const id = created.id!;

    const updated = await eventStreams.update(id, {
      status: "disabled",
      subscriptions: [{ event_type: "user.created" }, { event_type: "user.deleted" }],
    });
    expect(updated).toMatchObject({ status: "disabled", name: "directory" });
    expect(await eventStreams.get(id)).toEqual(updated);
    const listed = (await eventStreams.list()).data;
    expect(listed).toEqual([updated]);
    expect(JSON.stringify([created, updated, listed])).not.toContain(RECEIVER_TOKEN);

    await eventStreams.delete(id);
    expect((await sdkRefusal(eventStreams.get(id))).statusCode).toBe(404);
  });

  it("each endpoint asks for Auth0's event-stream scope", async () => {
    const readOnly = managementClients(
      emulator,
      await managementToken(emulator, { scope: "read:event_streams" }),
    ).eventStreams;
    expect((await readOnly.list()).data).toEqual([]);
    expect(
      await sdkRefusal(
        readOnly.create({
          destination: {
            type: "webhook",
            configuration: {
              webhook_endpoint: receiver.url,
              webhook_authorization: { method: "bearer", token: RECEIVER_TOKEN } as never,
            },
          },
        }),
      ),
    ).toEqual(insufficientScope("create:event_streams"));
    const id = await createStream(["user.created"]);
    expect(await sdkRefusal(readOnly.update(id, { status: "disabled" }))).toEqual(
      insufficientScope("update:event_streams"),
    );
    expect(await sdkRefusal(readOnly.delete(id))).toEqual(insufficientScope("delete:event_streams"));
    expect(await sdkRefusal(readOnly.redeliveries.createById(id, "evt_x"))).toEqual(
      insufficientScope("update:event_deliveries"),
    );
    // Listing deliveries takes either read scope, one delivery's history read:event_deliveries.
    expect((await readOnly.deliveries.list(id)).data).toEqual([]);
    expect(await sdkRefusal(readOnly.deliveries.getHistory(id, "evt_x"))).toEqual(
      insufficientScope("read:event_deliveries"),
    );
  });

  it("refuses destinations and event types the emulator cannot honour, rather than ignore them", async () => {
    const eventBridge = await sdkRefusal(
      eventStreams.create({
        destination: {
          type: "eventbridge",
          configuration: { aws_account_id: "123456789012", aws_region: "us-east-1" },
        },
      } as never),
    );
    expect(eventBridge.statusCode).toBe(400);
    const unknownType = await sdkRefusal(
      eventStreams.create({
        subscriptions: [{ event_type: "user.exploded" }],
        destination: {
          type: "webhook",
          configuration: {
            webhook_endpoint: receiver.url,
            webhook_authorization: { method: "bearer", token: RECEIVER_TOKEN } as never,
          },
        },
      }),
    );
    expect(unknownType.statusCode).toBe(400);
    const noToken = await sdkRefusal(
      eventStreams.create({
        destination: {
          type: "webhook",
          configuration: { webhook_endpoint: receiver.url, webhook_authorization: { method: "bearer" } },
        },
      }),
    );
    expect(noToken.statusCode).toBe(400);
  });
});

describe("events", () => {
  it("every user and organization write is delivered as Auth0's CloudEvent, with the stream's bearer token", async () => {
    const streamId = await createStream([
      "user.created",
      "user.updated",
      "user.deleted",
      "organization.created",
      "organization.updated",
      "organization.deleted",
      "organization.member.added",
      "organization.member.deleted",
      "organization.member.role.assigned",
      "organization.member.role.deleted",
    ]);

    const userId = await createUser();
    await users.update(userId, { name: "Stream Tester" });
    const org = await organizations.create({ name: `initech-${Date.now()}`, display_name: "Initech" });
    await organizations.update(org.id!, { display_name: "Initech Corp" });
    await organizations.members.create(org.id!, { members: [userId] });
    await organizations.members.roles.assign(org.id!, userId, { roles: ["rol_member"] });
    await organizations.members.roles.delete(org.id!, userId, { roles: ["rol_member"] });
    await organizations.members.delete(org.id!, { members: [userId] });
    await organizations.delete(org.id!);
    await users.delete(userId);
    await flush();

    const events = receiver.events();
    expect(events.map((event) => event.type).sort()).toEqual(
      [
        "organization.created",
        "organization.deleted",
        "organization.member.added",
        "organization.member.deleted",
        "organization.member.role.assigned",
        "organization.member.role.deleted",
        "organization.updated",
        "user.created",
        "user.deleted",
        "user.updated",
      ].sort(),
    );
    for (const { headers, body } of receiver.received) {
      expect(headers.authorization).toBe(`Bearer ${RECEIVER_TOKEN}`);
      expect(headers["content-type"]).toBe("application/json");
      expect(body).toEqual({
        specversion: "1.0",
        type: expect.any(String),
        source: `urn:auth0:127.0.0.1:${emulator.port}`,
        id: expect.stringMatching(/^evt_/),
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        data: { object: expect.any(Object) },
        a0tenant: "gatehouse-emulator",
        a0stream: streamId,
      });
    }
    const objectOf = (type: string) => events.find((event) => event.type === type)?.data;
    expect(objectOf("user.created")).toEqual({
      object: expect.objectContaining({ user_id: userId, identities: expect.any(Array) }),
    });
    expect(objectOf("user.updated")).toEqual({
      object: expect.objectContaining({ user_id: userId, name: "Stream Tester" }),
    });
    expect(objectOf("user.deleted")).toEqual({
      object: expect.objectContaining({ user_id: userId, deleted_at: expect.any(String) }),
    });
    expect(objectOf("organization.updated")).toEqual({
      object: { id: org.id, name: org.name, display_name: "Initech Corp", metadata: {} },
    });
    expect(objectOf("organization.member.added")).toEqual({
      object: { organization: { id: org.id, name: org.name }, user: { user_id: userId } },
    });
    expect(objectOf("organization.member.role.assigned")).toEqual({
      object: {
        organization: { id: org.id },
        user: { user_id: userId },
        role: { id: "rol_member", name: "member" },
      },
    });
    expect(objectOf("organization.member.role.deleted")).toEqual(
      objectOf("organization.member.role.assigned"),
    );
  });

  it("a stream gets only the types it subscribes to, and a disabled stream nothing", async () => {
    await createStream(["user.deleted"]);
    const disabled = await createStream(["user.created"], "paused");
    await eventStreams.update(disabled, { status: "disabled" });

    const userId = await createUser();
    await users.delete(userId);
    await flush();

    expect(receiver.events().map((event) => event.type)).toEqual(["user.deleted"]);
  });

  it("blocking a user changes updated_at and sends user.updated; assigning a role changes neither", async () => {
    await createStream(["user.updated", "organization.member.role.assigned"]);
    const userId = await createUser();
    const before = await users.get(userId);

    await users.roles.assign(userId, { roles: ["rol_member"] });
    await flush();
    expect(receiver.events()).toEqual([]);
    expect((await users.get(userId)).updated_at).toBe(before.updated_at);

    await users.update(userId, { blocked: true });
    await flush();
    expect(receiver.events().map((event) => event.type)).toEqual(["user.updated"]);
    expect((await users.get(userId)).updated_at).not.toBe(before.updated_at);
  });
});

describe("delivery", () => {
  it("is retried after a 5xx until the receiver takes it, and a Management call never waits for it", async () => {
    await createStream(["user.created"]);
    receiver.answerNext(503, 500);
    receiver.answerAfter(300);

    const started = performance.now();
    const userId = await createUser();
    expect(performance.now() - started).toBeLessThan(300);
    await flush();

    const deliveries = receiver.events();
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((event) => event.id)).size).toBe(1);
    const record = (await deliveryView()).find((view) => view.event_id === deliveries[0]?.id);
    expect(record).toMatchObject({ event_type: "user.created", state: "delivered" });
    expect(record?.attempts.map((attempt) => attempt.status)).toEqual(["failed", "failed", "delivered"]);
    expect(record?.attempts[0]).toMatchObject({ status_code: 503 });
    expect(deliveries[0]?.data).toMatchObject({ object: { user_id: userId } });
  });

  it("fails after Auth0's four attempts; the failure is listed with its attempts and can be redelivered", async () => {
    const streamId = await createStream(["user.created"]);
    receiver.answerNext(500, 500, 500, 500);

    await createUser();
    await flush();

    expect(receiver.received).toHaveLength(4);
    const failed = (await eventStreams.deliveries.list(streamId)).data;
    expect(failed).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        event_stream_id: streamId,
        status: "failed",
        event_type: "user.created",
        attempts: Array.from({ length: 4 }, () => ({
          status: "failed",
          timestamp: expect.any(String),
          error_message: "The endpoint answered 500",
          duration: expect.any(Number),
        })),
        event: receiver.events()[0],
      },
    ]);
    const eventId = failed[0]!.id;
    expect(await eventStreams.deliveries.getHistory(streamId, eventId)).toEqual(failed[0]);

    await eventStreams.redeliveries.createById(streamId, eventId);
    await flush();

    expect(receiver.received).toHaveLength(5);
    expect(receiver.events()[4]?.id).toBe(eventId);
    expect((await eventStreams.deliveries.list(streamId)).data).toEqual([]);
    expect((await sdkRefusal(eventStreams.deliveries.getHistory(streamId, eventId))).statusCode).toBe(404);
  });

  it("a 4xx fails at once, with no retry", async () => {
    const streamId = await createStream(["user.created"]);
    receiver.answerNext(401);

    await createUser();
    await flush();

    expect(receiver.received).toHaveLength(1);
    const [failed] = (await eventStreams.deliveries.list(streamId)).data;
    expect(failed?.attempts).toHaveLength(1);
  });

  it("POST /redeliver sends every failed delivery again", async () => {
    const streamId = await createStream(["user.created"]);
    receiver.answerNext(400, 400);
    await createUser();
    await createUser();
    await flush();
    expect((await eventStreams.deliveries.list(streamId)).data).toHaveLength(2);

    await eventStreams.redeliveries.create(streamId, { statuses: ["failed"] });
    await flush();

    expect((await eventStreams.deliveries.list(streamId)).data).toEqual([]);
    expect(receiver.received).toHaveLength(4);
  });
});

describe("delivery test controls", () => {
  it("dropNext loses the next deliveries: never sent, never listed as failed", async () => {
    const streamId = await createStream(["user.created"]);
    await setFaults({ dropNext: 1 });

    const lost = await createUser();
    const kept = await createUser();
    await flush();

    expect(
      receiver.events().map((event) => (event.data as { object: { user_id: string } }).object.user_id),
    ).toEqual([kept]);
    expect((await eventStreams.deliveries.list(streamId)).data).toEqual([]);
    expect((await deliveryView()).find((record) => record.state === "dropped")).toBeDefined();
    expect(lost).not.toBe(kept);
  });

  it("duplicate sends every event twice with the same id", async () => {
    await createStream(["user.created"]);
    await setFaults({ duplicate: true });

    await createUser();
    await flush();

    const events = receiver.events();
    expect(events).toHaveLength(2);
    expect(events[0]?.id).toBe(events[1]?.id);
  });

  it("delayMs holds each delivery back; flush answers once it is delivered", async () => {
    await createStream(["user.created"]);
    await setFaults({ delayMs: 200 });

    const created = performance.now();
    await createUser();
    expect(receiver.received).toHaveLength(0);
    await flush();

    expect(receiver.received).toHaveLength(1);
    expect(performance.now() - created).toBeGreaterThanOrEqual(190);
  });

  it("reorder holds deliveries until release, which sends them newest first", async () => {
    await createStream(["user.created", "user.updated", "user.deleted"]);
    await setFaults({ reorder: true });

    const userId = await createUser();
    await users.update(userId, { nickname: "reordered" });
    await users.delete(userId);
    const flushed = await emulatorControl(emulator, "POST", "event-streams/flush", {});
    expect(flushed).toEqual({ status: 200, body: { pending: 0, held: 3 } });
    expect(receiver.received).toHaveLength(0);

    expect((await emulatorControl(emulator, "POST", "event-streams/release")).status).toBe(204);
    await flush();

    expect(receiver.events().map((event) => event.type)).toEqual([
      "user.deleted",
      "user.updated",
      "user.created",
    ]);
  });

  it("flush gives up after timeoutMs with 504 and what is still pending", async () => {
    await createStream(["user.created"]);
    await setFaults({ delayMs: 300 });
    await createUser();

    expect(await emulatorControl(emulator, "POST", "event-streams/flush", { timeoutMs: 50 })).toEqual({
      status: 504,
      body: {
        error: "flush_timeout",
        message: "1 deliveries still under way after 50 ms",
        pending: 1,
        held: 0,
      },
    });
  });

  it.each([{ dropNext: -1 }, { duplicate: "yes" }, { reordr: true }, {}])(
    "a delivery fault that makes no sense is refused with 400: %j",
    async (faults) => {
      const response = await emulatorControl(emulator, "POST", "event-streams/faults", faults);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: "invalid_event_fault" });
    },
  );

  it("POST /__emulator/reset removes the streams and forgets deliveries under way", async () => {
    const resettable = await emulatorOnFreePort({ eventRetryDelayMs: RETRY_DELAY_MS });
    try {
      const clients = managementClients(resettable, await managementToken(resettable));
      await clients.eventStreams.create({
        subscriptions: [{ event_type: "user.created" }],
        destination: {
          type: "webhook",
          configuration: {
            webhook_endpoint: receiver.url,
            webhook_authorization: { method: "bearer", token: RECEIVER_TOKEN } as never,
          },
        },
      });
      await emulatorControl(resettable, "POST", "event-streams/faults", { delayMs: 200 });
      await clients.users.create({
        connection: "Username-Password-Authentication",
        email: `reset-${Date.now()}@example.test`,
        password: "Stream-test-1",
      });

      expect((await emulatorControl(resettable, "POST", "reset")).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 300));

      expect(receiver.received).toHaveLength(0);
      expect((await clients.eventStreams.list()).data).toEqual([]);
      expect((await emulatorControl(resettable, "GET", "event-streams")).body).toEqual({
        faults: { dropNext: 0, duplicate: false, delayMs: 0, reorder: false },
        pending: 0,
        held: 0,
        deliveries: [],
      });
    } finally {
      await resettable.close();
    }
  });
});
