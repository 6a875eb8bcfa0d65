// The process a benchmark runs its server under test in (bench/gatehouse.ts forks it): Gatehouse or one of the
// alternatives it is compared with, started, asked for its memory, profiled and closed over the IPC channel,
// so the load generator never shares its event loop and it exits normally (`--cpu-prof` can then write).
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { startContender, type ContenderName, type ContenderOptions } from "./alternatives/contenders.js";
import { bootGatehouse, type BenchGatehouseOptions, type StartedGatehouse } from "./gatehouse.js";

export type ServerSpec =
  | { kind: "gatehouse"; options: BenchGatehouseOptions }
  | { kind: "contender"; name: ContenderName; options: ContenderOptions };

export type ParentMessage =
  | { type: "start"; server: ServerSpec }
  | { type: "memory" }
  | { type: "cpu" }
  /** Starts the V8 CPU profiler; `profile-stop` writes what it sampled to `file`. */
  | { type: "profile-start" }
  | { type: "profile-stop"; file: string }
  | { type: "close" };

export type ChildMessage =
  | { type: "started"; started: StartedGatehouse }
  | { type: "failed"; message: string }
  | { type: "memory"; usage: NodeJS.MemoryUsage }
  | { type: "cpu"; usage: NodeJS.CpuUsage }
  | { type: "profiling" }
  | { type: "profiled"; file: string };

let close: () => Promise<void> = async () => undefined;
const profiler = new Session();

function reply(message: ChildMessage): void {
  process.send?.(message);
}

async function start(server: ServerSpec): Promise<StartedGatehouse> {
  if (server.kind === "gatehouse") {
    const booted = await bootGatehouse(server.options, (line) =>
      console.log(`  [gatehouse ${process.pid}] ${line}`),
    );
    close = () => booted.gatehouse.close();
    return booted.started;
  }
  const running = await startContender(server.name, server.options);
  close = () => running.close();
  return { url: running.url.replace(/\/graphql$/, ""), importMs: 0 };
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case "start":
      reply({ type: "started", started: await start(message.server) });
      return;
    case "memory":
      reply({ type: "memory", usage: process.memoryUsage() });
      return;
    case "cpu":
      reply({ type: "cpu", usage: process.cpuUsage() });
      return;
    case "profile-start":
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.start");
      reply({ type: "profiling" });
      return;
    case "profile-stop": {
      const { profile } = await profiler.post("Profiler.stop");
      profiler.disconnect();
      await writeFile(message.file, JSON.stringify(profile));
      reply({ type: "profiled", file: message.file });
      return;
    }
    case "close":
      await close().finally(() => process.exit(0));
  }
}

process.on("message", (message: ParentMessage) => {
  handle(message).catch((error: unknown) => reply({ type: "failed", message: (error as Error).message }));
});

// Without its parent there is nobody to serve.
process.on("disconnect", () => process.exit(0));
