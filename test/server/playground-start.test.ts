// The playground as `npm start` sets it up: the development identities exist only next to the embedded
// emulator. Each test starts a whole process, slow on a loaded 2-core machine.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";

const children: ChildProcess[] = [];
const folders: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function startGatehouse(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-playground-"));
  folders.push(dataDir);
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { PATH: process.env.PATH ?? "", PORT: "0", EMULATOR_PORT: "0", DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const deadline = Date.now() + 50_000;
  for (;;) {
    const banner = /Gatehouse GraphQL at (http:\/\/\S+)\/graphql(.*)/.exec(stdout);
    if (banner) return { url: banner[1] as string, banner: banner[0], child };
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`Gatehouse did not start: ${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess) {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

describe("npm start's playground", { timeout: 90_000 }, () => {
  it("with the embedded emulator, the banner points to it and the seeded identities answer", async () => {
    const gatehouse = await startGatehouse({});
    expect(gatehouse.banner).toContain("open it in a browser for the playground");
    const identities = await fetch(`${gatehouse.url}/__dev/identities`);
    expect(identities.status).toBe(200);
    const page = await fetch(`${gatehouse.url}/graphql`, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).toContain("text/html");
    await stop(gatehouse.child);
  });

  it("with AUTH0_DOMAIN set, has no development token endpoint, but still a playground to sign in", async () => {
    const tenant = await startEmulator({ port: 0, seed: emulatorSeed() }); // stands in for a real Auth0 tenant
    try {
      const gatehouse = await startGatehouse({
        AUTH0_DOMAIN: tenant.url,
        AUTH0_CLIENT_ID: "gatehouse-server",
        AUTH0_CLIENT_SECRET: "gatehouse-server-secret",
      });
      expect((await fetch(`${gatehouse.url}/__dev/identities`)).status).toBe(404);
      expect(
        (await fetch(`${gatehouse.url}/__dev/identities/ada-admin/token`, { method: "POST" })).status,
      ).toBe(404);
      const page = await fetch(`${gatehouse.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const config = JSON.parse(
        /<script id="gatehouse-playground" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? "{}",
      ) as {
        identitiesUrl: unknown;
        auth0: { issuer: string; clientId: string };
      };
      expect(config.identitiesUrl).toBeNull();
      expect(config.auth0).toMatchObject({ issuer: `${tenant.url}/`, clientId: "gatehouse-spa" });
      await stop(gatehouse.child);
    } finally {
      await tenant.close();
    }
  });
});

// main.ts passes no playground at all when this is off: nothing of it is registered.
describe("PLAYGROUND", () => {
  it("is on by default, off by default in production, and on or off when set", () => {
    expect(loadConfig({}).playground).toBe(true);
    // Production needs a real tenant (without one start-up stops): the playground is then off unless asked for.
    const tenant = {
      NODE_ENV: "production",
      AUTH0_DOMAIN: "tenant.example.auth0.com",
      AUTH0_CLIENT_ID: "gatehouse-server",
      AUTH0_CLIENT_SECRET: "a-secret",
    };
    expect(loadConfig(tenant).playground).toBe(false);
    expect(loadConfig({ ...tenant, PLAYGROUND: "on" }).playground).toBe(true);
    expect(loadConfig({ PLAYGROUND: "off" }).playground).toBe(false);
    expect(() => loadConfig({ PLAYGROUND: "yes" })).toThrow('PLAYGROUND must be on or off, got "yes"');
  });
});
