import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../support/stack.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ playground: { devIdentities: true } });
});

afterAll(async () => {
  await stack?.close();
});

async function viewerWith(authorization: string | null) {
  const response = await stack.graphql("{ viewer { kind tenant { id } permissions } }", {
    ...(authorization ? { authorization } : {}),
  });
  return response.body.data?.viewer as { kind: string; tenant: { id: string } | null; permissions: string[] };
}

async function tokenOver(path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.url}${path}`, { method: "POST", ...init });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the playground's development identities", () => {
  it("lists the seeded identities by the names people use", async () => {
    const response = await fetch(`${stack.url}/__dev/identities`);
    expect(response.status).toBe(200);
    const { identities } = (await response.json()) as { identities: { label: string }[] };
    expect(identities.map((identity) => identity.label)).toEqual(
      expect.arrayContaining([
        "Ada Admin — Acme, tenant-admin",
        "Mia Member — Acme, member",
        "Cara Consultant — in Globex",
        "Acme back end (API key)",
        "Initech CMS acting for Mia — Acme",
        "Olga Operator",
        "Anonymous",
      ]),
    );
  });

  it("gives real tokens that Gatehouse accepts as each identity", async () => {
    const ada = await tokenOver("/__dev/identities/ada-admin/token");
    expect(ada.status).toBe(200);
    expect(await viewerWith(ada.body.authorization as string)).toMatchObject({
      kind: "USER",
      tenant: { id: "org_acme" },
      permissions: expect.arrayContaining(["manage:api_keys", "read:users"]),
    });
    const apiKey = await tokenOver("/__dev/identities/acme-backend/token");
    expect(await viewerWith(apiKey.body.authorization as string)).toMatchObject({
      kind: "TENANT_APP",
      tenant: { id: "org_acme" },
    });
    const cara = await tokenOver("/__dev/identities/cara-consultant/token");
    expect(await viewerWith(cara.body.authorization as string)).toMatchObject({
      kind: "USER",
      tenant: { id: "org_globex" },
      permissions: ["read:users"],
    });
    const partner = await tokenOver("/__dev/identities/initech-for-mia/token");
    expect(await viewerWith(partner.body.authorization as string)).toMatchObject({ kind: "PARTNER" });
    const olga = await tokenOver("/__dev/identities/olga-operator/token");
    expect(await viewerWith(olga.body.authorization as string)).toMatchObject({ kind: "USER", tenant: null });
    expect(await tokenOver("/__dev/identities/anonymous/token")).toEqual({
      status: 200,
      body: { id: "anonymous", authorization: null },
    });
    expect((await tokenOver("/__dev/identities/nobody/token")).status).toBe(404);
  });

  // Simulated with Fastify's inject, which sets the socket's remote address: no second machine is involved.
  it("refuses callers that are not on this machine", async () => {
    const fromAfar = await stack.gatehouse.app.inject({
      method: "POST",
      url: "/__dev/identities/ada-admin/token",
      remoteAddress: "203.0.113.9",
      headers: { host: "127.0.0.1:4000" },
    });
    expect(fromAfar.statusCode).toBe(403);
    expect(fromAfar.body).not.toContain("Bearer");
    const listFromAfar = await stack.gatehouse.app.inject({
      method: "GET",
      url: "/__dev/identities",
      remoteAddress: "10.1.2.3",
      headers: { host: "127.0.0.1:4000" },
    });
    expect(listFromAfar.statusCode).toBe(403);
    // The same request from loopback passes, so the 403s above are the address's doing.
    const fromHere = await stack.gatehouse.app.inject({
      method: "GET",
      url: "/__dev/identities",
      remoteAddress: "127.0.0.1",
      headers: { host: "127.0.0.1:4000" },
    });
    expect(fromHere.statusCode).toBe(200);
  });

  it("refuses a page of another site, even one reaching loopback by DNS rebinding", async () => {
    // fetch cannot send another Host header; inject can, from loopback as a rebound name would arrive.
    const rebound = await stack.gatehouse.app.inject({
      method: "POST",
      url: "/__dev/identities/ada-admin/token",
      remoteAddress: "127.0.0.1",
      headers: { host: "evil.example:4000" },
    });
    expect(rebound.statusCode).toBe(403);
    // A name that only starts like a loopback address, with its own origin, is a rebound name too.
    const lookalike = await stack.gatehouse.app.inject({
      method: "POST",
      url: "/__dev/identities/ada-admin/token",
      remoteAddress: "127.0.0.1",
      headers: { host: "127.attacker.example:4000", origin: "http://127.attacker.example:4000" },
    });
    expect(lookalike.statusCode).toBe(403);
    const crossOrigin = await tokenOver("/__dev/identities/ada-admin/token", {
      headers: { origin: "https://evil.example" },
    });
    expect(crossOrigin.status).toBe(403);
    expect(JSON.stringify(crossOrigin.body)).not.toContain("Bearer");
  });
});

describe("the playground page", () => {
  it("is what a browser gets at GET /graphql, allowed to talk only to Gatehouse and its Auth0", async () => {
    const response = await fetch(`${stack.url}/graphql`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain(`connect-src 'self' ${new URL(stack.emulator.issuer).origin}`);
    // A GraphQL client's GET is still GraphQL.
    const query = await fetch(`${stack.url}/graphql?query=${encodeURIComponent("{ viewer { kind } }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "true" },
    });
    expect(await query.json()).toEqual({ data: { viewer: { kind: "ANONYMOUS" } } });
  });

  it("serves the authorization matrix it links to", async () => {
    const response = await fetch(`${stack.url}/graphql/authorization.md`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("# Authorization matrix");
  });

  it("shows what the current identity may read, decided by the server", async () => {
    const mia = (await tokenOver("/__dev/identities/mia-member/token")).body.authorization as string;
    const response = await fetch(`${stack.url}/graphql/access`, { headers: { authorization: mia } });
    const { kind, fields } = (await response.json()) as {
      kind: string;
      fields: { type: string; field: string; verdict: Record<string, unknown> }[];
    };
    expect(kind).toBe("USER");
    const verdict = (name: string) => fields.find((row) => `${row.type}.${row.field}` === name)?.verdict;
    expect(verdict("Query.users")).toEqual({ outcome: "allowed" });
    expect(verdict("Query.tenants")).toMatchObject({ outcome: "denied", missingPermission: "read:tenants" });
    expect(verdict("User.roles")).toEqual({ outcome: "depends", condition: "only their own user" });
    const anonymous = await fetch(`${stack.url}/graphql/access`, {
      headers: { authorization: "Bearer nope" },
    });
    expect(anonymous.status).toBe(401);
  });
});
