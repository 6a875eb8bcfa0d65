import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmulator, type RunningEmulator } from "@gatehouse/auth0-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";
import { organizationLogin } from "../../src/dev/login.js";
import {
  graphql,
  isAlive,
  killTree,
  processTree,
  signalDuringRequest,
  spawnCollected,
  waitFor,
  type Spawned,
} from "../support/process.js";
import { GATEHOUSE_API, SEED_PASSWORD, SPA_CALLBACK } from "../support/stack.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const INSTALL_TIMEOUT_MS = 600_000;

let folder: string;
let emulator: RunningEmulator;
const started: Spawned[] = [];

/**
 * A production install as the README describes it, in a folder of its own: the build, then only the
 * production dependencies (`npm ci --omit=dev`, from the npm registry), with what the server reads at run
 * time (the schema) and the patches its postinstall applies.
 */
beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), "gatehouse-production-"));
  await run("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", join(folder, "dist")], {
    cwd: ROOT,
    timeout: INSTALL_TIMEOUT_MS,
  });
  for (const path of ["package.json", "package-lock.json", "patches", "schema"]) {
    cpSync(join(ROOT, path), join(folder, path), { recursive: true });
  }
  await run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], {
    cwd: folder,
    timeout: INSTALL_TIMEOUT_MS,
  });
  // The Auth0 tenant: an emulator this test starts, reached through the four variables.
  emulator = await startEmulator({ port: 0, seed: emulatorSeed() });
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  for (const gatehouse of started.splice(0))
    if (gatehouse.child.pid) killTree(processTree(gatehouse.child.pid));
  await emulator?.close();
  // A whole node_modules: on a loaded machine its removal takes a while.
  if (folder) await rm(folder, { recursive: true, force: true });
}, INSTALL_TIMEOUT_MS);

function startProduction(): Spawned {
  const gatehouse = spawnCollected(process.execPath, ["dist/main.js"], {
    cwd: folder,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      AUTH0_DOMAIN: emulator.url,
      AUTH0_CLIENT_ID: "gatehouse-server",
      AUTH0_CLIENT_SECRET: "gatehouse-server-secret",
      AUTH0_AUDIENCE: GATEHOUSE_API,
      PORT: "0",
      DATA_DIR: join(folder, "data"),
    },
  });
  started.push(gatehouse);
  return gatehouse;
}

async function listening(gatehouse: Spawned): Promise<string> {
  return waitFor(() => {
    if (gatehouse.child.exitCode !== null) throw new Error(`Gatehouse exited: ${gatehouse.output().stderr}`);
    return /Gatehouse GraphQL at (http:\/\/\S+)\/graphql/.exec(gatehouse.output().stdout)?.[1];
  });
}

describe("a production install (build, npm ci --omit=dev, node dist/main.js)", { timeout: 120_000 }, () => {
  it("holds neither the emulator nor the development tools, and keeps the graphql-shield fix", () => {
    expect(existsSync(join(folder, "node_modules/@gatehouse/auth0-emulator"))).toBe(false);
    expect(existsSync(join(folder, "node_modules/tsx"))).toBe(false);
    expect(existsSync(join(folder, "node_modules/vitest"))).toBe(false);
    expect(existsSync(join(folder, "dist/main.js"))).toBe(true);
    // patches/graphql-shield+7.6.5.patch removes the util.isUndefined that Node 24 no longer has.
    const rules = readFileSync(join(folder, "node_modules/graphql-shield/cjs/rules.js"), "utf8");
    expect(rules).not.toContain("util_1.isUndefined");
  });

  it("serves GraphQL to a user of the configured tenant", async () => {
    const gatehouse = startProduction();
    const url = await listening(gatehouse);
    const { access_token } = await organizationLogin({
      issuer: emulator.issuer,
      audience: GATEHOUSE_API,
      clientId: "gatehouse-spa",
      callback: SPA_CALLBACK,
      email: "admin@acme.test",
      password: SEED_PASSWORD,
      scope: "openid",
      organization: "org_acme",
    });

    const answer = await graphql(url, "{ viewer { kind tenant { name } } }", {
      authorization: `Bearer ${access_token}`,
    });

    expect(answer).toEqual({
      status: 200,
      body: { data: { viewer: { kind: "USER", tenant: { name: "acme" } } } },
    });
    // Nothing of development: no emulator started, no demo banner.
    expect(gatehouse.output().stdout).not.toContain("emulator");
    gatehouse.child.kill("SIGTERM");
    expect(await gatehouse.exited).toBe(0);
  });

  it("SIGTERM drains the request in flight, exits 0 and leaves no process behind", async () => {
    const gatehouse = startProduction();
    const url = await listening(gatehouse);
    const pid = gatehouse.child.pid ?? 0;
    const tree = processTree(pid);

    const { email, answer } = await signalDuringRequest({
      gatehouseUrl: url,
      emulatorUrl: emulator.url,
      delayMs: 1500,
      signal: () => process.kill(pid, "SIGTERM"),
    });

    expect(answer).toEqual({ status: 200, body: { data: { createUser: { email } } } });
    expect(await gatehouse.exited).toBe(0);
    await waitFor(() => (tree.some(isAlive) ? undefined : true), 10_000);
  });
});
