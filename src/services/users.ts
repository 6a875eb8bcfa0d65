import type { Auth0Management } from "../auth0/management.js";
import { statusOf, upstream } from "../auth0/upstream.js";
import { PLATFORM_PERMISSIONS } from "../authz/vocabulary.js";
import { toDirectoryUser } from "../directory/mapping.js";
import type { UserModel } from "../directory/models.js";
import type { DirectorySync } from "../directory/sync.js";
import { badUserInput, notFound } from "../errors.js";
import type { DirectoryRole } from "../store/directory.js";
import type { Store } from "../store/store.js";
import { recordAudit, type Actor } from "./audit.js";
import type { PlanService } from "./plans.js";
import { mirrorInDirectory } from "./write-through.js";

/** The database connection Gatehouse creates users in. */
const USER_CONNECTION = "Username-Password-Authentication";
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;

export interface CreateUser {
  email: string;
  name?: string | null;
  password?: string | null;
  roles?: readonly string[] | null;
  tenantId: string;
}

export interface UpdateUser {
  name?: string | null;
  picture?: string | null;
  email?: string | null;
}

function assertEmail(email: string): void {
  if (email.length > 254 || !EMAIL.test(email))
    throw badUserInput("email is not a valid email address", "email");
}

function assertName(name: string | null | undefined): void {
  if (name != null && (name.trim().length === 0 || name.length > 300)) {
    throw badUserInput("name must be between 1 and 300 characters", "name");
  }
}

/** Auth0's answer to a bad create or update, as input the user can fix; anything else goes up. */
function asUserInputError(error: unknown): unknown {
  const status = statusOf(error);
  if (status === 409) return badUserInput("a user with this email already exists", "email");
  if (status === 400) {
    const message = String((error as { body?: { message?: unknown } }).body?.message ?? "");
    if (message.includes("PasswordStrengthError")) {
      return badUserInput(
        "the password is too weak: use at least 8 characters mixing letters, digits and symbols",
        "password",
      );
    }
    return badUserInput("Auth0 refused this input");
  }
  return error;
}

/** Tenant roles by name; unknown names, and roles that act across tenants, are the caller's input to fix. */
export function tenantRolesNamed(roles: readonly DirectoryRole[], names: readonly string[]): DirectoryRole[] {
  const unknown = names.filter((name) => !roles.some((role) => role.name === name));
  if (unknown.length > 0) throw badUserInput(`unknown role: ${unknown.join(", ")}`, "roles");
  const chosen = roles.filter((role) => names.includes(role.name));
  const platform = chosen.filter((role) =>
    role.permissions.some((permission) => (PLATFORM_PERMISSIONS as readonly string[]).includes(permission)),
  );
  if (platform.length > 0) {
    throw badUserInput(
      `${platform.map((role) => role.name).join(", ")} acts across tenants and is never a tenant role`,
      "roles",
    );
  }
  return chosen;
}

/**
 * Users and their memberships: each change is made in Auth0 first (the source of truth), then mirrored in the
 * directory in the same request, so the writer and every instance sharing the store see it at once.
 */
export class UserService {
  constructor(
    private readonly management: Auth0Management,
    private readonly store: Store,
    private readonly sync: DirectorySync,
    private readonly plans: PlanService,
  ) {}

  private now(): string {
    return new Date().toISOString();
  }

  private async user(id: string, tenantId: string | null): Promise<UserModel> {
    const user = await this.store.directory.findUser(id);
    if (!user) throw notFound("User");
    return { ...user, tenantId };
  }

  /** Writes Auth0's answer for a user to the directory (their platform roles are not in it, so kept). */
  private async mirrorUser(auth0User: Record<string, unknown>): Promise<void> {
    const userId = String(auth0User.user_id);
    await mirrorInDirectory(
      `user ${userId}`,
      async () => {
        const existing = await this.store.directory.findUser(userId);
        await this.store.directory.upsertUser(
          toDirectoryUser(auth0User, existing?.platformRoleNames ?? [], this.now()),
        );
      },
      () => this.sync.repairUser(userId),
    );
  }

  /** The member's roles after a change Auth0 has made, from what the directory held before it. */
  private async mirrorMemberRoles(
    tenantId: string,
    userId: string,
    change: (current: readonly string[]) => string[],
  ): Promise<void> {
    await mirrorInDirectory(
      `the membership of ${userId} in ${tenantId}`,
      async () => {
        const current = await this.store.directory.findMembership(tenantId, userId);
        await this.store.directory.upsertMembership({
          tenantId,
          userId,
          roleNames: change(current?.roleNames ?? []).sort(),
          sourceTime: this.now(),
        });
      },
      () => this.sync.repairMembership(tenantId, userId),
    );
  }

  async createUser(actor: Actor, input: CreateUser): Promise<UserModel> {
    assertEmail(input.email);
    assertName(input.name);
    if (!(await this.store.directory.findTenant(input.tenantId)))
      throw badUserInput("no tenant has this id", "tenantId");
    const roles = tenantRolesNamed(await this.store.directory.listRoles(), input.roles ?? []);
    // The seat is reserved before the Auth0 call and counted by the membership once it is in the directory.
    const userId = await this.plans.withinQuota(input.tenantId, "seats", () =>
      this.createMember(actor, input, roles),
    );
    await recordAudit(this.store, actor, {
      tenantId: input.tenantId,
      action: "user.created",
      target: userId,
      details: { roles: roles.map((role) => role.name) },
    });
    return this.user(userId, input.tenantId);
  }

  /** Creates the user in Auth0 as a member of the tenant with the roles, and mirrors both in the directory. */
  private async createMember(actor: Actor, input: CreateUser, roles: DirectoryRole[]): Promise<string> {
    const created = await upstream(() =>
      this.management.users.create({
        connection: USER_CONNECTION,
        email: input.email,
        ...(input.name ? { name: input.name } : {}),
        // Without a password the user gets a random one and signs in after a password reset.
        password: input.password ?? `${crypto.randomUUID()}-Aa1!`,
        email_verified: false,
        app_metadata: { created_by: actor.caller.subject },
      }),
    ).catch((error: unknown) => {
      throw asUserInputError(error);
    });
    const userId = String(created.user_id);
    try {
      await upstream(() =>
        this.management.organizations.members.create(input.tenantId, { members: [userId] }),
      );
      if (roles.length > 0) {
        await upstream(() =>
          this.management.organizations.members.roles.assign(input.tenantId, userId, {
            roles: roles.map((role) => role.id),
          }),
        );
      }
    } catch (error) {
      // No half-made user: one who is in no tenant, or lacks the roles asked for, is removed again.
      await this.management.users.delete(userId).catch((cleanupError: unknown) => {
        console.error(`createUser: could not remove the half-created user ${userId}`, statusOf(cleanupError));
      });
      throw error;
    }
    await this.mirrorUser(created as Record<string, unknown>);
    await mirrorInDirectory(
      `the membership of ${userId} in ${input.tenantId}`,
      () =>
        this.store.directory.upsertMembership({
          tenantId: input.tenantId,
          userId,
          roleNames: roles.map((role) => role.name).sort(),
          sourceTime: this.now(),
        }),
      () => this.sync.repairMembership(input.tenantId, userId),
    );
    return userId;
  }

  async updateUser(actor: Actor, id: string, tenantId: string | null, input: UpdateUser): Promise<UserModel> {
    const changes: { name?: string; picture?: string; email?: string; connection?: string } = {};
    if (input.name != null) {
      assertName(input.name);
      changes.name = input.name;
    }
    if (input.picture != null) {
      if (!/^https:\/\/\S{1,2000}$/.test(input.picture))
        throw badUserInput("picture must be an https URL", "picture");
      changes.picture = input.picture;
    }
    if (input.email != null) {
      assertEmail(input.email);
      changes.email = input.email;
      changes.connection = USER_CONNECTION;
    }
    if (Object.keys(changes).length === 0) throw badUserInput("give at least one of name, picture, email");
    const updated = await upstream(() => this.management.users.update(id, changes)).catch(
      (error: unknown) => {
        throw asUserInputError(error);
      },
    );
    await this.mirrorUser(updated as Record<string, unknown>);
    await recordAudit(this.store, actor, {
      tenantId,
      action: "user.updated",
      target: id,
      details: { fields: Object.keys(changes).filter((field) => field !== "connection") },
    });
    return this.user(id, tenantId);
  }

  async setBlocked(actor: Actor, id: string, tenantId: string | null, blocked: boolean): Promise<UserModel> {
    const updated = await upstream(() => this.management.users.update(id, { blocked }));
    await this.mirrorUser(updated as Record<string, unknown>);
    await recordAudit(this.store, actor, {
      tenantId,
      action: blocked ? "user.blocked" : "user.unblocked",
      target: id,
    });
    return this.user(id, tenantId);
  }

  async deleteUser(actor: Actor, id: string, tenantId: string | null): Promise<string> {
    await upstream(() => this.management.users.delete(id));
    await mirrorInDirectory(
      `the deletion of ${id}`,
      () => this.store.directory.deleteUser(id, this.now()),
      () => this.sync.repairUser(id),
    );
    await recordAudit(this.store, actor, { tenantId, action: "user.deleted", target: id });
    return id;
  }

  async removeFromTenant(actor: Actor, tenantId: string, userId: string): Promise<string> {
    await upstream(() => this.management.organizations.members.delete(tenantId, { members: [userId] }));
    await mirrorInDirectory(
      `the end of ${userId}'s membership of ${tenantId}`,
      () => this.store.directory.removeMembership(tenantId, userId, this.now()),
      () => this.sync.repairMembership(tenantId, userId),
    );
    await recordAudit(this.store, actor, { tenantId, action: "user.removed_from_tenant", target: userId });
    return userId;
  }

  assignRoles(actor: Actor, tenantId: string, userId: string, names: readonly string[]): Promise<UserModel> {
    return this.changeMemberRoles(actor, tenantId, userId, names, "assigned");
  }

  removeRoles(actor: Actor, tenantId: string, userId: string, names: readonly string[]): Promise<UserModel> {
    return this.changeMemberRoles(actor, tenantId, userId, names, "removed");
  }

  private async changeMemberRoles(
    actor: Actor,
    tenantId: string,
    userId: string,
    names: readonly string[],
    change: "assigned" | "removed",
  ): Promise<UserModel> {
    const roles = tenantRolesNamed(await this.store.directory.listRoles(), names);
    if (roles.length === 0) return this.user(userId, tenantId);
    const request = { roles: roles.map((role) => role.id) };
    const memberRoles = this.management.organizations.members.roles;
    await upstream(() =>
      change === "assigned"
        ? memberRoles.assign(tenantId, userId, request)
        : memberRoles.delete(tenantId, userId, request),
    ).catch((error: unknown) => {
      // Auth0 refuses a member more than 50 roles in one organization.
      throw change === "assigned" && statusOf(error) === 400
        ? badUserInput("Auth0 refused these roles: a member holds at most 50 roles in a tenant", "roles")
        : error;
    });
    const named = roles.map((role) => role.name);
    await this.mirrorMemberRoles(tenantId, userId, (current) =>
      change === "assigned"
        ? [...new Set([...current, ...named])]
        : current.filter((name) => !named.includes(name)),
    );
    await recordAudit(this.store, actor, {
      tenantId,
      action: `user.roles_${change}`,
      target: userId,
      details: { roles: named },
    });
    return this.user(userId, tenantId);
  }
}
