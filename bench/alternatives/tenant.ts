// The tenant every contender serves: Acme filled up to 50 members through the Management API, then read back
// from Auth0 and mapped by Gatehouse's own directory mapping, so the rows the in-memory contenders hold are
// the rows Gatehouse's directory imports.
import { toDirectoryTenant, toDirectoryUser } from "../../src/directory/mapping.js";
import type { DirectoryRole, DirectoryTenant, DirectoryUser } from "../../src/store/directory.js";
import type { managementApi } from "../support.js";

type ManagementCall = Awaited<ReturnType<typeof managementApi>>;

export const TENANT_ID = "org_acme";
export const TENANT_SIZE = 50;
/** A member of Acme who holds no role there: every protected field is refused to them. */
export const ROLELESS_EMAIL = "no-role@acme.test";
export const BENCH_PASSWORD = "Str0ng-Passw0rd!";

/** Plain JSON (it crosses to the contenders' processes): a tenant, its members and their roles there. */
export interface TenantRows {
  tenant: DirectoryTenant;
  /** Ordered by user id, as the directory lists a tenant's members. */
  users: DirectoryUser[];
  /** Each member's organization role names in the tenant, sorted. */
  roleNames: Record<string, string[]>;
  roles: DirectoryRole[];
}

/** What the query every contender answers: a tenant's 50 users with a guarded field or three each. */
export const USERS_QUERY = "{ users(first: 50) { nodes { id name email roles lastLogin } } }";

interface Member {
  user_id: string;
  roles?: { id: string; name: string }[];
}

async function membersOf(call: ManagementCall, tenantId: string): Promise<Member[]> {
  const members: Member[] = [];
  for (let page = 0; ; page += 1) {
    const batch = await call<Member[]>(
      "GET",
      `/organizations/${tenantId}/members?fields=user_id,roles&per_page=100&page=${page}`,
    );
    members.push(...batch);
    if (batch.length < 100) return members;
  }
}

/**
 * Adds members to Acme until it has TENANT_SIZE: one with no role (ROLELESS_EMAIL), the rest `member`s, each
 * with a password so that they can log in. Rate limits should be off while it runs.
 */
export async function fillTenant(call: ManagementCall): Promise<void> {
  const existing = await membersOf(call, TENANT_ID);
  const missing = TENANT_SIZE - existing.length;
  if (missing <= 0) return;
  const roles = await call<{ id: string; name: string }[]>("GET", "/roles");
  const member = roles.find((role) => role.name === "member")?.id;
  if (!member) throw new Error("the emulator's seed has no member role");
  const created = [];
  // A few at a time: the emulator hashes every password.
  for (let from = 0; from < missing; from += 10) {
    const batch = Array.from({ length: Math.min(10, missing - from) }, (_, offset) => from + offset);
    created.push(
      ...(await Promise.all(
        batch.map((index) =>
          call<{ user_id: string }>("POST", "/users", {
            connection: "Username-Password-Authentication",
            user_id: `bench-${String(index).padStart(3, "0")}`,
            email: index === 0 ? ROLELESS_EMAIL : `bench${index}@acme.test`,
            name: index === 0 ? "Nora No-Role" : `Bench User ${index}`,
            password: BENCH_PASSWORD,
          }),
        ),
      )),
    );
  }
  const ids = created.map((user) => user.user_id);
  await call("POST", `/organizations/${TENANT_ID}/members`, { members: ids });
  for (const userId of ids.slice(1)) {
    await call("POST", `/organizations/${TENANT_ID}/members/${encodeURIComponent(userId)}/roles`, {
      roles: [member],
    });
  }
}

/** Acme as Auth0 holds it now, mapped as the directory maps it. Rate limits should be off while it runs. */
export async function snapshotTenant(call: ManagementCall): Promise<TenantRows> {
  const now = new Date().toISOString();
  const members = await membersOf(call, TENANT_ID);
  const users = await Promise.all(
    members.map(async (member) =>
      toDirectoryUser(
        await call<Record<string, unknown>>("GET", `/users/${encodeURIComponent(member.user_id)}`),
        [],
        now,
      ),
    ),
  );
  const roles = await call<{ id: string; name: string; description?: string }[]>("GET", "/roles");
  const withPermissions = await Promise.all(
    roles.map(async (role) => ({
      id: role.id,
      name: role.name,
      description: role.description ?? "",
      permissions: (
        await call<{ permission_name: string }[]>("GET", `/roles/${role.id}/permissions?per_page=100`)
      ).map((permission) => permission.permission_name),
    })),
  );
  return {
    tenant: toDirectoryTenant(await call("GET", `/organizations/${TENANT_ID}`), now),
    users: users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    roleNames: Object.fromEntries(
      members.map((member) => [member.user_id, (member.roles ?? []).map((role) => role.name).sort()]),
    ),
    roles: withPermissions,
  };
}
