import type { Permission } from "../authz/vocabulary.js";

/**
 * The demo data of a development tenant: two customer organizations with their users and back ends, a
 * consultant in both, a platform operator, and a third-party partner. None of it is something Gatehouse
 * needs of a tenant (that is src/auth0/tenant-definition.ts); it is what `npm start` and the tests log in
 * as. Every user's password is SEED_PASSWORD and every secret is published here: development only.
 */
export interface DemoData {
  users: readonly DemoUser[];
  organizations: readonly DemoOrganization[];
  /** Customers' machine clients, each bound to its organization (client metadata `tenant_id`). */
  backEnds: readonly DemoClient[];
  /** Third-party applications acting for users, with consent. */
  partners: readonly DemoPartner[];
}

export interface DemoUser {
  id: string;
  email: string;
  name: string;
  /** Tenant-level roles, which count only in logins without an organization (the operator's). */
  roles?: readonly string[];
}

export interface DemoOrganization {
  id: string;
  name: string;
  displayName: string;
  plan: string;
  /** user id → the member's roles (names of the definition's roles) in this organization. */
  members: Record<string, readonly string[]>;
}

export interface DemoClient {
  clientId: string;
  clientSecret: string;
  name: string;
  organization: string;
  permissions: readonly Permission[];
}

export interface DemoPartner {
  clientId: string;
  clientSecret: string;
  name: string;
  description: string;
  callbacks: readonly string[];
  logoUri: string;
  /** What it may ask users to consent to. */
  permissions: readonly Permission[];
}

/** A partner as an Auth0 application: a third-party regular web app that users log in to and consent to. */
export function partnerApplication(partner: DemoPartner) {
  return {
    name: partner.name,
    description: partner.description,
    app_type: "regular_web" as const,
    is_first_party: false,
    grant_types: ["authorization_code", "refresh_token"],
    callbacks: [...partner.callbacks],
    logo_uri: partner.logoUri,
    client_metadata: { gatehouse_partner: "true" } as Record<string, string>,
  };
}

/** The password of every demo user. */
export const SEED_PASSWORD = "Gatehouse-dev-1";

/** The development tenant's ids and secrets of the definition's applications (Auth0 would assign them). */
export const DEV_SPA_CLIENT_ID = "gatehouse-spa";
export const DEV_SPA_CALLBACKS = ["http://127.0.0.1:4000/callback", "http://localhost:4000/callback"];
export const DEV_SERVER_CLIENT = { clientId: "gatehouse-server", clientSecret: "gatehouse-server-secret" };

export const DEMO_DATA: DemoData = {
  users: [
    { id: "auth0|acme-admin", email: "admin@acme.test", name: "Ada Admin" },
    { id: "auth0|acme-manager", email: "manager@acme.test", name: "Max Manager" },
    { id: "auth0|acme-member", email: "member@acme.test", name: "Mia Member" },
    { id: "auth0|globex-admin", email: "admin@globex.test", name: "Gus Admin" },
    { id: "auth0|globex-member", email: "member@globex.test", name: "Gia Member" },
    { id: "auth0|consultant", email: "consultant@example.test", name: "Cara Consultant" },
    {
      id: "auth0|operator",
      email: "operator@gatehouse.test",
      name: "Olga Operator",
      roles: ["platform-operator"],
    },
  ],
  organizations: [
    {
      id: "org_acme",
      name: "acme",
      displayName: "Acme Corp",
      plan: "pro",
      members: {
        "auth0|acme-admin": ["tenant-admin"],
        "auth0|acme-manager": ["user-manager"],
        "auth0|acme-member": ["member"],
        "auth0|consultant": ["user-manager"],
      },
    },
    {
      id: "org_globex",
      name: "globex",
      displayName: "Globex",
      plan: "free",
      members: {
        "auth0|globex-admin": ["tenant-admin"],
        "auth0|globex-member": ["member"],
        "auth0|consultant": ["member"],
      },
    },
  ],
  backEnds: [
    {
      clientId: "acme-backend",
      clientSecret: "acme-backend-secret",
      name: "Acme back end",
      organization: "org_acme",
      permissions: ["read:users", "create:users"],
    },
    {
      clientId: "globex-backend",
      clientSecret: "globex-backend-secret",
      name: "Globex back end",
      organization: "org_globex",
      permissions: ["read:users", "create:users", "update:users"],
    },
  ],
  partners: [
    {
      clientId: "initech-cms",
      clientSecret: "initech-cms-secret",
      name: "Initech CMS",
      description: "Publishes content on behalf of your users",
      callbacks: ["http://127.0.0.1:4020/callback"],
      logoUri: "https://initech.example/logo.png",
      permissions: ["read:users", "update:users"],
    },
  ],
};
