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
