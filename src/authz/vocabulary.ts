/**
 * The Gatehouse API's permissions: the scopes of its Auth0 API, in one typed list. Everything that names a
 * permission — the rules, the API's definition in Auth0, the emulator's seed — takes it from here, so a
 * misspelt permission does not compile.
 */
export const PERMISSIONS = [
  "read:users",
  "create:users",
  "update:users",
  "delete:users",
  "read:roles",
  "assign:roles",
  "read:tenant",
  "update:tenant",
  "read:api_keys",
  "manage:api_keys",
  "read:integrations",
  "manage:integrations",
  "read:audit",
  "read:tenants",
  "manage:tenants",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Permissions only platform operators hold: no tenant role, API key or partner ever carries them. */
export const PLATFORM_PERMISSIONS: readonly Permission[] = ["read:tenants", "manage:tenants"];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
