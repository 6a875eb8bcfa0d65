// The Gatehouse process a benchmark forks (bench/gatehouse.ts): started, asked for its memory and closed over
// the IPC channel, so it exits normally and `--cpu-prof` can write its profile.
import type { Gatehouse } from "../src/app.js";
import { bootGatehouse, type BenchGatehouseOptions } from "./gatehouse.js";

type ParentMessage =
  { type: "start"; options: BenchGatehouseOptions } | { type: "memory" } | { type: "close" };

let gatehouse: Gatehouse | undefined;

function reply(message: unknown): void {
  process.send?.(message);
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "start") {
    bootGatehouse(message.options, (line) => console.log(`  [gatehouse ${process.pid}] ${line}`)).then(
      (booted) => {
        gatehouse = booted.gatehouse;
        reply({ type: "started", started: booted.started });
      },
      (error: unknown) => reply({ type: "failed", message: (error as Error).message }),
    );
  } else if (message.type === "memory") {
    reply({ type: "memory", usage: process.memoryUsage() });
  } else {
    void (gatehouse?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  }
});

// Without its parent there is nobody to serve.
process.on("disconnect", () => process.exit(0));
