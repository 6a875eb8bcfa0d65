// The seeded identities as people think of them, for the playground's switcher and the authorization matrix.
// The one module that reads the development seed (src/dev/emulator-seed.ts: the tenant definition plus the
// demo data) for them.
import type { EmulatorSeed } from "@gatehouse/auth0-emulator";
import { SEED_PASSWORD } from "./demo-seed.js";
import { emulatorSeed } from "./emulator-seed.js";
import type { CallerKind } from "../caller/caller.js";
import { IdentityLoginRefused } from "../http/playground.js";
import { clientCredentialsToken, LoginError, organizationLogin } from "./login.js";

/** How an identity gets its token from the emulator: the same flows real callers use. */
export type IdentityLogin =
  | { flow: "none" }
  /** Authorization code + PKCE through the SPA, in the organization (none: a login without one). */
  | { flow: "organization-login"; email: string; organization: string | null }
  /** A tenant's back end: the client-credentials grant with its API key. */
  | { flow: "client-credentials"; clientId: string }
  /** A partner acting for a user: the user logs in through their organization and consents. */
  | { flow: "partner-consent"; partnerId: string; email: string; organization: string };

export interface SeededIdentity {
  /** Stable, URL-safe: `POST /__dev/identities/:id/token`. */
  id: string;
  label: string;
  kind: CallerKind;
  login: IdentityLogin;
}

/** Where the SPA's login comes back to: one of the seeded SPA's callbacks; nothing listens there. */
const SPA_CALLBACK = "http://127.0.0.1:4000/callback";

export const SEEDED_IDENTITIES: readonly SeededIdentity[] = [
  { id: "anonymous", label: "Anonymous", kind: "ANONYMOUS", login: { flow: "none" } },
  {
    id: "ada-admin",
    label: "Ada Admin — Acme, tenant-admin",
    kind: "USER",
    login: { flow: "organization-login", email: "admin@acme.test", organization: "org_acme" },
  },
  {
    id: "max-manager",
    label: "Max Manager — Acme, user-manager",
    kind: "USER",
    login: { flow: "organization-login", email: "manager@acme.test", organization: "org_acme" },
  },
  {
    id: "mia-member",
    label: "Mia Member — Acme, member",
    kind: "USER",
    login: { flow: "organization-login", email: "member@acme.test", organization: "org_acme" },
  },
  {
    id: "cara-consultant",
    label: "Cara Consultant — in Globex",
    kind: "USER",
    login: { flow: "organization-login", email: "consultant@example.test", organization: "org_globex" },
  },
  {
    id: "acme-backend",
    label: "Acme back end (API key)",
    kind: "TENANT_APP",
    login: { flow: "client-credentials", clientId: "acme-backend" },
  },
  {
    id: "initech-for-mia",
    label: "Initech CMS acting for Mia — Acme",
    kind: "PARTNER",
    login: {
      flow: "partner-consent",
      partnerId: "initech-cms",
      email: "member@acme.test",
      organization: "org_acme",
    },
  },
  {
    id: "olga-operator",
    label: "Olga Operator",
    kind: "USER",
    login: { flow: "organization-login", email: "operator@gatehouse.test", organization: null },
  },
];

export function findIdentity(id: string): SeededIdentity | undefined {
  return SEEDED_IDENTITIES.find((identity) => identity.id === id);
}

/** The seed as the matrix needs it: each role's permissions, each machine client's granted scopes. */
export interface SeedFacts {
  roles: { name: string; description: string; permissions: string[] }[];
  /** Roles by user id, as organization member roles in a tenant (or tenant-level roles for no tenant). */
  rolesOf(userId: string, tenantId: string | null): string[];
  userIdOf(email: string): string;
  /** The scopes of a client's grant on the Gatehouse API. */
  grantedScopes(clientId: string): string[];
  clientName(clientId: string): string;
}

/** The development seed in Auth0's field names; the issuer only shapes the Management API's audience. */
function seed(): EmulatorSeed {
  const source = emulatorSeed();
  const issuer = "http://seed.invalid/";
  return typeof source === "function" ? source({ issuer, managementAudience: `${issuer}api/v2/` }) : source;
}

/** The seed's roles and grants on the Gatehouse API (the seed's own, whatever AUTH0_AUDIENCE says). */
export function seedFacts(): SeedFacts {
  const {
    apis = [],
    roles = [],
    users = [],
    userRoles = {},
    clients = [],
    clientGrants = [],
    organizations = [],
  } = seed();
  const api = apis[0]?.identifier;
  const roleName = (id: string) => roles.find((role) => role.id === id)?.name ?? id;
  return {
    roles: roles.map((role) => ({
      name: role.name,
      description: role.description ?? "",
      permissions: [...((api && role.permissions[api]) ?? [])],
    })),
    rolesOf: (userId, tenantId) =>
      (tenantId
        ? (organizations.find((organization) => organization.id === tenantId)?.members?.[userId] ?? [])
        : (userRoles[userId] ?? [])
      ).map(roleName),
    userIdOf(email) {
      const user = users.find((candidate) => candidate.email === email);
      if (!user) throw new Error(`no seeded user ${email}`);
      return user.user_id;
    },
    grantedScopes: (clientId) =>
      clientGrants
        .filter((grant) => grant.client_id === clientId && grant.audience === api)
        .flatMap((grant) => grant.scope),
    clientName: (clientId) => clients.find((client) => client.client_id === clientId)?.name ?? clientId,
  };
}

function clientSecretOf(clientId: string): string {
  const secret = seed().clients?.find((client) => client.client_id === clientId)?.client_secret;
  if (!secret) throw new Error(`the seeded client ${clientId} has no secret`);
  return secret;
}

/** The seeded partner's callback: its login comes back there; nothing listens, the code is read off it. */
function callbackOf(clientId: string): string {
  const callback = seed().clients?.find((client) => client.client_id === clientId)?.callbacks?.[0];
  if (!callback) throw new Error(`the seeded client ${clientId} has no callback`);
  return callback;
}

/**
 * A fresh access token for a seeded identity, through the real flows against the emulator; null for
 * Anonymous. Throws `LoginError` when the emulator refuses (a user blocked or deleted since the seed).
 */
export async function tokenForIdentity(
  identity: SeededIdentity,
  auth0: { issuer: string; audience: string },
): Promise<string | null> {
  const { login } = identity;
  switch (login.flow) {
    case "none":
      return null;
    case "organization-login": {
      const tokens = await organizationLogin({
        ...auth0,
        clientId: "gatehouse-spa",
        callback: SPA_CALLBACK,
        email: login.email,
        password: SEED_PASSWORD,
        scope: "openid profile email",
        ...(login.organization ? { organization: login.organization } : {}),
      });
      return tokens.access_token;
    }
    case "client-credentials": {
      const tokens = await clientCredentialsToken({
        ...auth0,
        clientId: login.clientId,
        clientSecret: clientSecretOf(login.clientId),
      });
      return tokens.access_token;
    }
    case "partner-consent": {
      const tokens = await organizationLogin({
        ...auth0,
        clientId: login.partnerId,
        clientSecret: clientSecretOf(login.partnerId),
        callback: callbackOf(login.partnerId),
        email: login.email,
        password: SEED_PASSWORD,
        // What the partner asks for: everything its grant allows; Gatehouse narrows it to what the user holds.
        scope: ["openid", "profile", "email", ...seedFacts().grantedScopes(login.partnerId)].join(" "),
        organization: login.organization,
        consent: "accept",
      });
      return tokens.access_token;
    }
  }
}

/** The playground's development identities (`DevIdentities` of src/http/playground.ts) against the emulator. */
export function devIdentities(auth0: { issuer: string; audience: string }) {
  return {
    list: SEEDED_IDENTITIES,
    async authorizationFor(id: string): Promise<string | null | undefined> {
      const identity = findIdentity(id);
      if (!identity) return undefined;
      const token = await tokenForIdentity(identity, auth0).catch((error: unknown) => {
        if (error instanceof LoginError) throw new IdentityLoginRefused(error.message, { cause: error });
        throw error;
      });
      return token === null ? null : `Bearer ${token}`;
    },
  };
}
