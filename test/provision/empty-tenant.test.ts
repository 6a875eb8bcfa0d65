import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ClientsClient } from "auth0/clients";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchangeClientCredentials } from "../../src/auth0/client-credentials.js";
import { DEFAULT_AUDIENCE } from "../../src/auth0/tenant-definition.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_DATA } from "../../src/dev/demo-seed.js";
import { DEV_PROVISIONER, emptyTenantSeed } from "../../src/dev/empty-tenant.js";
import { main } from "../../src/provision/main.js";
import type { GatehouseVariables } from "../../src/provision/provision.js";
import { partnerTokensFor, PARTNER } from "../support/partner-login.js";
import {
  basic,
  bearer,
  errorsByPath,
  startStack,
  type GraphQLResponse,
  type Stack,
} from "../support/stack.js";

const run = promisify(execFile);
const [ACME_BACK_END] = DEMO_DATA.backEnds;
const [INITECH] = DEMO_DATA.partners;

/** The demo's applications on a tenant: their ids and secrets, which Auth0 assigned. */
interface DemoApplications {
  acmeBackEnd: { clientId: string; clientSecret: string };
  partner: typeof PARTNER;
}

let seeded: Stack;
let provisioned: Stack;
let variables: GatehouseVariables;
const applications = new Map<Stack, DemoApplications>();

/** The demo's applications as the provisioner's Management access reads them, by name. */
async function provisionedApplications(stack: Stack): Promise<DemoApplications> {
  const token = async () =>
    (
      await exchangeClientCredentials(stack.emulator.issuer, {
        ...DEV_PROVISIONER,
        audience: stack.emulator.context.managementAudience,
      })
    ).accessToken;
  const clients = new ClientsClient({ baseUrl: `${stack.emulator.url}/api/v2`, token, maxRetries: 0 });
  const all = (await clients.list()).data;
  const named = (name: string | undefined) => {
    const client = all.find((candidate) => candidate.name === name);
    if (!client?.client_id || !client.client_secret) throw new Error(`no application named ${name}`);
    return { clientId: client.client_id, clientSecret: client.client_secret };
  };
  return {
    acmeBackEnd: named(ACME_BACK_END?.name),
    partner: { ...named(INITECH?.name), callback: PARTNER.callback },
  };
}

/** Runs the command in its own process, as `npm run provision` does, and reads the variables it wrote. */
async function provisionFromTheCommandLine(domain: string): Promise<GatehouseVariables> {
  const folder = await mkdtemp(join(tmpdir(), "gatehouse-provision-"));
  try {
    const envFile = join(folder, "gatehouse.env");
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/provision/main.ts",
        "--domain",
        domain,
        "--apply",
        "--demo",
        "--write-env",
        envFile,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AUTH0_PROVISION_CLIENT_ID: DEV_PROVISIONER.clientId,
          AUTH0_PROVISION_CLIENT_SECRET: DEV_PROVISIONER.clientSecret,
        },
      },
    );
    expect(stdout).toContain("Plan: 23 to create, 0 to change, 0 to leave.");
    expect(stdout).toContain("Applied. A second run plans nothing.");
    const lines = (await readFile(envFile, "utf8")).trim().split("\n");
    const written = Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(stdout).not.toContain(String(written.AUTH0_CLIENT_SECRET));
    return written as unknown as GatehouseVariables;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  seeded = await startStack();
  applications.set(seeded, {
    acmeBackEnd: {
      clientId: String(ACME_BACK_END?.clientId),
      clientSecret: String(ACME_BACK_END?.clientSecret),
    },
    partner: PARTNER,
  });
  provisioned = await startStack({
    emulator: { seed: emptyTenantSeed() },
    // `npm run provision -- --apply --demo` as an operator runs it, then Gatehouse started with the
    // variables it wrote.
    prepare: async (emulator) => {
      variables = await provisionFromTheCommandLine(emulator.url);
      const config = loadConfig({ ...variables });
      return {
        issuer: String(config.auth0Issuer),
        audience: config.audience,
        clientId: String(config.clientId),
        clientSecret: String(config.clientSecret),
        spaClientIds: config.spaClientIds,
      };
    },
  });
  applications.set(provisioned, await provisionedApplications(provisioned));

  // Acme's admin enables the partner for Acme with read:users, on each Gatehouse.
  for (const stack of [seeded, provisioned]) {
    const partnerId = applications.get(stack)?.partner.clientId;
    const response = await stack.graphql(
      'mutation($partnerId: ID!) { enableIntegration(partnerId: $partnerId, scopes: ["read:users"]) { status } }',
      {
        authorization: bearer(await stack.userToken("admin@acme.test", { organization: "acme" })),
        variables: { partnerId },
      },
    );
    expect(response.body).toEqual({ data: { enableIntegration: { status: "ACTIVE" } } });
  }
}, 60_000);

afterAll(async () => {
  await provisioned?.close();
  await seeded?.close();
});

interface Identity {
  name: string;
  authorization: (stack: Stack) => Promise<string | undefined>;
}

const inAcme = (email: string): Identity => ({
  name: email,
  authorization: async (stack) => bearer(await stack.userToken(email, { organization: "acme" })),
});

const IDENTITIES: Identity[] = [
  inAcme("admin@acme.test"),
  inAcme("member@acme.test"),
  {
    name: "the Acme API key",
    authorization: async (stack) => {
      const key = applications.get(stack)?.acmeBackEnd;
      return basic(String(key?.clientId), String(key?.clientSecret));
    },
  },
  {
    name: "Initech acting for Mia",
    authorization: async (stack) => {
      const partner = applications.get(stack)?.partner;
      const tokens = await partnerTokensFor(stack.emulator, "member@acme.test", "openid read:users", {
        organization: "acme",
        ...(partner ? { partner } : {}),
      });
      return bearer(tokens.accessToken);
    },
  },
  {
    name: "Olga Operator",
    authorization: async (stack) =>
      bearer(await stack.userToken("operator@gatehouse.test", { organization: null })),
  },
  { name: "anonymous", authorization: async () => undefined },
];

// Reads whose answers carry no id Auth0 assigns (organizations' and applications' ids differ by tenant).
const QUERIES = {
  viewer: "{ viewer { kind permissions tenant { name displayName } user { id email name } } }",
  tenant: "{ tenant { name displayName plan { name } integrations { status scopes partner { name } } } }",
  tenants: "{ tenants { totalCount nodes { name displayName } } }",
  partners: "{ partners { name scopes } }",
};
const USERS = "{ users { totalCount nodes { id email name roles blocked } } }";

/** Status, data and error codes by path; the user list row by row (by id), so order does not matter. */
function outcomeOf(response: GraphQLResponse) {
  return { status: response.status, data: response.body.data ?? null, errors: errorsByPath(response) };
}

function userListOutcomeOf(response: GraphQLResponse) {
  const users = response.body.data?.users as { totalCount: number; nodes: Record<string, unknown>[] } | null;
  const errors = errorsByPath(response);
  const rows = Object.fromEntries(
    (users?.nodes ?? []).map((node, index) => {
      const rowErrors = Object.entries(errors)
        .filter(([path]) => path.startsWith(`users.nodes.${index}.`))
        .map(([path, code]) => [path.slice(`users.nodes.${index}.`.length), code]);
      return [String(node.id), { ...node, errors: Object.fromEntries(rowErrors) }];
    }),
  );
  const listErrors = Object.fromEntries(
    Object.entries(errors).filter(([path]) => !path.startsWith("users.nodes.")),
  );
  return { status: response.status, totalCount: users?.totalCount ?? null, rows, errors: listErrors };
}

async function outcomesOn(stack: Stack, identity: Identity) {
  const authorization = await identity.authorization(stack);
  const options = authorization ? { authorization } : {};
  const outcomes: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    outcomes[name] = outcomeOf(await stack.graphql(query, options));
  }
  // Tenants come in the order of their ids, which Auth0 assigns: compare them by name.
  const tenants = (outcomes.tenants as { data: { tenants?: { nodes: { name: string }[] } | null } }).data
    .tenants;
  tenants?.nodes.sort((a, b) => a.name.localeCompare(b.name));
  outcomes.users = userListOutcomeOf(await stack.graphql(USERS, options));
  return outcomes;
}

describe("Gatehouse on a tenant set up from empty by npm run provision -- --apply --demo", () => {
  it.each(IDENTITIES.map((identity) => [identity.name, identity] as const))(
    "%s gets the same answers, allowed and denied, as on the seeded development tenant",
    async (_name, identity) => {
      const expected = await outcomesOn(seeded, identity);
      expect(await outcomesOn(provisioned, identity)).toEqual(expected);
    },
  );

  it("the identities' answers differ from each other, so the comparison above compares something", async () => {
    const byIdentity = await Promise.all(IDENTITIES.map((identity) => outcomesOn(seeded, identity)));
    const distinct = new Set(byIdentity.map((outcome) => JSON.stringify(outcome)));
    expect(distinct.size).toBe(IDENTITIES.length);
    const serialized = byIdentity.map((outcome) => JSON.stringify(outcome));
    expect(serialized.some((outcome) => outcome.includes("FORBIDDEN"))).toBe(true);
    expect((byIdentity[0]?.users as { rows: Record<string, unknown> }).rows).toHaveProperty([
      "auth0|acme-admin",
    ]);
  });

  it("a second provision plans nothing, and writes the secret only to the --write-env asked for", async () => {
    const folder = await mkdtemp(join(tmpdir(), "gatehouse-provision-"));
    try {
      const envFile = join(folder, "gatehouse.env");
      const out: string[] = [];
      const code = await main(
        ["--domain", provisioned.emulator.url, "--demo", "--write-env", envFile],
        {
          AUTH0_PROVISION_CLIENT_ID: DEV_PROVISIONER.clientId,
          AUTH0_PROVISION_CLIENT_SECRET: DEV_PROVISIONER.clientSecret,
        },
        { out: (line) => out.push(line), err: () => {}, isTerminal: false },
      );
      expect(code).toBe(0);
      expect(out).toContain("Plan: 0 to create, 0 to change, 23 to leave.");
      expect(out).toContain("The tenant already matches the definition.");
      const secret = String(variables.AUTH0_CLIENT_SECRET);
      expect(out.join("\n")).not.toContain(secret);
      expect(await readFile(envFile, "utf8")).toBe(
        [
          `AUTH0_DOMAIN=${provisioned.emulator.url}`,
          `AUTH0_AUDIENCE=${DEFAULT_AUDIENCE}`,
          `AUTH0_CLIENT_ID=${variables.AUTH0_CLIENT_ID}`,
          `AUTH0_CLIENT_SECRET=${secret}`,
          `AUTH0_SPA_CLIENT_IDS=${variables.AUTH0_SPA_CLIENT_IDS}`,
          "",
        ].join("\n"),
      );
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
