import { execFileSync, spawn, type ChildProcess } from "node:child_process";

export interface Spawned {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** Spawns a command with its output collected; `exited` resolves with its exit code. */
export function spawnCollected(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Spawned {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A process and all its descendants, by PID, as `ps` sees them now. */
export function processTree(root: number): number[] {
  const table = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of table) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills whatever is left of a process tree (a failed test must not leave a server running). */
export function killTree(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export async function graphql(
  url: string,
  query: string,
  options: { authorization?: string; variables?: Record<string, unknown> } = {},
) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.authorization ? { authorization: options.authorization } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Makes the emulator at `emulatorUrl` answer the next user creation `delayMs` late. */
export async function slowDownUserCreation(emulatorUrl: string, delayMs: number): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ method: "POST", path: "/api/v2/users", delayMs, times: 1 }),
  });
  if (!response.ok) throw new Error(`the emulator refused the fault: ${response.status}`);
}

async function usersCreated(emulatorUrl: string): Promise<number> {
  const response = await fetch(`${emulatorUrl}/__emulator/stats`);
  const stats = (await response.json()) as { management: Record<string, number> };
  return stats.management["POST /api/v2/users"] ?? 0;
}

const ACME_BACKEND = `Basic ${Buffer.from("acme-backend:acme-backend-secret").toString("base64")}`;

/**
 * Sends a signal while a request is in flight: Acme's back end creates a user, which Auth0 (the emulator)
 * answers `delayMs` late, and `signal` is sent once the request is under way. Resolves with the request's
 * answer.
 */
export async function signalDuringRequest(options: {
  gatehouseUrl: string;
  emulatorUrl: string;
  delayMs: number;
  signal: () => void;
}) {
  await slowDownUserCreation(options.emulatorUrl, options.delayMs);
  const before = await usersCreated(options.emulatorUrl);
  const email = `drain-${process.pid}-${Date.now()}@acme.test`;
  const request = graphql(
    options.gatehouseUrl,
    'mutation($email: String!) { createUser(input: { email: $email, roles: ["member"] }) { email } }',
    { authorization: ACME_BACKEND, variables: { email } },
  );
  // The signal goes once Gatehouse's call to create the user has reached Auth0: the request is mid-way.
  for (let waited = 0; (await usersCreated(options.emulatorUrl)) === before; waited += 20) {
    if (waited > 30_000) throw new Error("the user creation never reached the emulator");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  options.signal();
  return { email, answer: await request };
}
