import type { Management } from "auth0";
import type {
  DirectoryClient,
  DirectoryConsent,
  DirectoryTenant,
  DirectoryUser,
  Timestamp,
} from "../store/directory.js";

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** An Auth0 user as the directory keeps it; `sourceTime` is Auth0's own `updated_at` when it has one. */
export function toDirectoryUser(
  user: Management.UserResponseSchema | Management.GetUserResponseContent | Record<string, unknown>,
  platformRoleNames: string[],
  fallbackTime: Timestamp,
): DirectoryUser {
  const fields = user as Record<string, unknown>;
  return {
    id: String(fields.user_id),
    email: text(fields.email),
    name: text(fields.name),
    picture: text(fields.picture),
    emailVerified: typeof fields.email_verified === "boolean" ? fields.email_verified : null,
    blocked: fields.blocked === true,
    createdAt: text(fields.created_at),
    lastLogin: text(fields.last_login),
    loginsCount: typeof fields.logins_count === "number" ? fields.logins_count : null,
    platformRoleNames: [...platformRoleNames].sort(),
    sourceTime: text(fields.updated_at) ?? fallbackTime,
  };
}

/** An Auth0 organization; organizations carry no `updated_at`, so the time is the caller's. */
export function toDirectoryTenant(
  organization: Management.Organization | Management.GetOrganizationResponseContent | Record<string, unknown>,
  sourceTime: Timestamp,
): DirectoryTenant {
  const fields = organization as Record<string, unknown>;
  const name = String(fields.name);
  return {
    id: String(fields.id),
    name,
    displayName: text(fields.display_name) || name,
    metadata: stringMap(fields.metadata),
    sourceTime,
  };
}

/** The scopes of a client's grants on the Gatehouse API, by kind of grant. */
export interface GrantScopes {
  scopes: string[];
  userScopes: string[];
}

export function toDirectoryClient(
  client: Management.Client | Record<string, unknown>,
  grants: GrantScopes,
  sourceTime: Timestamp,
): DirectoryClient {
  const fields = client as Record<string, unknown>;
  const metadata = stringMap(fields.client_metadata);
  return {
    id: String(fields.client_id),
    name: text(fields.name) ?? String(fields.client_id),
    description: text(fields.description) || null,
    logoUri: text(fields.logo_uri) || null,
    appType: text(fields.app_type),
    isFirstParty: fields.is_first_party !== false,
    metadata,
    tenantId: metadata.tenant_id || null,
    createdAt: text(metadata.created_at) ?? text(fields.created_at),
    scopes: grants.scopes,
    userScopes: grants.userScopes,
    sourceTime,
  };
}

/** Every client grant on the Gatehouse API, folded by client and kind (`client` or `user`). */
export function grantScopesByClient(
  grants: readonly (Management.ClientGrantResponseContent | Record<string, unknown>)[],
): Map<string, GrantScopes> {
  const byClient = new Map<string, GrantScopes>();
  for (const grant of grants as Record<string, unknown>[]) {
    const clientId = String(grant.client_id);
    const entry = byClient.get(clientId) ?? { scopes: [], userScopes: [] };
    const scope = Array.isArray(grant.scope) ? grant.scope.map(String) : [];
    if (grant.subject_type === "user") entry.userScopes = scope;
    else entry.scopes = scope;
    byClient.set(clientId, entry);
  }
  return byClient;
}

/** An Auth0 user grant (consent); Auth0 names its client `clientID`. */
export function toDirectoryConsent(grant: Record<string, unknown>): DirectoryConsent {
  return {
    id: String(grant.id),
    userId: String(grant.user_id),
    clientId: String(grant.clientID ?? grant.client_id),
    scopes: Array.isArray(grant.scope) ? grant.scope.map(String) : [],
    organizationId: text(grant.organization_id),
  };
}
