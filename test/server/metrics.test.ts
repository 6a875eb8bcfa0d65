import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveMetrics } from "../../src/http/metrics.js";
import { basic, bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string; sum?: string }[];
}

async function scrape(url = `${stack.url}/metrics`): Promise<Family[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return parsePrometheusTextFormat(await response.text()) as Family[];
}

/** A latency histogram series' count, from the text: `labels` as written in the exposition. */
async function histogramCount(labels: string): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((candidate) => candidate.startsWith(`gatehouse_http_request_duration_seconds_count{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** The sum of a family's samples whose labels include `labels`. */
function total(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((candidate) => candidate.name === name);
  return (family?.metrics ?? [])
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value))
    .reduce((sum, sample) => sum + Number(sample.value ?? sample.count ?? 0), 0);
}

describe("/metrics", () => {
  it("counts requests by operation and status, their latency, and refusals by reason", async () => {
    const queriesBefore = await histogramCount('route="/graphql",operation_type="query"');
    const before = await scrape();
    const authorization = basic("acme-backend", "acme-backend-secret");
    for (let i = 0; i < 3; i += 1) {
      const response = await stack.graphql("query Kind { viewer { kind } }", { authorization });
      expect(response.status).toBe(200);
    }
    const refused = await stack.graphql("{ viewer { kind } }", { authorization: bearer("not.a.token") });
    expect(refused.status).toBe(401);
    const after = await scrape();

    const kind = { route: "/graphql", operation: "Kind", operation_type: "query", status: "200" };
    expect(total(after, "gatehouse_http_requests_total", kind)).toBe(
      total(before, "gatehouse_http_requests_total", kind) + 3,
    );
    const unauthorised = { route: "/graphql", status: "401" };
    expect(total(after, "gatehouse_http_requests_total", unauthorised)).toBe(
      total(before, "gatehouse_http_requests_total", unauthorised) + 1,
    );
    const latency = after.find((family) => family.name === "gatehouse_http_request_duration_seconds");
    expect(latency?.type).toBe("HISTOGRAM");
    // Three queries were timed; the refused request was never parsed. (The parser merges a labelled
    // histogram's series into one, so the count is read from the text itself.)
    expect(await histogramCount('route="/graphql",operation_type="query"')).toBe(queriesBefore + 3);
    expect(total(after, "gatehouse_credential_refusals_total", { reason: "malformed" })).toBe(
      total(before, "gatehouse_credential_refusals_total", { reason: "malformed" }) + 1,
    );
    // The first Basic request exchanged the key once; the others were served from the cache.
    expect(total(after, "gatehouse_api_key_exchanges_total")).toBe(
      total(before, "gatehouse_api_key_exchanges_total") + 1,
    );
    expect(total(after, "gatehouse_cache_lookups_total", { cache: "verified_tokens", result: "hit" })).toBe(
      total(before, "gatehouse_cache_lookups_total", { cache: "verified_tokens", result: "hit" }) + 2,
    );
    expect(total(after, "gatehouse_directory_ready")).toBe(1);
  });

  it("counts Management API calls by endpoint and status, with the bucket's last remaining calls", async () => {
    const before = await scrape();
    const admin = bearer(await stack.userToken("admin@acme.test"));
    const response = await stack.graphql(
      'mutation { updateUser(id: "auth0|acme-member", input: { name: "Acme Member" }) { name } }',
      { authorization: admin },
    );
    expect(response.body.errors).toBeUndefined();
    await stack.syncDirectory();
    const after = await scrape();
    const patch = { endpoint: "PATCH /api/v2/users/:id", status: "200" };
    expect(total(after, "gatehouse_auth0_management_calls_total", patch)).toBe(
      total(before, "gatehouse_auth0_management_calls_total", patch) + 1,
    );
    const remaining = after
      .find((family) => family.name === "gatehouse_auth0_ratelimit_remaining")
      ?.metrics.find((sample) => sample.labels?.endpoint === "PATCH /api/v2/users/:id");
    expect(Number(remaining?.value)).toBeGreaterThanOrEqual(0);
    // The full pass just made sets the directory's sync lag to about nothing.
    expect(total(after, "gatehouse_directory_sync_lag_seconds")).toBeLessThan(60);
  });

  it("can be served on a port of its own (METRICS_PORT)", async () => {
    const server = await serveMetrics(stack.gatehouse.metrics, { port: 0, host: "127.0.0.1" });
    try {
      const families = await scrape(`${server.address}/metrics`);
      expect(families.map((family) => family.name)).toContain("gatehouse_http_requests_total");
    } finally {
      await server.close();
    }
  });

  it("is counted per instance: a second Gatehouse in the same process starts from zero", async () => {
    const other = await startStack();
    try {
      await other.graphql("query Lonely { viewer { kind } }");
      const families = await scrape(`${other.url}/metrics`);
      expect(total(families, "gatehouse_http_requests_total", { operation: "Lonely" })).toBe(1);
      expect(total(families, "gatehouse_http_requests_total", { operation: "Kind" })).toBe(0);
    } finally {
      await other.close();
    }
  });
});
