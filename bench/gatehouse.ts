// A Gatehouse for a benchmark, started as `npm start` starts one (its own process, the event stream
// registered when it has an events secret) or, to compare, inside the benchmark's process; and the process
// any server under test runs in.
import { fork } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { createGatehouse, type DirectorySettings } from "../src/app.js";
import { registerEventStream } from "../src/directory/event-stream.js";
import type { ChildMessage, ParentMessage, ServerSpec } from "./server-child.js";
import { AUDIENCE } from "./support.js";

export interface BenchGatehouseOptions {
  issuer: string;
  /** With a secret, Gatehouse serves `POST /auth0/events` and registers an event stream delivering there. */
  eventsToken?: string;
  directory?: Partial<DirectorySettings>;
  /** Gatehouse's store on this Postgres server, in a schema of its own dropped on close; unset: PGlite. */
  database?: { url: string; schema: string };
}

/** What a started Gatehouse tells the benchmark. */
export interface StartedGatehouse {
  url: string;
  /** How long the first import of the directory took. */
  importMs: number;
}

export interface RunningGatehouse extends StartedGatehouse {
  pid: number;
  memory(): Promise<NodeJS.MemoryUsage>;
  close(): Promise<void>;
}

/** Starts a Gatehouse in this process and waits for its directory: what both ways of running it share. */
export async function bootGatehouse(options: BenchGatehouseOptions, log: (line: string) => void) {
  const started = performance.now();
  const gatehouse = await createGatehouse({
    issuer: options.issuer,
    audience: AUDIENCE,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    ...(options.eventsToken ? { eventsToken: options.eventsToken } : {}),
    ...(options.directory ? { directory: options.directory } : {}),
    ...(options.database
      ? { store: { databaseUrl: options.database.url, schema: options.database.schema } }
      : {}),
    log,
  });
  await gatehouse.ready;
  const importMs = performance.now() - started;
  await gatehouse.app.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${(gatehouse.app.server.address() as AddressInfo).port}`;
  if (options.eventsToken) {
    await registerEventStream({
      issuer: options.issuer,
      token: gatehouse.managementToken,
      webhookUrl: `${url}/auth0/events`,
      secret: options.eventsToken,
    });
  }
  return { gatehouse, started: { url, importMs } satisfies StartedGatehouse };
}

async function startInline(options: BenchGatehouseOptions): Promise<RunningGatehouse> {
  const { gatehouse, started } = await bootGatehouse(options, (line) => console.log(`  [gatehouse] ${line}`));
  return {
    ...started,
    pid: process.pid,
    memory: async () => process.memoryUsage(),
    close: () => gatehouse.close(),
  };
}

/** A server under test in a process of its own: Gatehouse, or an alternative it is compared with. */
export interface ServerProcess extends RunningGatehouse {
  /** The CPU time the server's process has used so far (user and system). */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  /** Samples the server's CPU from now until `stopProfile`, which writes the profile to `file`. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
}

/** Forks bench/server-child.ts and starts `server` in it; `--cpu-prof` profiles the process's whole life. */
export async function startServerProcess(server: ServerSpec, cpuProfileDir?: string): Promise<ServerProcess> {
  const child = fork(new URL("./server-child.ts", import.meta.url).pathname, [], {
    execArgv: [
      "--import",
      "tsx",
      ...(cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("the server process did not start");
  const send = (message: ParentMessage) => child.send(message);
  // One listener for the child's answers and one for its exit, whatever the number of questions asked.
  const waiting = new Map<
    ChildMessage["type"],
    { resolve(message: ChildMessage): void; reject(error: Error): void }
  >();
  child.on("message", (message: ChildMessage) => {
    if (message.type === "failed") {
      for (const waiter of waiting.values())
        waiter.reject(new Error(`the server process ${pid} failed: ${message.message}`));
      waiting.clear();
      return;
    }
    waiting.get(message.type)?.resolve(message);
    waiting.delete(message.type);
  });
  child.on("exit", (code) => {
    for (const waiter of waiting.values())
      waiter.reject(new Error(`the server process ${pid} exited (${String(code)})`));
    waiting.clear();
  });
  const next = <T extends ChildMessage["type"]>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      if (child.exitCode !== null)
        reject(new Error(`the server process ${pid} exited (${String(child.exitCode)})`));
      else waiting.set(type, { resolve: resolve as (message: ChildMessage) => void, reject });
    });
  try {
    send({ type: "start", server });
    const { started } = await next("started");
    return {
      ...started,
      pid,
      async memory() {
        send({ type: "memory" });
        return (await next("memory")).usage;
      },
      async cpuUsage() {
        send({ type: "cpu" });
        return (await next("cpu")).usage;
      },
      async startProfile() {
        send({ type: "profile-start" });
        await next("profiling");
      },
      async stopProfile(file) {
        send({ type: "profile-stop", file });
        await next("profiled");
      },
      async close() {
        if (child.exitCode !== null) return;
        const exited = once(child, "exit");
        send({ type: "close" });
        // A server that does not close in time is stopped by its PID; --cpu-prof then writes nothing.
        const timer = setTimeout(() => process.kill(pid, "SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      },
    };
  } catch (error) {
    if (child.exitCode === null) process.kill(pid, "SIGKILL");
    throw error;
  }
}

/**
 * `child` (the default) runs Gatehouse in a process of its own, as in production, so the load generator and
 * the emulator do not share its event loop; `inline` runs it in this process.
 */
export async function startGatehouse(
  mode: "child" | "inline",
  options: BenchGatehouseOptions,
  cpuProfileDir?: string,
): Promise<RunningGatehouse> {
  const running = await (mode === "child"
    ? startServerProcess({ kind: "gatehouse", options }, cpuProfileDir)
    : startInline(options));
  const { database } = options;
  if (!database) return running;
  return {
    ...running,
    async close() {
      await running.close();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${database.schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
