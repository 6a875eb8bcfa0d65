import type { NativeApiKey } from "../store/api-keys.js";
import type { DirectoryClient, DirectoryTenant, DirectoryUser } from "../store/directory.js";

/** A tenant as resolvers see it: an Auth0 organization, from the directory. */
export interface TenantModel {
  id: string;
  name: string;
  displayName: string;
}

/**
 * A user as resolvers see it, from the directory, with the tenant they are being looked at in (their roles
 * are the ones there): set where the path decides it — a tenant's user list, the caller's own tenant — and
 * found from their memberships where it does not.
 */
/**
 * A user as the API shows them: `tenantId` is the tenant they are looked at in, when the query said (a tenant's
 * user list); `memberRoleNames` their roles there, when the list read them with the page.
 */
export type UserModel = DirectoryUser & { tenantId?: string | null; memberRoleNames?: string[] };

/** A third-party application registered as a Gatehouse partner. */
export interface PartnerModel {
  id: string;
  name: string;
  description: string | null;
  logoUri: string | null;
  /** What it may ask users for: its `user` client grant on the Gatehouse API. */
  scopes: string[];
}

/**
 * A tenant's API key: Gatehouse's own (NATIVE, in the store) or an Auth0 machine-to-machine application bound
 * to the tenant (AUTH0_APPLICATION, in the directory).
 */
export interface ApiKeyModel {
  id: string;
  kind: "NATIVE" | "AUTH0_APPLICATION";
  name: string;
  tenantId: string;
  scopes: string[];
  createdAt: string | null;
  createdBy: string | null;
  prefix: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** Marks the applications Gatehouse made as API keys, so a tenant never manages any other client. */
export const API_KEY_MARKER = "gatehouse_api_key";
export const PARTNER_MARKER = "gatehouse_partner";

export function toTenantModel(tenant: DirectoryTenant): TenantModel {
  return {
    id: tenant.id,
    name: tenant.name,
    displayName: tenant.displayName,
  };
}

export function isPartner(client: DirectoryClient): boolean {
  return !client.isFirstParty && client.metadata[PARTNER_MARKER] === "true";
}

export function toPartnerModel(client: DirectoryClient): PartnerModel {
  return {
    id: client.id,
    name: client.name,
    description: client.description,
    logoUri: client.logoUri,
    scopes: client.userScopes,
  };
}

export function toApiKeyModel(client: DirectoryClient): ApiKeyModel | null {
  if (client.metadata[API_KEY_MARKER] !== "true" || !client.tenantId) return null;
  return {
    id: client.id,
    name: client.name,
    tenantId: client.tenantId,
    scopes: client.scopes,
    createdAt: client.createdAt,
    createdBy: client.metadata.created_by || null,
    kind: "AUTH0_APPLICATION",
    prefix: null,
    expiresAt: null,
    lastUsedAt: null,
  };
}

export function nativeApiKeyModel(key: NativeApiKey): ApiKeyModel {
  return {
    id: key.id,
    kind: "NATIVE",
    name: key.name,
    tenantId: key.tenantId,
    scopes: key.scopes,
    createdAt: key.createdAt,
    createdBy: key.createdBy,
    prefix: key.prefix,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
  };
}
