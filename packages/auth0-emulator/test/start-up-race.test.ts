import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../src/server.js";
import { TEST_SEED } from "./fixture.js";

async function portJustFreed(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Answer {
  sentAt: number;
  status: number;
  issuer: unknown;
}

/**
 * Asks for the discovery document over and over, from several callers at once, until `stop()`; connection
 * refusals (nothing listening yet) are retried, every answer is kept.
 */
function poll(url: string, callers = 4) {
  let stopped = false;
  const answers: Answer[] = [];
  const loops = Array.from({ length: callers }, async () => {
    while (!stopped) {
      const sentAt = performance.now();
      try {
        const response = await fetch(url);
        const body = (await response.json()) as { issuer?: unknown };
        answers.push({ sentAt, status: response.status, issuer: body.issuer });
      } catch {
        // Not listening yet (or the connection was refused): try again at once.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe("the emulator's start-up", () => {
  it("answers requests that arrive between listening and its routes being ready, instead of crashing", async () => {
    const port = await portJustFreed();
    const issuer = `http://127.0.0.1:${port}/`;
    const polling = poll(`${issuer}.well-known/openid-configuration`);

    const startedAt = performance.now();
    const emulator = await startEmulator({ port, seed: TEST_SEED });
    const readyAt = performance.now();
    try {
      // Poll a little longer, so that answers to requests sent during the start are all in.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await polling.stop();
      await emulator.close();
    }

    const duringStart = polling.answers.filter((a) => a.sentAt >= startedAt && a.sentAt < readyAt);
    // The window is real: seeding hashes passwords and the key ring makes an RSA key after listening.
    expect(duringStart.length).toBeGreaterThan(0);
    for (const answer of polling.answers) expect(answer).toMatchObject({ status: 200, issuer });
  });

  it("`npm start` of the package, polled from the moment it is spawned, serves and stops cleanly", async () => {
    const port = await portJustFreed();
    const dataDir = await mkdtemp(join(tmpdir(), "gatehouse-emulator-"));
    const polling = poll(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, EMULATOR_PORT: String(port), EMULATOR_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      for (let waited = 0; !polling.answers.some((a) => a.status === 200); waited += 20) {
        if (child.exitCode !== null) throw new Error(`the emulator exited: ${stderr}`);
        if (waited > 20_000) throw new Error("the emulator never answered");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await polling.stop();
      if (child.exitCode === null) child.kill("SIGTERM");
    }
    const [code] = await exited;
    await rm(dataDir, { recursive: true, force: true });
    expect(stderr).not.toContain("TypeError");
    expect(code).toBe(0);
    expect(polling.answers.every((a) => a.status === 200)).toBe(true);
  });
});
