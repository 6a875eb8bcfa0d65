import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, ManagementError, notFound } from "../errors.js";
import type { StoredClientGrant, StoredOrganization } from "../model.js";
import { newId } from "../store.js";
import { requireScopes } from "./auth.js";
import { checkpointPage, offsetPage, selectFields, wantsCheckpoint, type Query } from "./paging.js";
import {
  invalidPayload,
  mergeStringMap,
  optionalEnum,
  optionalString,
  optionalStringMap,
  payloadOf,
  requiredIdList,
  requiredString,
} from "./payload.js";

type OrganizationRoute = { Params: { id: string } };
type MemberRoute = { Params: { id: string; user_id: string } };
type OrganizationClientGrantRoute = { Params: { id: string; grant_id: string } };

/** Auth0's organization names: lowercase letters, digits, `-` and `_`, starting and ending alphanumeric. */
const ORGANIZATION_NAME = /^[a-z0-9](?:[a-z0-9\-_]*[a-z0-9])?$/;
const NAME_MAX_LENGTH = 50;
const THIRD_PARTY_CLIENT_ACCESS = ["allow", "block"] as const;
/** Auth0's entity limit: "Role assignments per organization member: 50". */
const MEMBER_ROLES_MAX = 50;

function noSuchOrganization(): ManagementError {
  return notFound("No organization found by that id or name", "inexistent_organization");
}

function toOrganization(org: StoredOrganization): Management.GetOrganizationResponseContent {
  return {
    id: org.id,
    name: org.name,
    ...(org.display_name ? { display_name: org.display_name } : {}),
    metadata: { ...org.metadata },
    third_party_client_access: org.third_party_client_access,
  };
}

/** An organization as `organization.*` events carry it (the SDK's `EventStreamCloudEventOrgCreatedObject`). */
function toEventOrganization(org: StoredOrganization): Record<string, unknown> {
  return {
    id: org.id,
    name: org.name,
    ...(org.display_name ? { display_name: org.display_name } : {}),
    metadata: { ...org.metadata },
  };
}

/** A client grant as the organization's list shows it: Auth0 leaves `subject_type` out there. */
function toOrganizationClientGrant(grant: StoredClientGrant): Management.OrganizationClientGrant {
  return {
    id: grant.id,
    client_id: grant.client_id,
    audience: grant.audience,
    scope: [...grant.scope],
    ...(grant.organization_usage ? { organization_usage: grant.organization_usage } : {}),
    ...(grant.allow_any_organization === undefined
      ? {}
      : { allow_any_organization: grant.allow_any_organization }),
  };
}

function validName(name: string): string {
  if (name.length === 0 || name.length > NAME_MAX_LENGTH || !ORGANIZATION_NAME.test(name)) {
    invalidPayload(`String does not match pattern ${ORGANIZATION_NAME.source}: ${name}`, "name");
  }
  return name;
}

/** Applies `fn` to the items of a page, whichever shape the paging gave it (bare array or object). */
function mapPageItems<T, U>(page: unknown, key: string, fn: (item: T) => U): unknown {
  if (Array.isArray(page)) return (page as T[]).map(fn);
  const object = page as Record<string, unknown>;
  return { ...object, [key]: (object[key] as T[]).map(fn) };
}

/** `/api/v2/organizations`: the tenants of Gatehouse, their members and the members' organization roles. */
export function registerOrganizationRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findOrganization(id: string): StoredOrganization {
    const org = store.data.organizations[id];
    if (!org) throw noSuchOrganization();
    return org;
  }

  function requireUniqueName(name: string, exceptId?: string): void {
    const taken = Object.values(store.data.organizations).some(
      (org) => org.name === name && org.id !== exceptId,
    );
    if (taken) throw conflict("An organization with this name already exists");
  }

  function membersOf(orgId: string): string[] {
    return store.data.members[orgId] ?? [];
  }

  function memberRolesOf(orgId: string, userId: string): string[] {
    return store.data.memberRoles[orgId]?.[userId] ?? [];
  }

  function setMemberRoles(orgId: string, userId: string, roleIds: string[]): void {
    (store.data.memberRoles[orgId] ??= {})[userId] = roleIds;
  }

  function requireMember(orgId: string, userId: string): void {
    if (!membersOf(orgId).includes(userId)) {
      throw notFound("The user is not a member of the organization", "inexistent_member");
    }
  }

  function toMemberRole(roleId: string): Management.Role | undefined {
    const role = store.data.roles[roleId];
    return role ? { id: role.id, name: role.name, description: role.description } : undefined;
  }

  function toMember(orgId: string, userId: string, withRoles: boolean): Management.OrganizationMember {
    const user = store.data.users[userId];
    const member: Management.OrganizationMember = {
      user_id: userId,
      email: user?.email,
      picture: user?.picture,
      name: user?.name,
    };
    if (withRoles) {
      member.roles = memberRolesOf(orgId, userId)
        .map(toMemberRole)
        .filter((role) => role !== undefined)
        .map(({ id, name }) => ({ id, name }));
    }
    return member;
  }

  /** The SDK's `EventStreamCloudEventOrgMemberRoleAssignedObject`: the organization by id only. */
  function publishMemberRoleEvent(
    type: "organization.member.role.assigned" | "organization.member.role.deleted",
    orgId: string,
    userId: string,
    roleId: string,
  ): void {
    const role = store.data.roles[roleId];
    ctx.events.publish(type, {
      organization: { id: orgId },
      user: { user_id: userId },
      role: { id: roleId, name: role?.name ?? roleId },
    });
  }

  // --- organizations -------------------------------------------------------------------------------------

  app.get(
    "/api/v2/organizations",
    { preHandler: requireScopes(ctx, "read:organizations") },
    async (request) => {
      const query = request.query as Query;
      const organizations = Object.values(store.data.organizations).map(toOrganization);
      if (wantsCheckpoint(query)) {
        return checkpointPage(organizations, query, "organizations", (org) => String(org.id));
      }
      return offsetPage(organizations, query, "organizations");
    },
  );

  app.get<{ Params: { name: string } }>(
    "/api/v2/organizations/name/:name",
    { preHandler: requireScopes(ctx, "read:organizations") },
    async (request) => {
      const org = Object.values(store.data.organizations).find(
        (candidate) => candidate.name === request.params.name,
      );
      if (!org) throw noSuchOrganization();
      return toOrganization(org);
    },
  );

  app.get<OrganizationRoute>(
    "/api/v2/organizations/:id",
    { preHandler: requireScopes(ctx, "read:organizations") },
    async (request) => toOrganization(findOrganization(request.params.id)),
  );

  app.post(
    "/api/v2/organizations",
    { preHandler: requireScopes(ctx, "create:organizations") },
    async (request, reply) => {
      const payload = payloadOf(request.body);
      const name = validName(requiredString(payload, "name"));
      const displayName = optionalString(payload, "display_name");
      const metadata = optionalStringMap(payload, "metadata") ?? {};
      const thirdPartyAccess = optionalEnum(payload, "third_party_client_access", THIRD_PARTY_CLIENT_ACCESS);
      requireUniqueName(name);
      const org: StoredOrganization = {
        id: newId("org"),
        name,
        display_name: displayName ?? "",
        metadata: mergeStringMap({}, metadata),
        third_party_client_access: thirdPartyAccess ?? "block",
        created_at: new Date().toISOString(),
      };
      store.data.organizations[org.id] = org;
      store.data.members[org.id] = [];
      store.data.memberRoles[org.id] = {};
      ctx.events.publish("organization.created", toEventOrganization(org));
      return reply.code(201).send(toOrganization(org));
    },
  );

  app.patch<OrganizationRoute>(
    "/api/v2/organizations/:id",
    { preHandler: requireScopes(ctx, "update:organizations") },
    async (request) => {
      const org = findOrganization(request.params.id);
      const payload = payloadOf(request.body);
      const name = optionalString(payload, "name");
      const displayName = optionalString(payload, "display_name");
      const metadata = optionalStringMap(payload, "metadata");
      const thirdPartyAccess = optionalEnum(payload, "third_party_client_access", THIRD_PARTY_CLIENT_ACCESS);
      if (name !== undefined) {
        requireUniqueName(validName(name), org.id);
        org.name = name;
      }
      if (thirdPartyAccess !== undefined) org.third_party_client_access = thirdPartyAccess;
      if (displayName !== undefined) org.display_name = displayName;
      if (metadata !== undefined) org.metadata = mergeStringMap(org.metadata, metadata);
      ctx.events.publish("organization.updated", toEventOrganization(org));
      return toOrganization(org);
    },
  );

  app.delete<OrganizationRoute>(
    "/api/v2/organizations/:id",
    { preHandler: requireScopes(ctx, "delete:organizations") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      delete store.data.organizations[org.id];
      delete store.data.members[org.id];
      delete store.data.memberRoles[org.id];
      delete store.data.organizationClientGrants[org.id];
      ctx.events.publish("organization.deleted", toEventOrganization(org));
      return reply.code(204).send();
    },
  );

  // --- members -------------------------------------------------------------------------------------------

  app.get<OrganizationRoute>(
    "/api/v2/organizations/:id/members",
    { preHandler: requireScopes(ctx, "read:organization_members") },
    async (request) => {
      const org = findOrganization(request.params.id);
      const query = request.query as Query;
      // Auth0 lists members' roles only when asked for with `fields=roles`, and only to a token that may read them.
      const fields = (query.fields ?? "").split(",").map((field) => field.trim());
      const withRoles = fields.includes("roles") && query.include_fields !== "false";
      if (withRoles && !request.managementToken?.scope.includes("read:organization_member_roles")) {
        throw new ManagementError(
          403,
          "Insufficient scope, expected any of: read:organization_member_roles",
          "insufficient_scope",
        );
      }
      const userIds = membersOf(org.id);
      const page = wantsCheckpoint(query)
        ? checkpointPage(userIds, query, "members", (userId) => userId)
        : offsetPage(userIds, query, "members");
      return mapPageItems(page, "members", (userId: string) =>
        selectFields(toMember(org.id, userId, withRoles), query),
      );
    },
  );

  app.post<OrganizationRoute>(
    "/api/v2/organizations/:id/members",
    { preHandler: requireScopes(ctx, "create:organization_members") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      const userIds = requiredIdList(payloadOf(request.body), "members");
      const unknown = userIds.filter((userId) => !store.data.users[userId]);
      if (unknown.length > 0) throw badRequest(`One or more users do not exist: ${unknown.join(", ")}`);
      const joining = [...new Set(userIds)].filter((userId) => !membersOf(org.id).includes(userId));
      store.data.members[org.id] = [...membersOf(org.id), ...joining];
      for (const userId of joining) {
        ctx.events.publish("organization.member.added", {
          organization: { id: org.id, name: org.name },
          user: { user_id: userId },
        });
      }
      return reply.code(204).send();
    },
  );

  app.delete<OrganizationRoute>(
    "/api/v2/organizations/:id/members",
    { preHandler: requireScopes(ctx, "delete:organization_members") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      const leaving = requiredIdList(payloadOf(request.body), "members");
      const removed = membersOf(org.id).filter((userId) => leaving.includes(userId));
      store.data.members[org.id] = membersOf(org.id).filter((userId) => !leaving.includes(userId));
      for (const userId of leaving) delete store.data.memberRoles[org.id]?.[userId];
      for (const userId of removed) {
        ctx.events.publish("organization.member.deleted", {
          organization: { id: org.id, name: org.name },
          user: { user_id: userId },
        });
      }
      return reply.code(204).send();
    },
  );

  // --- members' organization roles -----------------------------------------------------------------------

  app.get<MemberRoute>(
    "/api/v2/organizations/:id/members/:user_id/roles",
    { preHandler: requireScopes(ctx, "read:organization_member_roles") },
    async (request) => {
      const org = findOrganization(request.params.id);
      requireMember(org.id, request.params.user_id);
      const roles = memberRolesOf(org.id, request.params.user_id)
        .map(toMemberRole)
        .filter((role) => role !== undefined);
      return offsetPage(roles, request.query as Query, "roles");
    },
  );

  app.post<MemberRoute>(
    "/api/v2/organizations/:id/members/:user_id/roles",
    { preHandler: requireScopes(ctx, "create:organization_member_roles") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      const roleIds = requiredIdList(payloadOf(request.body), "roles");
      requireMember(org.id, request.params.user_id);
      const unknown = roleIds.filter((roleId) => !store.data.roles[roleId]);
      if (unknown.length > 0) throw badRequest(`One or more roles do not exist: ${unknown.join(", ")}`);
      const current = memberRolesOf(org.id, request.params.user_id);
      const assigned = [...new Set([...current, ...roleIds])];
      if (assigned.length > MEMBER_ROLES_MAX) {
        throw badRequest(
          `A member can be assigned at most ${MEMBER_ROLES_MAX} roles in an organization`,
          "too_many_roles",
        );
      }
      setMemberRoles(org.id, request.params.user_id, assigned);
      for (const roleId of assigned.filter((roleId) => !current.includes(roleId))) {
        publishMemberRoleEvent("organization.member.role.assigned", org.id, request.params.user_id, roleId);
      }
      return reply.code(204).send();
    },
  );

  app.delete<MemberRoute>(
    "/api/v2/organizations/:id/members/:user_id/roles",
    { preHandler: requireScopes(ctx, "delete:organization_member_roles") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      const removed = requiredIdList(payloadOf(request.body), "roles");
      requireMember(org.id, request.params.user_id);
      const current = memberRolesOf(org.id, request.params.user_id);
      setMemberRoles(
        org.id,
        request.params.user_id,
        current.filter((roleId) => !removed.includes(roleId)),
      );
      for (const roleId of current.filter((roleId) => removed.includes(roleId))) {
        publishMemberRoleEvent("organization.member.role.deleted", org.id, request.params.user_id, roleId);
      }
      return reply.code(204).send();
    },
  );

  // --- client grants associated with the organization (client credentials with `organization`) ----------

  function associatedGrantIds(orgId: string): string[] {
    return store.data.organizationClientGrants[orgId] ?? [];
  }

  app.get<OrganizationRoute>(
    "/api/v2/organizations/:id/client-grants",
    { preHandler: requireScopes(ctx, "read:organization_client_grants") },
    async (request) => {
      const org = findOrganization(request.params.id);
      const query = request.query as Query;
      const grants = associatedGrantIds(org.id)
        .map((grantId) => store.data.clientGrants[grantId])
        .filter((grant) => grant !== undefined)
        .filter((grant) => !query.audience || grant.audience === query.audience)
        .filter((grant) => !query.client_id || grant.client_id === query.client_id)
        .map(toOrganizationClientGrant);
      return offsetPage(grants, query, "client_grants");
    },
  );

  app.post<OrganizationRoute>(
    "/api/v2/organizations/:id/client-grants",
    { preHandler: requireScopes(ctx, "create:organization_client_grants") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      const grantId = requiredString(payloadOf(request.body), "grant_id");
      const grant = store.data.clientGrants[grantId];
      if (!grant) throw notFound("The client grant does not exist", "inexistent_client_grant");
      if (associatedGrantIds(org.id).includes(grant.id)) {
        throw conflict("The client grant is already associated with the organization");
      }
      store.data.organizationClientGrants[org.id] = [...associatedGrantIds(org.id), grant.id];
      return reply.code(201).send(toOrganizationClientGrant(grant));
    },
  );

  app.delete<OrganizationClientGrantRoute>(
    "/api/v2/organizations/:id/client-grants/:grant_id",
    { preHandler: requireScopes(ctx, "delete:organization_client_grants") },
    async (request, reply) => {
      const org = findOrganization(request.params.id);
      store.data.organizationClientGrants[org.id] = associatedGrantIds(org.id).filter(
        (grantId) => grantId !== request.params.grant_id,
      );
      return reply.code(204).send();
    },
  );
}
