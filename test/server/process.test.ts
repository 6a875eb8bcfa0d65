import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  isAlive,
  killTree,
  processTree,
  signalDuringRequest,
  spawnCollected,
  waitFor,
  type Spawned,
} from "../support/process.js";

const ROOT = join(import.meta.dirname, "../..");
const started: Spawned[] = [];
const folders: string[] = [];

afterEach(() => {
  for (const run of started.splice(0)) if (run.child.pid) killTree(processTree(run.child.pid));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "gatehouse-process-"));
  folders.push(folder);
  return folder;
}

function run(command: string, args: string[], env: Record<string, string>): Spawned {
  const spawned = spawnCollected(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? "", ...env } });
  started.push(spawned);
  return spawned;
}

// Whole processes, TypeScript compiled on the fly: slow on a loaded 2-core machine.
describe("npm start, stopped", { timeout: 150_000 }, () => {
  it("SIGTERM to `npm start` drains the request in flight, exits 0 and leaves no process behind", async () => {
    const npm = run("npm", ["start"], { PORT: "0", EMULATOR_PORT: "0", DATA_DIR: tempFolder() });
    const gatehouseUrl = await waitFor(
      () => /Gatehouse GraphQL at (http:\/\/\S+)\/graphql/.exec(npm.output().stdout)?.[1],
    );
    const emulatorUrl = /Embedded Auth0 emulator at (http:\/\/\S+) /.exec(npm.output().stdout)?.[1] ?? "";
    const pid = npm.child.pid ?? 0;
    const tree = processTree(pid);
    // npm, and the server it runs (one process: no tsx parent, no shell left in between).
    expect(tree).toHaveLength(2);

    const { email, answer } = await signalDuringRequest({
      gatehouseUrl,
      emulatorUrl,
      delayMs: 1500,
      signal: () => process.kill(pid, "SIGTERM"),
    });

    expect(answer).toEqual({ status: 200, body: { data: { createUser: { email } } } });
    expect(await npm.exited).toBe(0);
    expect(npm.output().stdout).toContain("SIGTERM: finishing the requests in flight, then stopping");
    await waitFor(() => (tree.some(isAlive) ? undefined : true), 10_000);
  });
});
