import { randomUUID } from "node:crypto";
import type { DirectoryRepository } from "../store/directory.js";
import type { EventCounters } from "./events.js";
import type { DirectoryStatus } from "./status.js";
import type { DirectorySync, PassProgress, PassReport } from "./sync.js";

export interface DirectoryRunnerOptions {
  /** How often a full pass over Auth0 runs (reconciliation), on one instance at a time. */
  fullPassIntervalMs: number;
  /** How often users changed in Auth0 (by `updated_at`) are read. */
  changedUsersIntervalMs: number;
  /** How long to wait before trying a failed import again. */
  importRetryDelayMs: number;
  log: (line: string) => void;
}

const LEASE = "sync-lease";
/** How long an event id is remembered to skip a duplicate delivery. */
const EVENT_MEMORY_MS = 7 * 24 * 3600 * 1000;
/** A lease outlives its holder's crash by this much; the holder renews it while it works. */
const LEASE_MS = 60_000;

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * Runs the directory's sync for one instance: the first import (with progress on the console), then the
 * reading of changed users and the periodic full pass. A lease in the store lets one instance at a time run
 * a pass; the others wait for the first import to appear and then serve.
 */
export class DirectoryRunner {
  private readonly holder = randomUUID();
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private wake: () => void = () => undefined;
  ready = false;

  constructor(
    private readonly sync: DirectorySync,
    private readonly directory: DirectoryRepository,
    private readonly events: EventCounters,
    private readonly options: DirectoryRunnerOptions,
  ) {}

  /**
   * Resolves once the directory holds a complete import (this instance's or another's). An import that fails
   * (Auth0 or the store not answering) is tried again after a pause, from its checkpoint; meanwhile the instance
   * is not ready. Rejects only when the runner is stopped first.
   */
  async start(): Promise<void> {
    while (!(await this.directory.getState<PassReport>("last-full-pass"))) {
      if (this.stopped) throw new Error("stopped before the directory was imported");
      if (await this.takeLease()) {
        try {
          await this.pass(true);
        } catch (error) {
          this.options.log(
            `directory: the import failed (${(error as Error).name}: ${(error as Error).message}); ` +
              `going on from its checkpoint in ${seconds(this.options.importRetryDelayMs)}`,
          );
          await this.pause(this.options.importRetryDelayMs);
        } finally {
          await this.directory.releaseLease(LEASE, this.holder);
        }
      } else {
        await this.pause(500);
      }
    }
    this.ready = true;
    this.every(this.options.changedUsersIntervalMs, () => this.leased(() => this.sync.changedUsers()));
    this.every(this.options.fullPassIntervalMs, () => this.leasedPass());
    // A restart after a while away: what changed meanwhile without an event is read now, not a period later.
    const last = await this.directory.getState<PassReport>("last-full-pass");
    if (last && Date.now() - Date.parse(last.finishedAt) > this.options.fullPassIntervalMs) {
      this.running = this.running.then(() => this.leasedPass()).catch((error: unknown) => this.failed(error));
    }
  }

  /** Runs `work` if no other instance holds the sync's lease; one instance reads Auth0 at a time. */
  private async leased<T>(work: () => Promise<T>): Promise<T | null> {
    if (!(await this.takeLease())) return null;
    try {
      return await work();
    } finally {
      await this.directory.releaseLease(LEASE, this.holder);
    }
  }

  private failed(error: unknown): void {
    this.options.log(
      `directory: sync failed (${(error as Error).name}: ${(error as Error).message}); retrying later`,
    );
  }

  /** Runs a full pass now if no other instance is running one (tests and operators). */
  leasedPass(): Promise<PassReport | null> {
    return this.leased(() => this.pass(false));
  }

  /** Waits, but no longer than until the runner is stopped. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private takeLease(): Promise<boolean> {
    return this.directory.tryLease(LEASE, this.holder, Date.now() + LEASE_MS, Date.now());
  }

  private every(intervalMs: number, work: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      // One piece of work at a time; a failure is logged and the next tick tries again.
      this.running = this.running.then(work).catch((error: unknown) => this.failed(error));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private async pass(importing: boolean): Promise<PassReport> {
    const started = Date.now();
    let lastLine = 0;
    const renew = setInterval(() => void this.takeLease().catch(() => undefined), LEASE_MS / 3);
    renew.unref();
    const progress = ({ phase, done, total }: PassProgress) => {
      if (!importing || Date.now() - lastLine < 2_000) return;
      lastLine = Date.now();
      const elapsed = Date.now() - started;
      const rate = done / Math.max(elapsed / 1000, 0.001);
      const left = rate > 0 ? ((total - done) / rate) * 1000 : 0;
      this.options.log(
        `directory: importing ${phase} ${done}/${total} (${rate.toFixed(0)}/s, about ${seconds(left)} left)`,
      );
    };
    try {
      if (importing) this.options.log("directory: importing the Auth0 tenant (first start)");
      const report = await this.sync.fullPass(progress, { allUsers: importing });
      // Auth0 retries a delivery for minutes, not days: older event ids need not be remembered for dedupe.
      await this.directory.forgetEventsBefore(new Date(Date.now() - EVENT_MEMORY_MS).toISOString());
      this.options.log(
        `directory: ${importing ? "import" : "full pass"} done in ${seconds(Date.now() - started)}: ` +
          `${report.tenants} tenants, ${report.memberships} memberships, ${report.users} users read, ${report.clients} clients`,
      );
      return report;
    } finally {
      clearInterval(renew);
    }
  }

  async status(): Promise<DirectoryStatus> {
    const [counts, pass] = await Promise.all([
      this.directory.counts(),
      this.directory.getState<PassReport>("last-full-pass"),
    ]);
    const last = this.events.last ?? (await this.directory.getState<EventCounters["last"]>("last-event"));
    return {
      ready: this.ready,
      ...counts,
      lastFullPassAt: pass?.finishedAt ?? null,
      lastFullPassSeconds: pass ? (Date.parse(pass.finishedAt) - Date.parse(pass.startedAt)) / 1000 : null,
      eventsReceived: this.events.received,
      lastEventAt: last?.time ?? null,
      eventLagSeconds: last ? (Date.parse(last.receivedAt) - Date.parse(last.time)) / 1000 : null,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    for (const timer of this.timers) clearInterval(timer);
    await this.running;
  }
}
