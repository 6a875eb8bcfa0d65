import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basic, bearer, GATEHOUSE_API, signedByEmulator, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const now = () => Math.floor(Date.now() / 1000);

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function expectRefused(
  authorization: string,
  error: "invalid_token" | "invalid_request" = "invalid_token",
) {
  const response = await stack.graphql("{ viewer { kind } }", { authorization });
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toMatch(
    new RegExp(`^Bearer realm="gatehouse", error="${error}", error_description="[^"]+"$`),
  );
  expect(response.body.data).toBeUndefined();
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  // Nothing of the credentials comes back.
  expect(JSON.stringify(response.body)).not.toContain(authorization.split(" ")[1]?.slice(0, 20) ?? "<none>");
  return response;
}

describe("credentials Gatehouse refuses with 401 and an RFC 6750 challenge", () => {
  it("an expired token", async () => {
    const response = await expectRefused(
      bearer(await signedByEmulator(stack, { iat: now() - 7200, exp: now() - 3600 })),
    );
    expect(response.headers.get("www-authenticate")).toContain("expired");
  });

  it("a token for another audience (the Management API)", async () => {
    const token = await signedByEmulator(stack, { aud: stack.emulator.context.managementAudience });
    await expectRefused(bearer(token));
  });

  it("a token from another issuer", async () => {
    await expectRefused(bearer(await signedByEmulator(stack, { iss: "https://evil.example/" })));
  });

  it("an unsigned token (alg: none)", async () => {
    const claims = {
      iss: stack.emulator.issuer,
      sub: "auth0|acme-admin",
      aud: GATEHOUSE_API,
      iat: now(),
      exp: now() + 600,
      azp: "gatehouse-spa",
    };
    await expectRefused(bearer(`${base64url({ alg: "none", typ: "JWT" })}.${base64url(claims)}.`));
  });

  it("a token signed HS256 with the public key as the secret", async () => {
    const jwks = (await (await fetch(`${stack.emulator.url}/.well-known/jwks.json`)).json()) as {
      keys: JWK[];
    };
    const publicKey = await importJWK(jwks.keys[0] as JWK, "RS256");
    const pem = await exportSPKI(publicKey as Parameters<typeof exportSPKI>[0]);
    const token = await new SignJWT({ azp: "gatehouse-spa", permissions: ["read:users"] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: jwks.keys[0]?.kid })
      .setIssuer(stack.emulator.issuer)
      .setAudience(GATEHOUSE_API)
      .setSubject("auth0|acme-admin")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(pem));
    await expectRefused(bearer(token));
  });

  it("a tampered token", async () => {
    const token = await signedByEmulator(stack, {});
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const forged = base64url({ ...claims, permissions: ["read:users", "delete:users"] });
    await expectRefused(bearer(`${header}.${forged}.${signature}`));
  });

  it("a token signed by a key the issuer never published (unknown kid)", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ azp: "gatehouse-spa" })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "not-a-published-kid" })
      .setIssuer(stack.emulator.issuer)
      .setAudience(GATEHOUSE_API)
      .setSubject("auth0|acme-admin")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
    await expectRefused(bearer(token));
  });

  it("a token whose azp names no existing client", async () => {
    const response = await expectRefused(bearer(await signedByEmulator(stack, { azp: "ghost-client" })));
    expect(response.headers.get("www-authenticate")).toContain("client does not exist");
  });

  it("a user token from a first-party client that is not one of the configured SPAs", async () => {
    // acme-backend is first party, but a machine client: user tokens are accepted from the SPAs only.
    const response = await expectRefused(bearer(await signedByEmulator(stack, { azp: "acme-backend" })));
    expect(response.headers.get("www-authenticate")).toContain("single-page apps");
  });

  it("a client-credentials token whose subject is a user", async () => {
    const token = await signedByEmulator(stack, { gty: "client-credentials", azp: "acme-backend" });
    const response = await expectRefused(bearer(token));
    expect(response.headers.get("www-authenticate")).toContain("do not agree");
  });

  it("a machine token whose subject names another client than its azp", async () => {
    const token = await signedByEmulator(stack, {
      sub: "globex-backend@clients",
      azp: "acme-backend",
      gty: "client-credentials",
      scope: "read:users",
    });
    await expectRefused(bearer(token));
  });

  it("a machine subject without the client-credentials grant type", async () => {
    await expectRefused(
      bearer(await signedByEmulator(stack, { sub: "acme-backend@clients", azp: "acme-backend" })),
    );
  });

  it("a machine token whose organization is not its API key's tenant", async () => {
    const token = await signedByEmulator(stack, {
      sub: "acme-backend@clients",
      azp: "acme-backend",
      gty: "client-credentials",
      scope: "read:users",
      org_id: "org_globex",
    });
    const response = await expectRefused(bearer(token));
    expect(response.headers.get("www-authenticate")).toContain("organization is not the API key's tenant");
  });

  it("a token issued in the future", async () => {
    const response = await expectRefused(
      bearer(await signedByEmulator(stack, { iat: now() + 3600, exp: now() + 7200 })),
    );
    expect(response.headers.get("www-authenticate")).toContain("iat");
  });

  it.each([
    ["no token after Bearer", "Bearer"],
    ["two tokens", "Bearer abc def"],
    ["an unknown scheme", "Token abc"],
    ["characters no token has", "Bearer abc<>def"],
    ["Basic that is not base64", "Basic !!!notbase64"],
    ["Basic without a colon", `Basic ${Buffer.from("acme-backend").toString("base64")}`],
    ["Basic without a secret", `Basic ${Buffer.from("acme-backend:").toString("base64")}`],
  ])("a malformed Authorization header: %s", async (_name, header) => {
    await expectRefused(header, "invalid_request");
  });

  it("Basic credentials with a wrong secret", async () => {
    await expectRefused(basic("acme-backend", "not-the-secret"));
  });
});

describe("no credentials", () => {
  it("is an anonymous caller who may ask who they are and nothing else", async () => {
    const response = await stack.graphql(
      "{ viewer { kind permissions tenant { id } } users { totalCount } }",
    );
    expect(response.status).toBe(200);
    // The refused field alone is null: who they are still comes back.
    expect(response.body.data).toEqual({
      viewer: { kind: "ANONYMOUS", permissions: [], tenant: null },
      users: null,
    });
    expect(response.body.errors?.map((error) => [error.path?.join("."), error.extensions?.code])).toEqual([
      ["users", "FORBIDDEN"],
    ]);
    const viewer = await stack.graphql("{ viewer { kind permissions tenant { id } } }");
    expect(viewer.body).toEqual({ data: { viewer: { kind: "ANONYMOUS", permissions: [], tenant: null } } });
  });
});

describe("abusive queries", () => {
  it("too many aliases or too deep a query is refused before anything runs", async () => {
    const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: viewer { kind }`).join(" ");
    const wide = await stack.graphql(`{ ${aliases} }`);
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");

    const deep = await stack.graphql(
      "{ viewer { user { tenant { users { nodes { tenant { users { nodes { tenant { users { nodes { id } } } } } } } } } } } }",
    );
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.message).toMatch(/depth/i);
  });
});
