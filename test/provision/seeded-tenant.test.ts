import { ClientGrantsClient } from "auth0/clientGrants";
import { ClientsClient } from "auth0/clients";
import { RolesClient } from "auth0/roles";
import { startEmulator, type RunningEmulator, type Stats } from "@gatehouse/auth0-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeClientCredentials } from "../../src/auth0/client-credentials.js";
import { DEFAULT_AUDIENCE, gatehouseTenant } from "../../src/auth0/tenant-definition.js";
import { DEMO_DATA, DEV_SPA_CALLBACKS, SEED_PASSWORD } from "../../src/dev/demo-seed.js";
import { DEV_PROVISIONER, withProvisioner } from "../../src/dev/empty-tenant.js";
import { emulatorSeed } from "../../src/dev/emulator-seed.js";
import type { PlanStep } from "../../src/provision/plan.js";
import { formatPlan, provision } from "../../src/provision/provision.js";

const DEFINITION = gatehouseTenant({ audience: DEFAULT_AUDIENCE, spaCallbacks: DEV_SPA_CALLBACKS });

function runProvision(emulator: RunningEmulator, options: { apply: boolean; demo?: boolean }) {
  return provision({
    domain: emulator.url,
    credentials: DEV_PROVISIONER,
    definition: DEFINITION,
    ...(options.demo ? { demo: { data: DEMO_DATA, password: SEED_PASSWORD } } : {}),
    apply: options.apply,
    progress: () => {},
  });
}

/** What a plan would do, without its `leave` steps and the functions that do it. */
function pending(plan: readonly PlanStep[]) {
  return plan
    .filter((step) => step.action !== "leave")
    .map(({ action, subject, changes }) => ({ action, subject, changes }));
}

async function stats(emulator: RunningEmulator): Promise<Stats> {
  return (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as Stats;
}

async function resetStats(emulator: RunningEmulator): Promise<void> {
  await fetch(`${emulator.url}/__emulator/stats`, { method: "DELETE" });
}

/** Management requests other than reads: what changed the tenant. */
function writesIn(current: Stats): Record<string, number> {
  return Object.fromEntries(
    Object.entries(current.management).filter(([route]) => !route.startsWith("GET ")),
  );
}

describe("against the development tenant the emulator is seeded with", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: withProvisioner(emulatorSeed()) });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it("plans nothing: the seed and the definition agree", async () => {
    await resetStats(emulator);
    const { plan } = await runProvision(emulator, { apply: false });
    expect(pending(plan)).toEqual([]);
    expect(plan.map((step) => step.subject)).toEqual([
      "API https://api.gatehouse.local",
      "role member",
      "role user-manager",
      "role tenant-admin",
      "role platform-operator",
      'application "Gatehouse SPA" (single-page app)',
      `application "Gatehouse server" (Gatehouse's machine application)`,
      'client grant of "Gatehouse server" on the Management API',
      // Every organization is a tenant, whose third-party access the definition sets.
      "organization acme",
      "organization globex",
    ]);
    const after = await stats(emulator);
    expect(writesIn(after)).toEqual({});
    expect(after.tokensIssued[DEV_PROVISIONER.clientId]).toEqual({ client_credentials: 1 });
  });

  it("with the demo too, plans nothing: the seed's demo data is what --demo creates", async () => {
    const { plan } = await runProvision(emulator, { apply: false, demo: true });
    expect(pending(plan)).toEqual([]);
    expect(plan.filter((step) => step.subject.startsWith("user ")).length).toBe(DEMO_DATA.users.length);
    expect(
      plan.filter((step) => step.subject.startsWith("organization ")).map((step) => step.subject),
    ).toEqual(["organization acme (demo)", "organization globex (demo)"]);
  });
});

describe("against a tenant that differs from the definition", () => {
  let emulator: RunningEmulator;
  let roles: RolesClient;
  let clients: ClientsClient;
  let clientGrants: ClientGrantsClient;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: withProvisioner(emulatorSeed()) });
    const token = async () =>
      (
        await exchangeClientCredentials(emulator.issuer, {
          ...DEV_PROVISIONER,
          audience: emulator.context.managementAudience,
        })
      ).accessToken;
    const options = { baseUrl: `${emulator.url}/api/v2`, token, maxRetries: 0 };
    roles = new RolesClient(options);
    clients = new ClientsClient(options);
    clientGrants = new ClientGrantsClient(options);
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it("plans exactly the changes back (a role's permission, the SPA's callback, a Management scope), and applies them", async () => {
    // An administrator's slips in the dashboard, made through the Management API.
    const userManager = (await roles.list({ name_filter: "user-manager" })).data[0];
    await roles.permissions.delete(String(userManager?.id), {
      permissions: [{ resource_server_identifier: DEFAULT_AUDIENCE, permission_name: "read:roles" }],
    });
    const spa = (await clients.list()).data.find((client) => client.name === DEFINITION.spa.name);
    await clients.update(String(spa?.client_id), { callbacks: ["http://127.0.0.1:4000/wrong"] });
    const server = (await clients.list()).data.find((client) => client.name === DEFINITION.server.name);
    const serverGrant = (
      await clientGrants.list({
        client_id: String(server?.client_id),
        audience: emulator.context.managementAudience,
      })
    ).data[0];
    const narrowed = (serverGrant?.scope ?? []).filter((scope) => scope !== "read:users");
    await clientGrants.update(String(serverGrant?.id), { scope: narrowed });
    const permissionsLeft = DEFINITION.roles
      .find((role) => role.name === "user-manager")
      ?.permissions.filter((permission) => permission !== "read:roles");

    await resetStats(emulator);
    const planned = await runProvision(emulator, { apply: false });
    expect(pending(planned.plan)).toEqual([
      {
        action: "change",
        subject: "role user-manager",
        changes: [
          { field: "permissions", from: permissionsLeft, to: [...(permissionsLeft ?? []), "read:roles"] },
        ],
      },
      {
        action: "change",
        subject: 'application "Gatehouse SPA" (single-page app)',
        changes: [{ field: "callbacks", from: ["http://127.0.0.1:4000/wrong"], to: DEV_SPA_CALLBACKS }],
      },
      {
        action: "change",
        subject: 'client grant of "Gatehouse server" on the Management API',
        changes: [{ field: "scope", from: narrowed, to: [...narrowed, "read:users"] }],
      },
    ]);
    // What the terminal shows before --apply.
    const shown = formatPlan(planned.plan);
    expect(shown).toContain("~ change role user-manager");
    expect(shown).toContain("      permissions: + read:roles");
    expect(shown).toContain(
      "      callbacks: + http://127.0.0.1:4000/callback, + http://localhost:4000/callback, - http://127.0.0.1:4000/wrong",
    );
    expect(shown).toContain("      scope: + read:users");
    expect(shown).toContain("Plan: 0 to create, 3 to change, 7 to leave.");
    expect(writesIn(await stats(emulator))).toEqual({});

    await resetStats(emulator);
    const applied = await runProvision(emulator, { apply: true });
    expect(applied.applied).toBe(true);
    expect(writesIn(await stats(emulator))).toEqual({
      "POST /api/v2/roles/:id/permissions": 1,
      "PATCH /api/v2/clients/:id": 1,
      "PATCH /api/v2/client-grants/:id": 1,
    });

    const again = await runProvision(emulator, { apply: false });
    expect(pending(again.plan)).toEqual([]);
    const spaNow = await clients.get(String(spa?.client_id));
    expect(spaNow.callbacks).toEqual(DEV_SPA_CALLBACKS);
  });
});

describe("under the Management API's rate limit", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, seed: withProvisioner(emulatorSeed()) });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it("waits out every 429 until x-ratelimit-reset and makes the same plan", async () => {
    const total = (current: Stats) =>
      Object.values(current.management).reduce((sum, count) => sum + count, 0);
    await resetStats(emulator);
    const unlimited = await runProvision(emulator, { apply: false });
    const requestsNeeded = total(await stats(emulator));

    const limited = await fetch(`${emulator.url}/__emulator/rate-limit`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limit: 3, refillPerSecond: 2 }),
    });
    expect(limited.status).toBe(204);
    await resetStats(emulator);
    const { plan } = await runProvision(emulator, { apply: false });

    expect(pending(plan)).toEqual(pending(unlimited.plan));
    expect(plan.map((step) => step.subject)).toEqual(unlimited.plan.map((step) => step.subject));
    const after = await stats(emulator);
    expect(after.rateLimited).toBeGreaterThan(0);
    // Every refused request was sent again, and nothing more: the refusals on top of what the plan needs.
    expect(total(after)).toBe(requestsNeeded + after.rateLimited);
  });
});
