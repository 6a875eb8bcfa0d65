/** What kind of caller made a request; the names are the GraphQL `CallerKind` values. */
export type CallerKind = "ANONYMOUS" | "USER" | "TENANT_APP" | "PARTNER";

/**
 * The caller of one request, resolved once from its credentials. Permissions are frozen in the token;
 * the tenant is the one the request acts in (an Auth0 organization id), or null for a platform operator.
 */
export interface Caller {
  kind: CallerKind;
  /** The token's `sub`: a user id, or `<client_id>@clients`. */
  subject: string | null;
  /** The user the request acts for (USER and PARTNER). */
  userId: string | null;
  /** The SPA, the tenant's app, or the partner. */
  clientId: string | null;
  tenantId: string | null;
  permissions: ReadonlySet<string>;
  /**
   * Why every protected field is refused to this caller, whatever the permissions (a partner whose
   * integration is not enabled in the tenant); null for a caller served normally.
   */
  denial: string | null;
}

export const ANONYMOUS_CALLER: Caller = Object.freeze({
  kind: "ANONYMOUS",
  subject: null,
  userId: null,
  clientId: null,
  tenantId: null,
  permissions: new Set<string>(),
  denial: null,
});

export function hasPermission(caller: Caller, permission: string): boolean {
  return caller.permissions.has(permission);
}

/** Whether the caller may act in a tenant: their own, or any with `read:tenants` (platform operators). */
export function canSeeTenant(caller: Caller, tenantId: string): boolean {
  return caller.tenantId === tenantId || hasPermission(caller, "read:tenants");
}
