import type { Management } from "auth0";

/** A tenant as resolvers see it: an Auth0 organization. */
export interface TenantModel {
  id: string;
  name: string;
  displayName: string;
  plan: string | null;
}

/** A user as resolvers see it: the fields of an Auth0 user that Gatehouse exposes. */
export interface UserModel {
  id: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  emailVerified: boolean | null;
  blocked: boolean;
  createdAt: string | null;
  lastLogin: string | null;
  loginsCount: number | null;
  /**
   * The tenant the user is being looked at in (their roles are the ones there): set where the path decides
   * it — a tenant's user list, the caller's own tenant — and found from their memberships where it does not.
   */
  tenantId?: string | null;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function toTenantModel(
  organization: Management.Organization | Management.GetOrganizationResponseContent,
): TenantModel {
  const metadata = (organization.metadata ?? {}) as Record<string, unknown>;
  return {
    id: String(organization.id),
    name: String(organization.name),
    displayName: organization.display_name ?? String(organization.name),
    plan: text(metadata.plan),
  };
}

export function toUserModel(
  user: Management.UserResponseSchema | Management.GetUserResponseContent,
): UserModel {
  return {
    id: String(user.user_id),
    email: text(user.email),
    name: text(user.name),
    picture: text(user.picture),
    emailVerified: typeof user.email_verified === "boolean" ? user.email_verified : null,
    blocked: user.blocked === true,
    createdAt: text(user.created_at),
    lastLogin: text(user.last_login),
    loginsCount: typeof user.logins_count === "number" ? user.logins_count : null,
  };
}

/** A third-party application registered as a Gatehouse partner. */
export interface PartnerModel {
  id: string;
  name: string;
  description: string | null;
  logoUri: string | null;
  /** What it may ask users for: its client grant on the Gatehouse API. */
  scopes: string[];
}

/** A tenant's API key: an Auth0 machine-to-machine application bound to the tenant. */
export interface ApiKeyModel {
  id: string;
  name: string;
  tenantId: string;
  scopes: string[];
  createdAt: string | null;
  createdBy: string | null;
}

/** Marks the applications Gatehouse made as API keys, so a tenant never manages any other client. */
export const API_KEY_MARKER = "gatehouse_api_key";
export const PARTNER_MARKER = "gatehouse_partner";

export function toApiKeyModel(client: Management.Client, scopes: string[]): ApiKeyModel | null {
  const metadata = (client.client_metadata ?? {}) as Record<string, unknown>;
  if (metadata[API_KEY_MARKER] !== "true" || typeof metadata.tenant_id !== "string") return null;
  return {
    id: String(client.client_id),
    name: String(client.name ?? client.client_id),
    tenantId: metadata.tenant_id,
    scopes,
    createdAt: text(metadata.created_at) ?? text((client as { created_at?: unknown }).created_at),
    createdBy: text(metadata.created_by),
  };
}
