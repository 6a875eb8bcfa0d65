import { execSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";
import { spawnCollected, waitFor } from "../support/process.js";

const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function startGatehouse(env: Record<string, string>) {
  const gatehouse = spawnCollected(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  children.push(gatehouse.child);
  return gatehouse;
}

function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
  folders.push(folder);
  return folder;
}

// Each test starts a whole process (TypeScript compiled on the fly), slow on a loaded 2-core machine.
describe("npm start", { timeout: 60_000 }, () => {
  it("with no Auth0 configured, starts the embedded emulator and serves GraphQL", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
    folders.push(dataDir);
    const gatehouse = startGatehouse({ PORT: "0", EMULATOR_PORT: "0", DATA_DIR: dataDir });
    const url = await waitFor(
      () => /Gatehouse GraphQL at (http:\/\/\S+)\/graphql/.exec(gatehouse.output().stdout)?.[1],
    );
    // The banner's way to get a token works as printed: a real organization login of Acme's admin.
    // The banner's lines come one after the other: wait for that one too, not just the first.
    const tokenCommand = await waitFor(() => /TOKEN=\$\((.+?)\)/.exec(gatehouse.output().stdout)?.[1]);
    expect(tokenCommand).toMatch(/^EMULATOR_PORT=\d+ npm run -s token -- admin@acme\.test$/);
    const token = execSync(tokenCommand ?? "", {
      cwd: join(import.meta.dirname, "../.."),
      encoding: "utf8",
      timeout: 30_000,
    }).trim();

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ viewer { kind } }" }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: "ANONYMOUS" } } });
    const asAdmin = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "{ viewer { kind tenant { name } } }" }),
    });
    expect(await asAdmin.json()).toEqual({ data: { viewer: { kind: "USER", tenant: { name: "acme" } } } });

    gatehouse.child.kill("SIGTERM");
    expect(await gatehouse.exited).toBe(0);
  });

  it("with the four AUTH0_ variables, uses that tenant and starts no emulator", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
    folders.push(dataDir);
    const { startEmulator } = await import("@gatehouse/auth0-emulator");
    const tenant = await startEmulator({ port: 0, seed: emulatorSeed() }); // stands in for a real Auth0 tenant
    try {
      const gatehouse = startGatehouse({
        PORT: "0",
        DATA_DIR: dataDir,
        AUTH0_DOMAIN: tenant.url,
        AUTH0_AUDIENCE: "https://api.gatehouse.local",
        AUTH0_CLIENT_ID: "gatehouse-server",
        AUTH0_CLIENT_SECRET: "gatehouse-server-secret",
      });
      const url = await waitFor(
        () => /Gatehouse GraphQL at (http:\/\/\S+)\/graphql/.exec(gatehouse.output().stdout)?.[1],
      );
      expect(gatehouse.output().stdout).not.toContain("Embedded Auth0 emulator");
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Basic " + Buffer.from("acme-backend:acme-backend-secret").toString("base64"),
        },
        body: JSON.stringify({ query: "{ viewer { kind tenant { id } } }" }),
      });
      expect(await response.json()).toEqual({
        data: { viewer: { kind: "TENANT_APP", tenant: { id: "org_acme" } } },
      });
      gatehouse.child.kill("SIGTERM");
      expect(await gatehouse.exited).toBe(0);
    } finally {
      await tenant.close();
    }
  });

  it("stops with one clear line naming a badly configured variable", async () => {
    const gatehouse = startGatehouse({ PORT: "not-a-port" });
    expect(await gatehouse.exited).toBe(1);
    expect(gatehouse.output().stderr.trim().split("\n")).toEqual([
      'Gatehouse cannot start: PORT must be a port number (0-65535), got "not-a-port"',
    ]);
  });

  it("stops with a clear line when Auth0 refuses its machine credentials", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
    folders.push(dataDir);
    const { startEmulator } = await import("@gatehouse/auth0-emulator");
    const emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
    try {
      const gatehouse = startGatehouse({
        PORT: "0",
        AUTH0_DOMAIN: emulator.url,
        AUTH0_CLIENT_ID: "gatehouse-server",
        AUTH0_CLIENT_SECRET: "wrong-secret",
        DATA_DIR: dataDir,
      });
      expect(await gatehouse.exited).toBe(1);
      expect(gatehouse.output().stderr).toContain("Gatehouse cannot start");
      expect(gatehouse.output().stderr).toContain("AUTH0_CLIENT_SECRET");
      expect(gatehouse.output().stderr).not.toContain("wrong-secret");
    } finally {
      await emulator.close();
    }
  });

  it("refuses NODE_ENV=production without AUTH0_DOMAIN, in one line, before starting anything", async () => {
    const refused = startGatehouse({ NODE_ENV: "production", PORT: "0", DATA_DIR: tempFolder() });
    expect(await refused.exited).toBe(1);
    expect(refused.output().stdout).toBe("");
    expect(refused.output().stderr).toBe(
      "Gatehouse cannot start: NODE_ENV=production needs a real Auth0 tenant: set AUTH0_DOMAIN, " +
        "AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (the embedded emulator is for development only)\n",
    );
  });

  it("refuses the embedded emulator on a non-loopback HOST, in one line", async () => {
    const refused = startGatehouse({
      HOST: "0.0.0.0",
      PORT: "0",
      EMULATOR_PORT: "0",
      DATA_DIR: tempFolder(),
    });
    expect(await refused.exited).toBe(1);
    expect(refused.output().stdout).toBe("");
    expect(refused.output().stderr).toBe(
      "Gatehouse cannot start: HOST=0.0.0.0 is not a loopback address, and without AUTH0_DOMAIN the " +
        "embedded emulator would be reachable with its published secrets: use HOST=127.0.0.1 (or ::1, " +
        "localhost) or set AUTH0_DOMAIN\n",
    );
  });
});
