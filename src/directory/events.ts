import { timingSafeEqual } from "node:crypto";
import type { DirectoryRepository } from "../store/directory.js";
import { toDirectoryTenant, toDirectoryUser } from "./mapping.js";
import type { DirectorySync } from "./sync.js";

/** The Auth0 Event Streams event types the directory follows. */
export const FOLLOWED_EVENT_TYPES = [
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
] as const;

type FollowedType = (typeof FOLLOWED_EVENT_TYPES)[number];

/** A CloudEvents 1.0 event as Auth0 Event Streams deliver it. */
export interface Auth0Event {
  id: string;
  type: string;
  time: string;
  data: { object: Record<string, unknown> };
}

/** A delivery Gatehouse cannot read: answered 400, and nothing changes. */
export class MalformedEventError extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one event's envelope; the payload is checked where it is used. */
export function parseEvent(value: unknown): Auth0Event {
  if (!isObject(value)) throw new MalformedEventError("an event must be a JSON object");
  const { specversion, id, type, time, data } = value;
  if (specversion !== "1.0") throw new MalformedEventError("specversion must be 1.0 (CloudEvents)");
  if (typeof id !== "string" || id.length === 0 || id.length > 200)
    throw new MalformedEventError("id is missing");
  if (typeof type !== "string") throw new MalformedEventError("type is missing");
  if (typeof time !== "string" || Number.isNaN(Date.parse(time)))
    throw new MalformedEventError("time must be a date");
  if (!isObject(data) || !isObject(data.object)) throw new MalformedEventError("data.object is missing");
  return { id, type, time: new Date(time).toISOString(), data: { object: data.object } };
}

/** Auth0 delivers one event per request; a batch (an array) is read too. */
export function parseDelivery(body: unknown): Auth0Event[] {
  return (Array.isArray(body) ? body : [body]).map(parseEvent);
}

function idOf(value: unknown, field: string): string {
  const id = isObject(value) ? value[field] : undefined;
  if (typeof id !== "string" || id.length === 0) throw new MalformedEventError(`the event names no ${field}`);
  return id;
}

/** Compares the delivery's bearer secret in constant time. */
export function isAuthorizedDelivery(authorization: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`Bearer ${secret}`);
  const given = Buffer.from(authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What this instance has received, for operators. */
export interface EventCounters {
  received: number;
  duplicates: number;
  applied: number;
  /** The last event applied: its Auth0 time and when it arrived. */
  last: { type: string; time: string; receivedAt: string } | null;
}

/**
 * Applies Auth0 Event Streams deliveries to the directory. Delivery is at least once and unordered: an event
 * seen before is skipped (by id), and every write is last-write-wins by the object's time, so duplicates and
 * reorderings leave the directory right. Role changes of a member are re-read from Auth0 rather than patched
 * in, since two role events applied out of order would lose one of them.
 */
export class DirectoryEvents {
  readonly counters: EventCounters = { received: 0, duplicates: 0, applied: 0, last: null };

  constructor(
    private readonly directory: DirectoryRepository,
    private readonly sync: DirectorySync,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async apply(events: readonly Auth0Event[]): Promise<void> {
    for (const event of events) {
      this.counters.received += 1;
      if (await this.directory.hasEvent(event.id)) {
        this.counters.duplicates += 1;
        continue;
      }
      if ((FOLLOWED_EVENT_TYPES as readonly string[]).includes(event.type)) {
        await this.applyOne(event.type as FollowedType, event);
      }
      const receivedAt = this.now().toISOString();
      await this.directory.recordEvent(event.id, receivedAt);
      this.counters.applied += 1;
      this.counters.last = { type: event.type, time: event.time, receivedAt };
      await this.directory.setState("last-event", this.counters.last);
    }
  }

  private async applyOne(type: FollowedType, event: Auth0Event): Promise<void> {
    const { object } = event.data;
    switch (type) {
      case "user.created":
      case "user.updated": {
        const userId = idOf(object, "user_id");
        const existing = await this.directory.findUser(userId);
        await this.directory.upsertUser(
          toDirectoryUser(object, existing?.platformRoleNames ?? [], event.time),
        );
        return;
      }
      case "user.deleted":
        await this.directory.deleteUser(idOf(object, "user_id"), event.time);
        return;
      case "organization.created":
      case "organization.updated":
        idOf(object, "id");
        idOf(object, "name");
        await this.directory.upsertTenant(toDirectoryTenant(object, event.time));
        return;
      case "organization.deleted":
        await this.directory.deleteTenant(idOf(object, "id"), event.time);
        return;
      case "organization.member.added": {
        const tenantId = idOf(object.organization, "id");
        const userId = idOf(object.user, "user_id");
        if (!(await this.directory.findUser(userId))) await this.sync.learnUser(userId);
        const existing = await this.directory.findMembership(tenantId, userId);
        await this.directory.upsertMembership({
          tenantId,
          userId,
          roleNames: existing?.roleNames ?? [],
          sourceTime: event.time,
        });
        return;
      }
      case "organization.member.deleted":
        await this.directory.removeMembership(
          idOf(object.organization, "id"),
          idOf(object.user, "user_id"),
          event.time,
        );
        return;
      case "organization.member.role.assigned":
      case "organization.member.role.deleted":
        await this.sync.repairMembership(idOf(object.organization, "id"), idOf(object.user, "user_id"));
        return;
    }
  }
}
