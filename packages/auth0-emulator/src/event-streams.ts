import type { EmulatorStore } from "./store.js";
import { newId } from "./store.js";
import type { DeliveryAttempt, EventType, StoredEventDelivery, StreamEvent } from "./model.js";

/**
 * Auth0 makes four attempts in all: the first and three retries after 1 s, 2 s and 4 s; a 4xx answer fails at
 * once ("retrying is unlikely to change the response"). _Events Best Practices_.
 */
const ATTEMPTS_PER_DELIVERY = 4;
/** The `a0tenant` of every event: the emulator is one tenant. */
export const EMULATOR_TENANT = "gatehouse-emulator";
/** How many deliveries `GET /__emulator/event-streams` remembers. */
const HISTORY_SIZE = 500;

/** Test controls on delivery, as `POST /__emulator/event-streams/faults` sets them. */
export interface DeliveryFaults {
  /** The next this many deliveries are lost: never sent, never retried, never listed as failed. */
  dropNext: number;
  /** Every delivery is sent twice, with the same event id (Auth0 delivers at least once). */
  duplicate: boolean;
  /** Every delivery waits this long before its first attempt. */
  delayMs: number;
  /** Deliveries are held until `release`, which sends them newest first. */
  reorder: boolean;
}

/** One delivery as the test view shows it, attempts that succeeded included. */
export interface DeliveryRecord {
  event_id: string;
  event_type: EventType;
  event_stream_id: string;
  state: "pending" | "held" | "delivered" | "failed" | "dropped";
  attempts: {
    status: "delivered" | "failed";
    timestamp: string;
    status_code?: number;
    error_message?: string;
  }[];
}

export interface DeliveryOptions {
  /** The first retry's delay; the next ones double it (default 1000 ms, as Auth0). */
  retryDelayMs: number;
  /** How long an attempt may take before it counts as failed (default 10 s). */
  timeoutMs: number;
}

interface Job {
  generation: number;
  streamId: string;
  event: StreamEvent;
  /** Failed attempts so far, earlier deliveries of the same event included (a redelivery adds to them). */
  failedAttempts: DeliveryAttempt[];
  /** Attempts in this delivery (a redelivery starts again from zero). */
  attemptsMade: number;
  record: DeliveryRecord;
}

function noFaults(): DeliveryFaults {
  return { dropNext: 0, duplicate: false, delayMs: 0, reorder: false };
}

/**
 * Publishes events to the event streams subscribed to them and delivers them as Auth0 does: an HTTP POST of
 * the CloudEvent with the stream's bearer token, asynchronously (a Management response never waits for it),
 * at least once, retried on 5xx, timeouts and network errors. A delivery that finally fails is kept, with
 * its attempts, for `GET /api/v2/event-streams/{id}/deliveries` and redelivery. Deliveries under way are not
 * persisted: a restart forgets them.
 */
export class EventStreamDispatcher {
  faults: DeliveryFaults = noFaults();
  private history: DeliveryRecord[] = [];
  private held: Job[] = [];
  /** Jobs admitted and not finished: waiting, in flight or between retries (held ones are not counted). */
  private pending = 0;
  /** How many deliveries of `<stream id> <event id>` are under way, so that a redelivery of one is refused. */
  private underWay = new Map<string, number>();
  private timers = new Set<NodeJS.Timeout>();
  private requests = new Set<AbortController>();
  private idleWaiters = new Set<() => void>();
  /** Bumped by `reset` and `close`, so that attempts still running finish without touching the new state. */
  private generation = 0;

  constructor(
    private readonly store: EmulatorStore,
    private readonly source: string,
    private readonly options: DeliveryOptions,
  ) {}

  /** Sends an event of `type` about `object` to every enabled stream subscribed to that type. */
  publish(type: EventType, object: Record<string, unknown>): void {
    const streams = Object.values(this.store.data.eventStreams).filter(
      (stream) =>
        stream.status === "enabled" &&
        stream.subscriptions.some((subscription) => subscription.event_type === type),
    );
    if (streams.length === 0) return;
    const id = newId("evt");
    const time = new Date().toISOString();
    for (const stream of streams) {
      const event: StreamEvent = {
        specversion: "1.0",
        type,
        source: this.source,
        id,
        time,
        data: { object: structuredClone(object) },
        a0tenant: EMULATOR_TENANT,
        a0stream: stream.id,
      };
      this.dispatch(stream.id, event, []);
    }
  }

  isUnderWay(streamId: string, eventId: string): boolean {
    return (this.underWay.get(`${streamId} ${eventId}`) ?? 0) > 0;
  }

  /** Delivers a failed event again, with a fresh set of attempts; its earlier failures stay listed. */
  redeliver(delivery: StoredEventDelivery): void {
    this.dispatch(delivery.event_stream_id, delivery.event, [...delivery.attempts]);
  }

  /** Sends the held deliveries, newest first, each after the previous one's first attempt. */
  release(): void {
    const jobs = this.held.reverse();
    this.held = [];
    for (const job of jobs) this.activate(job);
    void (async () => {
      for (const job of jobs) await this.attempt(job);
    })();
  }

  /** Resolves `true` once nothing is waiting or under way (held deliveries aside), `false` after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }

  /** What the test view shows: the faults set, how many deliveries wait, and the recent ones. */
  describe(): { faults: DeliveryFaults; pending: number; held: number; deliveries: DeliveryRecord[] } {
    return {
      faults: { ...this.faults },
      pending: this.pending,
      held: this.held.length,
      deliveries: structuredClone(this.history),
    };
  }

  /** Turns every fault off; deliveries held for reordering go out in the order they were held. */
  clearFaults(): void {
    const jobs = this.held;
    this.held = [];
    this.faults = noFaults();
    for (const job of jobs) this.admit(job, 0);
  }

  /** Forgets every delivery under way, held or remembered, and every fault. */
  reset(): void {
    this.stop();
    this.faults = noFaults();
    this.history = [];
  }

  close(): void {
    this.stop();
  }

  private stop(): void {
    this.generation += 1;
    for (const timer of this.timers) clearTimeout(timer);
    for (const request of this.requests) request.abort();
    this.timers.clear();
    this.requests.clear();
    this.held = [];
    this.underWay.clear();
    this.pending = 0;
    this.notifyIfIdle();
  }

  private dispatch(streamId: string, event: StreamEvent, failedAttempts: DeliveryAttempt[]): void {
    const copies = this.faults.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const record: DeliveryRecord = {
        event_id: event.id,
        event_type: event.type,
        event_stream_id: streamId,
        state: "pending",
        attempts: [],
      };
      this.remember(record);
      if (this.faults.dropNext > 0) {
        this.faults.dropNext -= 1;
        record.state = "dropped";
        continue;
      }
      const job: Job = {
        generation: this.generation,
        streamId,
        event,
        failedAttempts: [...failedAttempts],
        attemptsMade: 0,
        record,
      };
      if (this.faults.reorder) {
        record.state = "held";
        this.held.push(job);
        continue;
      }
      this.admit(job, this.faults.delayMs);
    }
  }

  private remember(record: DeliveryRecord): void {
    this.history.push(record);
    if (this.history.length > HISTORY_SIZE) this.history.shift();
  }

  private admit(job: Job, delayMs: number): void {
    this.activate(job);
    this.after(delayMs, () => void this.attempt(job));
  }

  private activate(job: Job): void {
    job.record.state = "pending";
    this.pending += 1;
    const key = `${job.streamId} ${job.event.id}`;
    this.underWay.set(key, (this.underWay.get(key) ?? 0) + 1);
  }

  private after(delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }

  /** One attempt; schedules the next one or records the outcome. */
  private async attempt(job: Job): Promise<void> {
    if (job.generation !== this.generation) return;
    const stream = this.store.data.eventStreams[job.streamId];
    // A stream deleted meanwhile takes its deliveries with it.
    if (!stream) return this.finish(job, "dropped");
    job.attemptsMade += 1;
    const startedAt = Date.now();
    const timestamp = new Date(startedAt).toISOString();
    let failure: { message: string; retry: boolean; status?: number } | undefined;
    if (stream.status === "disabled") {
      failure = { message: "The event stream is disabled", retry: false };
    } else {
      const controller = new AbortController();
      this.requests.add(controller);
      const timeout = setTimeout(() => controller.abort(), this.options.timeoutMs);
      try {
        const { configuration } = stream.destination;
        const response = await fetch(configuration.webhook_endpoint, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${configuration.webhook_authorization.token}`,
          },
          body: JSON.stringify(job.event),
          signal: controller.signal,
        });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) {
          failure = {
            message: `The endpoint answered ${response.status}`,
            retry: response.status < 400 || response.status >= 500,
            status: response.status,
          };
        } else {
          job.record.attempts.push({ status: "delivered", timestamp, status_code: response.status });
        }
      } catch (error) {
        failure = {
          message: controller.signal.aborted
            ? "The endpoint did not answer in time"
            : (error as Error).message,
          retry: true,
        };
      } finally {
        clearTimeout(timeout);
        this.requests.delete(controller);
      }
    }
    if (job.generation !== this.generation) return;

    if (!failure) {
      this.forgetFailure(job);
      return this.finish(job, "delivered");
    }
    const duration = Date.now() - startedAt;
    job.failedAttempts.push({ status: "failed", timestamp, error_message: failure.message, duration });
    job.record.attempts.push({
      status: "failed",
      timestamp,
      error_message: failure.message,
      ...(failure.status ? { status_code: failure.status } : {}),
    });
    if (failure.retry && job.attemptsMade < ATTEMPTS_PER_DELIVERY) {
      const delay = this.options.retryDelayMs * 2 ** (job.attemptsMade - 1);
      this.after(delay, () => void this.attempt(job));
      return;
    }
    this.recordFailure(job);
    this.finish(job, "failed");
  }

  private recordFailure(job: Job): void {
    const deliveries = (this.store.data.eventDeliveries[job.streamId] ??= {});
    deliveries[job.event.id] = {
      id: job.event.id,
      event_stream_id: job.streamId,
      status: "failed",
      event_type: job.event.type,
      attempts: job.failedAttempts,
      event: job.event,
    };
    this.store.save();
  }

  private forgetFailure(job: Job): void {
    const deliveries = this.store.data.eventDeliveries[job.streamId];
    if (deliveries?.[job.event.id]) {
      delete deliveries[job.event.id];
      this.store.save();
    }
  }

  private finish(job: Job, state: DeliveryRecord["state"]): void {
    job.record.state = state;
    const key = `${job.streamId} ${job.event.id}`;
    const left = (this.underWay.get(key) ?? 1) - 1;
    if (left > 0) this.underWay.set(key, left);
    else this.underWay.delete(key);
    this.pending -= 1;
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    for (const waiter of [...this.idleWaiters]) waiter();
  }
}
