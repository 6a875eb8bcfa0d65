import { exchangeClientCredentials, type ExchangedToken } from "../auth0/client-credentials.js";
import type { TenantDefinition } from "../auth0/tenant-definition.js";
import type { DemoData } from "../dev/demo-seed.js";
import { knownIds, planTenant, ProvisionError, type FieldChange, type PlanStep } from "./plan.js";
import { provisioningApi, readTenantState } from "./tenant-state.js";

/** The Management API scopes the provisioning application needs (`--demo` needs the second list too). */
export const PROVISIONING_SCOPES = [
  "read:resource_servers",
  "create:resource_servers",
  "update:resource_servers",
  "read:roles",
  "create:roles",
  "update:roles",
  "read:clients",
  "create:clients",
  "update:clients",
  "read:client_keys",
  "read:client_grants",
  "create:client_grants",
  "update:client_grants",
  "read:organizations",
  "update:organizations",
] as const;
export const DEMO_PROVISIONING_SCOPES = [
  "read:users",
  "create:users",
  "update:users",
  "create:organizations",
  "read:organization_members",
  "create:organization_members",
  "read:organization_member_roles",
  "create:organization_member_roles",
] as const;

/**
 * What the provisioner does not set, and how to do it by hand. Everything of the definition goes through
 * the Management API; these are settings of Auth0 objects it does not manage (connections).
 */
export const MANUAL_STEPS = [
  "Connections are not managed: in Authentication > Database > Username-Password-Authentication " +
    "(or your connection) > Applications, enable the SPA and any partner application, and in Organizations > " +
    "<each organization> > Connections, enable that connection so members can log in through it.",
  "Partners (third-party applications) log users in only through a domain-level connection: set " +
    "is_domain_connection on that connection (PATCH /api/v2/connections/{id}, or the connection's settings page).",
  "The SPA's Allowed Web Origins and Allowed Logout URLs are your front end's: set them in Applications > " +
    "<the SPA> > Settings.",
];

/** The environment Gatehouse starts with against this tenant. */
export interface GatehouseVariables {
  AUTH0_DOMAIN: string;
  AUTH0_AUDIENCE: string;
  AUTH0_CLIENT_ID?: string;
  /** Absent when the provisioning application may not read secrets and did not create the application. */
  AUTH0_CLIENT_SECRET?: string;
  AUTH0_SPA_CLIENT_IDS?: string;
}

export interface ProvisionOptions {
  /** As given on the command line: `tenant.eu.auth0.com`, or `http://127.0.0.1:PORT` for a local emulator. */
  domain: string;
  credentials: { clientId: string; clientSecret: string };
  definition: TenantDefinition;
  /** The demo data to create too (a development tenant), with the demo users' password. */
  demo?: { data: DemoData; password: string };
  apply: boolean;
  /** Shown the plan before anything is applied. */
  onPlan?: (plan: readonly PlanStep[]) => void;
  /** A line per step of the run. */
  progress: (line: string) => void;
}

export interface ProvisionResult {
  plan: PlanStep[];
  applied: boolean;
  variables: GatehouseVariables;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * `tenant.eu.auth0.com` → `https://tenant.eu.auth0.com/`. Plain http only to a loopback address, where a
 * local emulator listens: a real tenant's credentials never travel unencrypted.
 */
export function issuerOf(domain: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(domain) ? domain : `https://${domain}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ProvisionError(`--domain must be a domain such as your-tenant.eu.auth0.com, got "${domain}"`);
  }
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new ProvisionError(`--domain must be a bare domain without a path, got "${domain}"`);
  }
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ProvisionError(
      `--domain may use http only on a loopback address (a local emulator), got "${domain}"`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProvisionError(`--domain must be an https domain, got "${domain}"`);
  }
  return `${url.origin}/`;
}

/** One token for the run, exchanged again shortly before it expires. */
function tokenSupplier(issuer: string, credentials: ProvisionOptions["credentials"]): () => Promise<string> {
  let token: ExchangedToken | undefined;
  return async () => {
    if (!token || token.expiresAt - 60_000 <= Date.now()) {
      token = await exchangeClientCredentials(issuer, { ...credentials, audience: `${issuer}api/v2/` });
    }
    return token.accessToken;
  };
}

/** Reads the tenant, plans, and with `apply` carries the plan out, step by step in order. */
export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const issuer = issuerOf(options.domain);
  const api = provisioningApi(issuer, tokenSupplier(issuer, options.credentials));
  const { definition, progress } = options;
  const state = await readTenantState(api, {
    audience: definition.api.identifier,
    managementAudience: `${issuer}api/v2/`,
    ...(options.demo ? { demo: options.demo.data } : {}),
    progress,
  });
  const plan = planTenant(state, definition, {
    ...(options.demo ? { demo: options.demo.data, demoPassword: options.demo.password } : {}),
  });
  const ids = knownIds(state, definition, options.demo?.data);

  options.onPlan?.(plan);
  const pending = plan.filter((entry) => entry.action !== "leave");
  if (options.apply) {
    for (const [index, entry] of pending.entries()) {
      progress(`[${index + 1}/${pending.length}] ${entry.action} ${entry.subject}`);
      await entry.apply?.(api, ids);
    }
  }

  const variables: GatehouseVariables = {
    AUTH0_DOMAIN: options.domain.replace(/\/$/, ""),
    AUTH0_AUDIENCE: definition.api.identifier,
    ...(ids.server ? { AUTH0_CLIENT_ID: ids.server.clientId } : {}),
    ...(ids.server?.clientSecret ? { AUTH0_CLIENT_SECRET: ids.server.clientSecret } : {}),
    ...(ids.spaClientId ? { AUTH0_SPA_CLIENT_IDS: ids.spaClientId } : {}),
  };
  return { plan, applied: options.apply && pending.length > 0, variables };
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(String).join(", ");
  return JSON.stringify(value);
}

function formatChange(change: FieldChange): string {
  if (change.from === undefined) return `${change.field}: ${formatValue(change.to)}`;
  if (Array.isArray(change.from) && Array.isArray(change.to)) {
    const from = change.from.map(String);
    const to = change.to.map(String);
    const added = to.filter((value) => !from.includes(value)).map((value) => `+ ${value}`);
    const removed = from.filter((value) => !to.includes(value)).map((value) => `- ${value}`);
    return `${change.field}: ${[...added, ...removed].join(", ")}`;
  }
  return `${change.field}: ${formatValue(change.from)} → ${formatValue(change.to)}`;
}

const SYMBOLS = { create: "+ create", change: "~ change", leave: "= leave " } as const;

/** The plan as the terminal shows it: one line per object, an indented line per field it sets. */
export function formatPlan(plan: readonly PlanStep[]): string[] {
  const lines = plan.flatMap((entry) => [
    `${SYMBOLS[entry.action]} ${entry.subject}`,
    ...entry.changes.map((change) => `      ${formatChange(change)}`),
  ]);
  const count = (action: PlanStep["action"]) => plan.filter((entry) => entry.action === action).length;
  lines.push(`Plan: ${count("create")} to create, ${count("change")} to change, ${count("leave")} to leave.`);
  return lines;
}
