import { allow, and, chain, or } from "graphql-shield";
import type {
  ApiKeyResolvers,
  AuditActorResolvers,
  AuditEventConnectionResolvers,
  AuditEventResolvers,
  DirectoryStatusResolvers,
  ApiKeySecretResolvers,
  IntegrationResolvers,
  LicenceResolvers,
  PlanResolvers,
  QuotaResolvers,
  MutationResolvers,
  PartnerResolvers,
  PageInfoResolvers,
  QueryResolvers,
  TenantConnectionResolvers,
  TenantResolvers,
  UserConnectionResolvers,
  UserResolvers,
  ViewerResolvers,
} from "../generated/graphql.js";
import {
  changesOnlyOwnProfile,
  createsInOwnTenant,
  grantsOnlyHeldPermissions,
  hasPermission,
  isAuthenticated,
  isOwnConsent,
  isNotSelfArgument,
  isOwnTenantArgument,
  isSelf,
  isSelfArgument,
  isMemberOfTenantInQuestion,
  isVisibleTenant,
  mayChangeAccount,
  outranksMemberInTenant,
  requiresFeature,
  withinQuota,
} from "./rules.js";
import type { ShieldRule } from "./shield-rule.js";

/** One rule for every field of a type: a field added to the schema without a rule does not compile. */
type RulesFor<Resolvers> = { [Field in keyof Required<Resolvers>]: ShieldRule };

export interface PermissionMap {
  Query: RulesFor<QueryResolvers>;
  Mutation: RulesFor<MutationResolvers>;
  Viewer: RulesFor<ViewerResolvers>;
  Tenant: RulesFor<TenantResolvers>;
  TenantConnection: RulesFor<TenantConnectionResolvers>;
  User: RulesFor<UserResolvers>;
  UserConnection: RulesFor<UserConnectionResolvers>;
  PageInfo: RulesFor<PageInfoResolvers>;
  ApiKey: RulesFor<ApiKeyResolvers>;
  ApiKeySecret: RulesFor<ApiKeySecretResolvers>;
  Partner: RulesFor<PartnerResolvers>;
  Integration: RulesFor<IntegrationResolvers>;
  DirectoryStatus: RulesFor<DirectoryStatusResolvers>;
  AuditEvent: RulesFor<AuditEventResolvers>;
  AuditActor: RulesFor<AuditActorResolvers>;
  AuditEventConnection: RulesFor<AuditEventConnectionResolvers>;
  Plan: RulesFor<PlanResolvers>;
  Quota: RulesFor<QuotaResolvers>;
  Licence: RulesFor<LicenceResolvers>;
}

const readsUsers = hasPermission("read:users");
const readsIntegrations = hasPermission("read:integrations");
const readsIntegration = or(isOwnConsent, readsIntegrations);
const managesApiKeys = hasPermission("manage:api_keys");
const managesIntegrations = hasPermission("manage:integrations");
/** Cross-tenant visibility of users is decided by the resolvers, which answer NOT_FOUND, never FORBIDDEN. */
const managesTenants = hasPermission("manage:tenants");
const readsUserById = or(isSelfArgument, readsUsers);

/**
 * Who may read or change what, field by field. Deny by default: the server refuses to start when a field
 * of the schema has no entry here. `allow` fields cost nothing at run time.
 */
export const permissions: PermissionMap = {
  Query: {
    viewer: allow,
    tenant: or(isOwnTenantArgument, hasPermission("read:tenants")),
    tenants: hasPermission("read:tenants"),
    user: readsUserById,
    users: readsUsers,
    partners: isAuthenticated,
    integration: readsIntegrations,
    directoryStatus: hasPermission("read:tenants"),
  },
  Mutation: {
    createUser: chain(
      hasPermission("create:users"),
      or(createsInOwnTenant, hasPermission("manage:tenants")),
      grantsOnlyHeldPermissions,
      withinQuota("seats"),
    ),
    updateUser: or(
      and(isSelfArgument, changesOnlyOwnProfile),
      chain(hasPermission("update:users"), mayChangeAccount("update:users")),
    ),
    setUserBlocked: chain(hasPermission("update:users"), isNotSelfArgument, mayChangeAccount("update:users")),
    deleteUser: chain(hasPermission("delete:users"), isNotSelfArgument, mayChangeAccount("delete:users")),
    removeFromTenant: chain(
      hasPermission("delete:users"),
      isNotSelfArgument,
      isMemberOfTenantInQuestion,
      outranksMemberInTenant,
    ),
    assignRoles: chain(hasPermission("assign:roles"), isMemberOfTenantInQuestion, grantsOnlyHeldPermissions),
    removeRoles: chain(hasPermission("assign:roles"), isMemberOfTenantInQuestion, grantsOnlyHeldPermissions),
    createApiKey: chain(managesApiKeys, requiresFeature("api_keys"), withinQuota("api_keys")),
    rotateApiKey: managesApiKeys,
    revokeApiKey: managesApiKeys,
    enableIntegration: chain(
      managesIntegrations,
      requiresFeature("integrations"),
      withinQuota("integrations"),
    ),
    disableIntegration: managesIntegrations,
    // Operators only: a tenant admin never changes their own tenant's plan.
    setTenantPlan: managesTenants,
    grantLicence: managesTenants,
    revokeLicence: managesTenants,
  },
  Viewer: {
    kind: allow,
    subject: allow,
    clientId: allow,
    tenant: allow,
    user: allow,
    permissions: allow,
  },
  Tenant: {
    id: allow,
    name: allow,
    displayName: allow,
    plan: chain(hasPermission("read:tenant"), isVisibleTenant),
    users: chain(readsUsers, isVisibleTenant),
    apiKeys: chain(hasPermission("read:api_keys"), isVisibleTenant),
    integrations: chain(readsIntegrations, isVisibleTenant),
    auditEvents: chain(hasPermission("read:audit"), isVisibleTenant, requiresFeature("audit_log")),
  },
  TenantConnection: { nodes: allow, pageInfo: allow, totalCount: allow },
  User: {
    id: allow,
    name: allow,
    picture: allow,
    emailVerified: allow,
    createdAt: allow,
    tenant: isAuthenticated,
    email: or(isSelf, readsUsers),
    roles: or(isSelf, hasPermission("read:roles")),
    blocked: or(isSelf, hasPermission("update:users")),
    lastLogin: or(isSelf, hasPermission("update:users")),
    loginsCount: or(isSelf, hasPermission("update:users")),
    integrations: or(isSelf, readsIntegrations),
  },
  UserConnection: { nodes: allow, pageInfo: allow, totalCount: allow },
  PageInfo: { hasNextPage: allow, endCursor: allow },
  // Reached only through fields guarded above; the secret only through createApiKey / rotateApiKey.
  ApiKey: {
    id: allow,
    kind: allow,
    name: allow,
    scopes: allow,
    createdAt: allow,
    createdBy: allow,
    prefix: allow,
    expiresAt: allow,
    lastUsedAt: allow,
  },
  ApiKeySecret: { apiKey: allow, clientId: allow, clientSecret: allow },
  Partner: { id: allow, name: allow, description: allow, logoUri: allow, scopes: allow },
  // Reached only through Query.directoryStatus.
  DirectoryStatus: {
    ready: allow,
    users: allow,
    tenants: allow,
    memberships: allow,
    clients: allow,
    lastFullPassAt: allow,
    lastFullPassSeconds: allow,
    eventsReceived: allow,
    lastEventAt: allow,
    eventLagSeconds: allow,
  },
  // Reached only through Tenant.auditEvents; an event's details (and so anything near a secret) are not exposed.
  AuditEvent: {
    id: allow,
    action: allow,
    outcome: allow,
    at: allow,
    requestId: allow,
    actor: allow,
    tenant: allow,
    target: allow,
  },
  AuditActor: { kind: allow, subject: allow, clientId: allow, partnerId: allow },
  AuditEventConnection: { nodes: allow, pageInfo: allow },
  // Reached only through Tenant.plan and the operators' plan mutations.
  Plan: { name: allow, features: allow, quotas: allow, expiresAt: allow, licences: allow },
  Quota: { name: allow, limit: allow, used: allow },
  Licence: { id: allow, name: allow, kind: allow, limit: allow, expiresAt: allow, grantedAt: allow },
  Integration: {
    id: readsIntegration,
    partner: readsIntegration,
    tenant: readsIntegration,
    enabledBy: readsIntegration,
    scopes: readsIntegration,
    status: readsIntegration,
    enabledAt: readsIntegration,
    disabledAt: readsIntegration,
  },
};

/**
 * The audit action each mutation records when it succeeds, which is also what an attempt a rule refuses is
 * recorded as (`outcome: refused`). Typed like the map: a new mutation without an action does not compile.
 */
export const mutationAuditActions: {
  [Field in keyof Required<MutationResolvers>]: string | ((args: Record<string, unknown>) => string);
} = {
  createUser: "user.created",
  updateUser: "user.updated",
  setUserBlocked: (args) => (args.blocked === false ? "user.unblocked" : "user.blocked"),
  deleteUser: "user.deleted",
  removeFromTenant: "user.removed_from_tenant",
  assignRoles: "user.roles_assigned",
  removeRoles: "user.roles_removed",
  createApiKey: "api_key.created",
  rotateApiKey: "api_key.rotated",
  revokeApiKey: "api_key.revoked",
  enableIntegration: "integration.enabled",
  disableIntegration: "integration.disabled",
  setTenantPlan: "tenant.plan_changed",
  grantLicence: "licence.granted",
  revokeLicence: "licence.revoked",
};
