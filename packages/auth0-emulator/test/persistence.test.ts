import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrganizationsClient } from "auth0/organizations";
import { ResourceServersClient } from "auth0/resourceServers";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../src/server.js";
import { startEmulator } from "../src/server.js";
import {
  acmeBackendToken,
  emulatorControl,
  emulatorOnFreePort,
  GATEHOUSE_API,
  managementClients,
  managementToken,
} from "./helpers.js";
import { passwordLogin, refresh, SPA } from "./user-login.js";

const STATE_FILE = "emulator-state.json";

const dataDirs: string[] = [];
afterAll(async () => {
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-emulator-"));
  dataDirs.push(dir);
  return dir;
}

/** Ada signs in through the SPA with offline_access: the emulator stores her refresh token. */
async function adaRefreshToken(emulator: RunningEmulator): Promise<string> {
  const response = await passwordLogin(emulator, "admin@acme.test", "Gatehouse-dev-1", {
    scope: "openid offline_access",
  });
  expect(response.status).toBe(200);
  return response.body.refresh_token as string;
}

/** A new tenant, created through the Management API as Gatehouse would; returns its organization id. */
async function createInitech(emulator: RunningEmulator): Promise<string> {
  const organizations = new OrganizationsClient({
    baseUrl: `${emulator.url}/api/v2`,
    token: await managementToken(emulator),
  });
  const { id } = await organizations.create({ name: "initech", display_name: "Initech" });
  if (!id) throw new Error("the emulator created an organization without an id");
  return id;
}

async function jwksOf(emulator: RunningEmulator): Promise<unknown> {
  return (await fetch(`${emulator.url}/.well-known/jwks.json`)).json();
}

/** A port that was free a moment ago (then released), to start an emulator on it deliberately. */
async function portJustFreed(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("persistence in a data folder", () => {
  it("state and signing keys survive a restart on another port, where the Management audience follows", async () => {
    const dataDir = await freshDataDir();
    const first = await emulatorOnFreePort({ dataDir });
    let second: RunningEmulator | undefined;
    try {
      const signedByFirstKey = await acmeBackendToken(first);
      const { kid: rotatedKid } = (await emulatorControl(first, "POST", "rotate-keys")).body as {
        kid: string;
      };
      const signedByRotatedKey = await acmeBackendToken(first);
      const refreshToken = await adaRefreshToken(first);
      const initechId = await createInitech(first);

      // Started while the first still holds its port, so the restart is sure to be on another one.
      second = await emulatorOnFreePort({ dataDir });
      await first.close();
      expect(second.port).not.toBe(first.port);

      const jwks = createRemoteJWKSet(new URL(`${second.url}/.well-known/jwks.json`));
      for (const token of [signedByFirstKey, signedByRotatedKey]) {
        const { payload } = await jwtVerify(token, jwks, { audience: GATEHOUSE_API });
        expect(payload.iss).toBe(first.issuer);
      }
      const signedAfterRestart = await acmeBackendToken(second);
      expect(decodeProtectedHeader(signedAfterRestart).kid).toBe(rotatedKid);
      await expect(
        jwtVerify(signedAfterRestart, jwks, { issuer: second.issuer, audience: GATEHOUSE_API }),
      ).resolves.toBeDefined();

      const refreshed = await refresh(second, SPA, refreshToken);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.access_token).toEqual(expect.any(String));

      const secondManagement = { baseUrl: `${second.url}/api/v2`, token: await managementToken(second) };
      expect(await new OrganizationsClient(secondManagement).get(initechId)).toMatchObject({
        id: initechId,
        name: "initech",
        display_name: "Initech",
      });
      const resourceServers = new ResourceServersClient(secondManagement);
      const identifiers = (await resourceServers.list()).data.map((server) => server.identifier);
      expect(identifiers.sort()).toEqual([GATEHOUSE_API, `${second.issuer}api/v2/`].sort());

      // Written by renaming a finished temporary file: nothing half-written is left beside it.
      expect(await readdir(dataDir)).toEqual([STATE_FILE]);
      const saved = JSON.parse(await readFile(join(dataDir, STATE_FILE), "utf8")) as Record<string, unknown>;
      expect(saved).toMatchObject({ version: 1, issuer: second.issuer });
    } finally {
      await first.close();
      await second?.close();
    }
  });

  it("without a data folder nothing outlives the emulator", async () => {
    const first = await emulatorOnFreePort();
    const refreshToken = await adaRefreshToken(first);
    const firstKeys = await jwksOf(first);
    await first.close();

    const second = await emulatorOnFreePort();
    try {
      expect(await jwksOf(second)).not.toEqual(firstKeys);
      expect(await refresh(second, SPA, refreshToken)).toMatchObject({
        status: 403,
        body: { error: "invalid_grant", error_description: "Unknown or invalid refresh token." },
      });
    } finally {
      await second.close();
    }
  });

  it("a corrupt state file stops the start with a message naming the file, and frees the port", async () => {
    const dataDir = await freshDataDir();
    const stateFile = join(dataDir, STATE_FILE);
    await writeFile(stateFile, "{ this is not JSON");
    const port = await portJustFreed();

    await expect(startEmulator({ port, dataDir })).rejects.toThrow(
      `The emulator's state file ${stateFile} cannot be read`,
    );

    const onSamePort = await startEmulator({ port, dataDir: await freshDataDir() });
    await onSamePort.close();
  });

  it("a state file the emulator did not write is refused and left as it was, not seeded over", async () => {
    const dataDir = await freshDataDir();
    const stateFile = join(dataDir, STATE_FILE);
    const foreign = JSON.stringify({ version: 2, users: { someone: {} } });
    await writeFile(stateFile, foreign);

    await expect(emulatorOnFreePort({ dataDir })).rejects.toThrow(
      `The emulator's state file ${stateFile} cannot be read: expected an emulator state of version 1`,
    );
    expect(await readFile(stateFile, "utf8")).toBe(foreign);
  });

  it("a state file written before organization client grants and third-party access existed still loads", async () => {
    const dataDir = await freshDataDir();
    const first = await emulatorOnFreePort({ dataDir });
    await first.close();
    const stateFile = join(dataDir, STATE_FILE);
    const older = JSON.parse(await readFile(stateFile, "utf8")) as Record<string, unknown>;
    delete older.organizationClientGrants;
    for (const org of Object.values(older.organizations as Record<string, Record<string, unknown>>)) {
      delete org.third_party_client_access;
    }
    await writeFile(stateFile, JSON.stringify(older));

    const emulator = await emulatorOnFreePort({ dataDir });
    try {
      const { organizations } = managementClients(emulator, await managementToken(emulator));
      // Auth0's defaults: nothing associated, third-party applications blocked.
      expect((await organizations.clientGrants.list("org_acme")).data).toEqual([]);
      expect((await organizations.get("org_acme")).third_party_client_access).toBe("block");
      await organizations.clientGrants.create("org_acme", { grant_id: "cgr_acme_backend" });
      expect((await organizations.clientGrants.list("org_acme")).data).toHaveLength(1);
    } finally {
      await emulator.close();
    }
  });

  it("event streams survive a restart, and a state file written before them loads with none", async () => {
    const dataDir = await freshDataDir();
    const first = await emulatorOnFreePort({ dataDir });
    let streamId: string | undefined;
    try {
      const { eventStreams } = managementClients(first, await managementToken(first));
      ({ id: streamId } = await eventStreams.create({
        name: "directory",
        subscriptions: [{ event_type: "user.created" }],
        destination: {
          type: "webhook",
          configuration: {
            webhook_endpoint: "http://127.0.0.1:9/events",
            webhook_authorization: { method: "bearer", token: "receiver-secret" } as never,
          },
        },
      }));
    } finally {
      await first.close();
    }
    const restarted = await emulatorOnFreePort({ dataDir });
    try {
      const { eventStreams } = managementClients(restarted, await managementToken(restarted));
      expect(await eventStreams.get(streamId!)).toMatchObject({ id: streamId, name: "directory" });
    } finally {
      await restarted.close();
    }

    const stateFile = join(dataDir, STATE_FILE);
    const older = JSON.parse(await readFile(stateFile, "utf8")) as Record<string, unknown>;
    delete older.eventStreams;
    delete older.eventDeliveries;
    await writeFile(stateFile, JSON.stringify(older));
    const fromOlderFile = await emulatorOnFreePort({ dataDir });
    try {
      const { eventStreams } = managementClients(fromOlderFile, await managementToken(fromOlderFile));
      expect((await eventStreams.list()).data).toEqual([]);
    } finally {
      await fromOlderFile.close();
    }
  });

  it("POST /__emulator/reset returns to the seed and keeps the signing keys", async () => {
    const emulator = await emulatorOnFreePort({ dataDir: await freshDataDir() });
    try {
      const refreshToken = await adaRefreshToken(emulator);
      const initechId = await createInitech(emulator);
      await emulatorControl(emulator, "POST", "rotate-keys");
      const keysBefore = await jwksOf(emulator);
      const tokenBefore = await acmeBackendToken(emulator);

      expect(await emulatorControl(emulator, "POST", "reset")).toEqual({ status: 204, body: undefined });

      expect((await refresh(emulator, SPA, refreshToken)).status).toBe(403);
      const { organizations } = managementClients(emulator, await managementToken(emulator));
      await expect(organizations.get(initechId)).rejects.toMatchObject({ statusCode: 404 });
      expect((await organizations.get("org_acme")).display_name).toBe("Acme Corp");
      expect(await jwksOf(emulator)).toEqual(keysBefore);
      const jwks = createRemoteJWKSet(new URL(`${emulator.url}/.well-known/jwks.json`));
      await expect(
        jwtVerify(tokenBefore, jwks, { issuer: emulator.issuer, audience: GATEHOUSE_API }),
      ).resolves.toBeDefined();
      expect(decodeProtectedHeader(await acmeBackendToken(emulator)).kid).toBe(
        decodeProtectedHeader(tokenBefore).kid,
      );
    } finally {
      await emulator.close();
    }
  });
});

describe("npm run emulator", () => {
  function runEmulatorMain(env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  async function announcedUrl(run: ReturnType<typeof runEmulatorMain>): Promise<string> {
    for (;;) {
      const url = /emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output().stdout)?.[1];
      if (url) return url;
      const exit = await Promise.race([
        run.exited,
        new Promise((resolve) => setTimeout(resolve, 50, undefined)),
      ]);
      if (exit) throw new Error(`the emulator exited before announcing its URL: ${run.output().stderr}`);
    }
  }

  it("starts on the port the system picks for EMULATOR_PORT=0, prints its URL, and stops on SIGTERM", async () => {
    const dataDir = await freshDataDir();
    const run = runEmulatorMain({ EMULATOR_PORT: "0", EMULATOR_DATA_DIR: dataDir });
    try {
      const url = await announcedUrl(run);
      expect(url).not.toMatch(/:0$/);

      const discovery = await fetch(`${url}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(await discovery.json()).toMatchObject({
        issuer: `${url}/`,
        token_endpoint: `${url}/oauth/token`,
      });
      expect(await readdir(dataDir)).toEqual([STATE_FILE]);
    } finally {
      if (run.child.exitCode === null && run.child.pid) process.kill(run.child.pid, "SIGTERM");
    }
    const [code] = await run.exited;
    expect(code).toBe(0);
  });

  it("EMULATOR_RATE_LIMIT picks Auth0's rate-limit profile; an unknown one stops the start", async () => {
    const dataDir = await freshDataDir();
    const run = runEmulatorMain({
      EMULATOR_PORT: "0",
      EMULATOR_DATA_DIR: dataDir,
      EMULATOR_RATE_LIMIT: "free",
    });
    try {
      const url = await announcedUrl(run);
      const limit = await fetch(`${url}/__emulator/rate-limit`);
      expect(await limit.json()).toMatchObject({ profile: "free" });
      const management = await fetch(`${url}/api/v2/users`);
      expect(management.headers.get("x-ratelimit-limit")).toBe("2");
    } finally {
      if (run.child.exitCode === null && run.child.pid) process.kill(run.child.pid, "SIGTERM");
    }
    await run.exited;

    const refused = runEmulatorMain({
      EMULATOR_PORT: "0",
      EMULATOR_DATA_DIR: dataDir,
      EMULATOR_RATE_LIMIT: "pro",
    });
    const [code] = await refused.exited;
    expect(code).toBe(1);
    expect(refused.output().stderr).toContain(
      'EMULATOR_RATE_LIMIT must be one of free, essentials, enterprise, off, got "pro"',
    );
  });

  it("refuses to start on a corrupt state file, naming it", async () => {
    const dataDir = await freshDataDir();
    await writeFile(join(dataDir, STATE_FILE), "[1, 2");
    const run = runEmulatorMain({ EMULATOR_PORT: "0", EMULATOR_DATA_DIR: dataDir });

    const [code] = await run.exited;

    expect(code).toBe(1);
    expect(run.output().stderr).toContain(
      `The emulator did not start: The emulator's state file ${join(dataDir, STATE_FILE)} cannot be read`,
    );
  });
});
