// `npm run provision -- --domain your-tenant.eu.auth0.com [--apply] [--demo] [--write-env PATH]`: sets an
// Auth0 tenant up for Gatehouse from its declarative definition (src/auth0/tenant-definition.ts). It reads
// the tenant, prints the plan, and changes the tenant only with --apply; a second run plans nothing.
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ManagementError } from "auth0";
import { CredentialsRejectedError, TokenEndpointUnavailableError } from "../auth0/client-credentials.js";
import { DEFAULT_AUDIENCE, gatehouseTenant } from "../auth0/tenant-definition.js";
import { DEMO_DATA, DEV_SPA_CALLBACKS, SEED_PASSWORD } from "../dev/demo-seed.js";
import { ProvisionError } from "./plan.js";
import {
  DEMO_PROVISIONING_SCOPES,
  formatPlan,
  MANUAL_STEPS,
  provision,
  PROVISIONING_SCOPES,
  type GatehouseVariables,
} from "./provision.js";

const USAGE = `Usage:
  npm run provision -- --domain <tenant domain> [--apply] [--demo] [--write-env PATH]
                       [--audience <API identifier>] [--spa-callback <URL>]...

Sets an Auth0 tenant up for Gatehouse: the API and its permissions (RBAC on, permissions in the token),
the roles, the single-page app (organization login, rotating refresh tokens), Gatehouse's machine
application and its Management API grant, and third-party access on organizations. Prints the plan;
changes nothing without --apply. Never deletes anything.

  --domain <domain>       the tenant, e.g. your-tenant.eu.auth0.com (http://127.0.0.1:PORT for a local emulator)
  --apply                 carry the plan out
  --demo                  also the demo organizations, users (password ${SEED_PASSWORD}), back ends and partner:
                          for a development tenant only
  --write-env PATH        write the variables, with the secret, to PATH (mode 600) instead of the terminal
                          (not --env-file: Node 20 takes that one for itself, wherever it appears)
  --audience <id>         the API identifier (default ${DEFAULT_AUDIENCE})
  --spa-callback <URL>    the SPA's allowed callback URL, repeatable (default ${DEV_SPA_CALLBACKS.join(", ")})
  -h, --help              this text

Credentials: a machine application authorised on the tenant's Management API with the scopes
  ${PROVISIONING_SCOPES.join(" ")}
  (and with --demo: ${DEMO_PROVISIONING_SCOPES.join(" ")}),
from AUTH0_PROVISION_CLIENT_ID and AUTH0_PROVISION_CLIENT_SECRET, or asked for on a terminal.
`;

class UsageError extends Error {}

export interface ProvisionIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether stdout is a terminal: the secret is printed only there. */
  isTerminal: boolean;
  /** Asks on the terminal; absent when there is none. */
  ask?: (question: string) => Promise<string>;
  /** Asks on the terminal without echoing the answer. */
  askSecret?: (question: string) => Promise<string>;
}

async function credentialsFrom(env: NodeJS.ProcessEnv, io: ProvisionIo) {
  let clientId = env.AUTH0_PROVISION_CLIENT_ID?.trim();
  let clientSecret = env.AUTH0_PROVISION_CLIENT_SECRET;
  if ((!clientId || !clientSecret) && io.ask) {
    clientId ||= (await io.ask("Client ID of the provisioning application: ")).trim();
    clientSecret ||= await (io.askSecret ?? io.ask)("Its client secret (not shown): ");
  }
  if (!clientId || !clientSecret) {
    throw new UsageError(
      "set AUTH0_PROVISION_CLIENT_ID and AUTH0_PROVISION_CLIENT_SECRET (a machine application authorised " +
        "on the Management API), or run on a terminal to be asked",
    );
  }
  return { clientId, clientSecret };
}

function variableLines(variables: GatehouseVariables, withSecret: boolean): string[] {
  return Object.entries(variables)
    .filter(([name]) => withSecret || name !== "AUTH0_CLIENT_SECRET")
    .map(([name, value]) => `${name}=${value}`);
}

/** The command, as a function of its arguments, environment and terminal; the exit code it ends with. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: ProvisionIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        domain: { type: "string" },
        apply: { type: "boolean", default: false },
        demo: { type: "boolean", default: false },
        "write-env": { type: "string" },
        audience: { type: "string" },
        "spa-callback": { type: "string", multiple: true },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.domain) throw new UsageError("--domain is required");
    const credentials = await credentialsFrom(env, io);
    const definition = gatehouseTenant({
      audience: values.audience ?? DEFAULT_AUDIENCE,
      spaCallbacks: values["spa-callback"] ?? DEV_SPA_CALLBACKS,
    });

    const result = await provision({
      domain: values.domain,
      credentials,
      definition,
      ...(values.demo ? { demo: { data: DEMO_DATA, password: SEED_PASSWORD } } : {}),
      apply: values.apply,
      onPlan: (plan) => {
        for (const line of formatPlan(plan)) io.out(line);
      },
      progress: (line) => io.err(line),
    });
    const pending = result.plan.some((entry) => entry.action !== "leave");
    if (!pending) io.out("The tenant already matches the definition.");
    else if (result.applied) io.out("Applied. A second run plans nothing.");
    else io.out("Nothing was changed. Run again with --apply to carry the plan out.");
    const { variables } = result;

    io.out("");
    io.out("Not set by this tool (do it once, by hand):");
    for (const step of MANUAL_STEPS) io.out(`  - ${step}`);
    io.out("");
    const envFile = values["write-env"];
    if (envFile) {
      await writeFile(envFile, `${variableLines(variables, true).join("\n")}\n`, { mode: 0o600 });
      io.out(`Gatehouse's variables, with its secret, are in ${envFile}:`);
      for (const line of variableLines(variables, false)) io.out(`  ${line}`);
    } else {
      io.out("Start Gatehouse with:");
      for (const line of variableLines(variables, io.isTerminal)) io.out(`  ${line}`);
      if (variables.AUTH0_CLIENT_SECRET && !io.isTerminal) {
        io.out(
          "  AUTH0_CLIENT_SECRET is shown only on a terminal; use --write-env PATH to write it to a file",
        );
      }
    }
    if (!variables.AUTH0_CLIENT_ID || !variables.AUTH0_SPA_CLIENT_IDS) {
      io.out("(the applications' ids are known once the plan is applied)");
    } else if (!variables.AUTH0_CLIENT_SECRET) {
      io.out(
        "(AUTH0_CLIENT_SECRET: the provisioning application may not read secrets (read:client_keys); " +
          "copy it from the application's settings)",
      );
    }
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: ProvisionIo): number {
  if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (error instanceof ProvisionError) {
    io.err(error.message);
    return 1;
  }
  if (error instanceof CredentialsRejectedError) {
    io.err(
      `${error.message}: check AUTH0_PROVISION_CLIENT_ID/SECRET, and that the application is authorised ` +
        "on the Management API (Applications > APIs > Auth0 Management API > Machine to Machine Applications)",
    );
    return 1;
  }
  if (error instanceof TokenEndpointUnavailableError) {
    io.err(`${error.message}: is --domain right, and is the tenant reachable?`);
    return 1;
  }
  if (error instanceof ManagementError) {
    // Auth0's own message says which scope was missing or what was refused; nothing secret is in it.
    const body = error.body as { message?: string } | undefined;
    io.err(`The Management API refused a call (${error.statusCode}): ${body?.message ?? error.message}`);
    return 1;
  }
  throw error;
}

/** Questions on the terminal; what is typed after `askSecret`'s question is not echoed. */
function terminalPrompts() {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const readline = createInterface({ input: process.stdin, output, terminal: true });
  return {
    ask: (question: string) => readline.question(question),
    askSecret: async (question: string) => {
      process.stdout.write(question);
      muted = true;
      try {
        return await readline.question("");
      } finally {
        muted = false;
        process.stdout.write("\n");
      }
    },
    close: () => readline.close(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const prompts = process.stdin.isTTY && process.stdout.isTTY ? terminalPrompts() : undefined;
  process.exitCode = await main(process.argv.slice(2), process.env, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    isTerminal: Boolean(process.stdout.isTTY),
    ...(prompts ? { ask: prompts.ask, askSecret: prompts.askSecret } : {}),
  });
  prompts?.close();
}
