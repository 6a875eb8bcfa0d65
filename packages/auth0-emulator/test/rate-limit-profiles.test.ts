import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Stats } from "../src/controls.js";
import type { RunningEmulator } from "../src/server.js";
import { emulatorControl, emulatorOnFreePort, managementToken } from "./helpers.js";

let emulator: RunningEmulator;
let token: string;
beforeAll(async () => {
  emulator = await emulatorOnFreePort();
  token = await managementToken(emulator);
});
afterEach(async () => {
  await emulatorControl(emulator, "POST", "rate-limit", { enabled: false });
  await emulatorControl(emulator, "DELETE", "stats");
});
afterAll(async () => {
  await emulator.close();
});

async function useProfile(profile: string): Promise<void> {
  expect(await emulatorControl(emulator, "POST", "rate-limit", { profile })).toEqual({
    status: 204,
    body: undefined,
  });
}

async function get(path: string) {
  const response = await fetch(`${emulator.url}/api/v2/${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    limit: response.headers.get("x-ratelimit-limit"),
    remaining: Number(response.headers.get("x-ratelimit-remaining")),
  };
}

/** Sends `count` requests at once, so that the bucket cannot refill meanwhile by more than a few tokens. */
function burst(path: string, count: number) {
  return Promise.all(Array.from({ length: count }, () => get(path)));
}

async function rateLimitedByBucket(): Promise<Record<string, number>> {
  return ((await emulatorControl(emulator, "GET", "stats")).body as Stats).rateLimitedByBucket;
}

describe("Auth0's rate-limit profiles", () => {
  it("free: one bucket of 2 for the whole Management API, whatever the endpoint", async () => {
    await useProfile("free");

    const first = await get("users");
    const second = await get("clients");
    const third = await get("organizations");

    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect([first.limit, second.limit, third.limit]).toEqual(["2", "2", "2"]);
    expect(first.remaining).toBe(1);
    expect(await rateLimitedByBucket()).toEqual({ "management api": 1 });
  });

  it("essentials: a burst of user reads empties the read-users bucket only, not read-clients", async () => {
    await useProfile("essentials");

    // 40 at once, refilled at 500 a minute: 60 requests overflow it unless they take over two seconds.
    const reads = await burst("users?per_page=1", 60);

    expect(new Set(reads.map((read) => read.limit))).toEqual(new Set(["40"]));
    expect(reads.filter((read) => read.status === 429).length).toBeGreaterThan(0);
    const clients = await get("clients");
    expect(clients).toEqual({ status: 200, limit: "5", remaining: 4 });
    const roles = await get("roles");
    expect(roles).toMatchObject({ status: 200, limit: "10" }); // all other endpoints
    expect(Object.keys(await rateLimitedByBucket())).toEqual(["read users"]);
  });

  it("essentials: reading one user counts with reading users, organization members have their own bucket", async () => {
    await useProfile("essentials");

    expect(await get("users/auth0%7Cacme-admin")).toMatchObject({ status: 200, limit: "40", remaining: 39 });
    expect(await get("users")).toMatchObject({ status: 200, limit: "40", remaining: 38 });
    expect(await get("organizations/org_acme/members")).toMatchObject({
      status: 200,
      limit: "40",
      remaining: 39,
    });
    expect(await get("organizations")).toMatchObject({ status: 200, limit: "5", remaining: 4 });
    expect(await get("organizations/org_acme")).toMatchObject({ status: 200, limit: "20", remaining: 19 });
  });

  it("enterprise: endpoint buckets inside the API-wide 50, others on the API-wide bucket", async () => {
    await useProfile("enterprise");

    const roleReads = await burst("organizations/org_acme/members/auth0%7Cacme-admin/roles", 30);

    expect(new Set(roleReads.map((read) => read.limit))).toEqual(new Set(["20"]));
    expect(roleReads.filter((read) => read.status === 429).length).toBeGreaterThan(0);
    const users = await get("users");
    expect(users).toMatchObject({ status: 200, limit: "50" });
    // The role reads took their tokens from the API-wide bucket first.
    expect(users.remaining).toBeLessThan(40);
    expect(await rateLimitedByBucket()).toEqual({
      "read organization member roles": roleReads.filter((read) => read.status === 429).length,
    });
  });

  it("GET /__emulator/rate-limit names the profile and its buckets", async () => {
    await useProfile("essentials");

    const { body } = await emulatorControl(emulator, "GET", "rate-limit");

    expect(body).toMatchObject({ profile: "essentials" });
    expect((body as { buckets: unknown[] }).buckets).toContainEqual({
      name: "read users",
      burst: 40,
      perSecond: 500 / 60,
    });
  });

  it("an unknown profile, or a profile with a custom bucket, is refused with 400", async () => {
    expect(await emulatorControl(emulator, "POST", "rate-limit", { profile: "pro" })).toEqual({
      status: 400,
      body: {
        error: "invalid_rate_limit",
        message: "profile must be one of free, essentials, enterprise, off",
      },
    });
    expect(
      await emulatorControl(emulator, "POST", "rate-limit", {
        profile: "free",
        limit: 5,
        refillPerSecond: 1,
      }),
    ).toEqual({
      status: 400,
      body: {
        error: "invalid_rate_limit",
        message: "give a profile, or limit and refillPerSecond, not both",
      },
    });
  });
});

describe("the profile an emulator starts with", () => {
  it("is the rateLimitProfile option, and POST /__emulator/reset goes back to it", async () => {
    const started = await emulatorOnFreePort({ rateLimitProfile: "essentials" });
    try {
      const startedToken = await managementToken(started);
      const read = () =>
        fetch(`${started.url}/api/v2/users`, { headers: { authorization: `Bearer ${startedToken}` } });
      expect((await read()).headers.get("x-ratelimit-limit")).toBe("40");

      await emulatorControl(started, "POST", "rate-limit", { profile: "off" });
      expect((await read()).headers.get("x-ratelimit-limit")).toBe("1000");

      expect((await emulatorControl(started, "POST", "reset")).status).toBe(204);
      const afterReset = await read();
      expect(afterReset.headers.get("x-ratelimit-limit")).toBe("40");
      // A fresh bucket: the reads before the reset no longer count.
      expect(afterReset.headers.get("x-ratelimit-remaining")).toBe("39");
    } finally {
      await started.close();
    }
  });
});
