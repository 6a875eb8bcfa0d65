// `npm run token` as a developer runs it: the CLI as its own process against an emulator on a free port,
// its stdout taken as the token (as `$(…)` would) and its payload read back.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI_TIMEOUT_MS = 20_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run token -- …` (without npm's banner) against the emulator on `port`. */
function runToken(args: string[], port: number, env: Record<string, string> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, EMULATOR_PORT: String(port), ...env };
  // The developer's own Auth0 settings must not leak into what the test checks.
  if (!("AUTH0_DOMAIN" in env)) delete childEnv.AUTH0_DOMAIN;
  delete childEnv.AUTH0_AUDIENCE;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/dev/token.ts", ...args], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The claims of the one token a successful run printed, failing with its stderr otherwise. */
function claimsOf(run: Run) {
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const lines = run.stdout.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  return decodeJwt(lines[0] ?? "");
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("the probe server has no port");
  return address.port;
}

describe("npm run token", () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it("a tenant admin gets a token for their tenant, through the SPA", async () => {
    const claims = claimsOf(await runToken(["admin@acme.test"], emulator.port));
    expect(claims).toMatchObject({ sub: "auth0|acme-admin", org_id: "org_acme", azp: "gatehouse-spa" });
    expect(claims.iss).toBe(emulator.issuer);
    expect(claims.aud).toContain("https://api.gatehouse.local");
  });

  it("a user of several tenants is asked to choose one", async () => {
    const run = await runToken(["consultant@example.test"], emulator.port);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("consultant@example.test is in");
    expect(run.stderr).toContain("acme (org_acme)");
    expect(run.stderr).toContain("globex (org_globex)");
    expect(run.stderr).toContain("--org");
  });

  it("a user of several tenants gets a token for the one they choose by name", async () => {
    const claims = claimsOf(await runToken(["consultant@example.test", "--org", "globex"], emulator.port));
    expect(claims).toMatchObject({ sub: "auth0|consultant", org_id: "org_globex", azp: "gatehouse-spa" });
  });

  it("a platform operator, in no tenant, gets a token without an organization", async () => {
    const claims = claimsOf(await runToken(["operator@gatehouse.test"], emulator.port));
    expect(claims.sub).toBe("auth0|operator");
    expect(claims).not.toHaveProperty("org_id");
  });

  it("a tenant's back end gets a client-credentials token", async () => {
    const claims = claimsOf(await runToken(["--client", "acme-backend"], emulator.port));
    expect(claims).toMatchObject({
      sub: "acme-backend@clients",
      azp: "acme-backend",
      gty: "client-credentials",
    });
  });

  it("a member logs in through a partner's application and consents", async () => {
    const run = await runToken(
      ["member@acme.test", "--partner", "initech-cms", "--org", "acme"],
      emulator.port,
    );
    const claims = claimsOf(run);
    expect(claims).toMatchObject({ sub: "auth0|acme-member", azp: "initech-cms", org_id: "org_acme" });
  });

  it("a wrong password is refused with a message saying so", async () => {
    const run = await runToken(["admin@acme.test", "--password", "not-the-password"], emulator.port);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Wrong email or password");
    expect(run.stderr).not.toContain("not-the-password");
  });

  it("an email nobody has is refused with a message saying so", async () => {
    const run = await runToken(["nobody@acme.test"], emulator.port);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no user with the email nobody@acme.test");
  });

  it("says how to start the emulator when it is not running", async () => {
    const port = await closedPort();
    const run = await runToken(["admin@acme.test"], port);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`the emulator is not running at http://127.0.0.1:${port}/`);
    expect(run.stderr).toContain("npm start");
  });

  it("refuses to run against a real Auth0 tenant", async () => {
    const run = await runToken(["admin@acme.test"], emulator.port, { AUTH0_DOMAIN: "example.eu.auth0.com" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("AUTH0_DOMAIN is set");
  });

  it("--help prints the usage on stdout", async () => {
    const run = await runToken(["--help"], emulator.port);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("npm run -s token -- <email>");
    expect(run.stdout).toContain("--client <client id>");
  });
});
