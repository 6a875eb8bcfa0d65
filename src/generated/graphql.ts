import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { TenantModel, UserModel, PartnerModel, ApiKeyModel } from '../directory/models.js';
import type { Caller } from '../caller/caller.js';
import type { Integration as IntegrationRecord, AuditEvent as AuditEventRecord, Licence as LicenceRecord } from '../store/store.js';
import type { Entitlements } from '../plans/entitlements.js';
import type { GatehouseContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO 8601 date and time, in UTC. */
  DateTime: { input: string; output: string; }
};

/** A tenant's machine credentials for its back end. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Maybe<Scalars['DateTime']['output']>;
  createdBy: Maybe<User>;
  /** When a native key stops working; null for no end. */
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  /** A native key's id (`key_…`), or the Auth0 application's client id. */
  id: Scalars['ID']['output'];
  kind: ApiKeyKind;
  /** When a native key was last used (written at most once a minute); null when never, or for an Auth0 application. */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** A native key's first characters (`gatehouse_` and its id), to recognise it by; null for an Auth0 application. */
  prefix: Maybe<Scalars['String']['output']>;
  scopes: Array<Scalars['String']['output']>;
};

/** What an API key is made of. */
export type ApiKeyKind =
  /** An Auth0 machine-to-machine application, for OAuth client credentials; Auth0 caps how many a tenant has. */
  | 'AUTH0_APPLICATION'
  /** Issued and checked by Gatehouse (`gatehouse_…`, sent as Bearer): no Auth0 application, no Auth0 call. */
  | 'NATIVE';

/** An API key with its secret: returned only by createApiKey and rotateApiKey. */
export type ApiKeySecret = {
  __typename?: 'ApiKeySecret';
  apiKey: ApiKey;
  /** The Auth0 client id, or the native key's id (the user name for Basic). */
  clientId: Scalars['String']['output'];
  /** The Auth0 client secret, or the whole native key: send it as `Authorization: Bearer <key>`. */
  clientSecret: Scalars['String']['output'];
};

/** Who acted: the caller of the request. */
export type AuditActor = {
  __typename?: 'AuditActor';
  /** The SPA, the tenant's app (API key), or the partner. */
  clientId: Maybe<Scalars['String']['output']>;
  /** Null for events recorded before Gatehouse kept it. */
  kind: Maybe<CallerKind>;
  /** The partner, when one acted for a user. */
  partnerId: Maybe<Scalars['String']['output']>;
  /** A user id (for a partner, the user it acted for), or `<client_id>@clients` for an API key. */
  subject: Maybe<Scalars['String']['output']>;
};

/**
 * A management action through Gatehouse, or an attempt a rule refused. It says who, where, what and to what;
 * never a secret.
 */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  /**
   * What happened, as `<thing>.<past-tense verb>`: `user.created`, `user.updated`, `user.blocked`,
   * `user.unblocked`, `user.deleted`, `user.removed_from_tenant`, `user.roles_assigned`, `user.roles_removed`,
   * `api_key.created`, `api_key.rotated`, `api_key.revoked`, `integration.enabled`, `integration.disabled`, `tenant.plan_changed`, `licence.granted`,
   * `licence.revoked`.
   * A refused attempt carries the action it would have been.
   */
  action: Scalars['String']['output'];
  actor: AuditActor;
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  outcome: AuditOutcome;
  /** The id of the HTTP request, as its `x-request-id` response header said. */
  requestId: Maybe<Scalars['String']['output']>;
  /** The id of what it happened to: a user, an API key, an integration. */
  target: Maybe<Scalars['String']['output']>;
  /** The tenant it happened in. */
  tenant: Maybe<Tenant>;
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  nodes: Array<AuditEvent>;
  pageInfo: PageInfo;
};

export type AuditOutcome =
  /** A rule refused the attempt (FORBIDDEN or NOT_FOUND); nothing changed. */
  | 'REFUSED'
  /** The change was made. */
  | 'SUCCEEDED';

/** What kind of caller made the request. */
export type CallerKind =
  /** No credentials were sent. */
  | 'ANONYMOUS'
  /** A partner application acting for a user who enabled the integration. */
  | 'PARTNER'
  /** A tenant's back end, by API key (Basic credentials) or client-credentials token. */
  | 'TENANT_APP'
  /** A user of the product's own single-page app. */
  | 'USER';

export type CreateUserInput = {
  email: Scalars['String']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
  /** Must meet the password policy; without one the user is created with a random password to reset. */
  password?: InputMaybe<Scalars['String']['input']>;
  /** Role names: the user's member roles in the tenant they are created in. */
  roles?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Another tenant than the caller's: needs `manage:tenants`. */
  tenantId?: InputMaybe<Scalars['ID']['input']>;
};

/** How Gatehouse's directory stands: what it holds and how recently it was brought in step with Auth0. */
export type DirectoryStatus = {
  __typename?: 'DirectoryStatus';
  clients: Scalars['Int']['output'];
  /** Seconds between the last event's time in Auth0 and its arrival here. */
  eventLagSeconds: Maybe<Scalars['Float']['output']>;
  /** Auth0 Event Streams deliveries this instance received since it started (duplicates included). */
  eventsReceived: Scalars['Int']['output'];
  /** Auth0's time of the last event applied, on any instance. */
  lastEventAt: Maybe<Scalars['DateTime']['output']>;
  /** When the last full pass over Auth0 (reconciliation) finished, on any instance. */
  lastFullPassAt: Maybe<Scalars['DateTime']['output']>;
  /** How long it took, in seconds. */
  lastFullPassSeconds: Maybe<Scalars['Float']['output']>;
  memberships: Scalars['Int']['output'];
  /** Whether the first import is done and this instance serves requests. */
  ready: Scalars['Boolean']['output'];
  tenants: Scalars['Int']['output'];
  users: Scalars['Int']['output'];
};

/** A partner enabled for a tenant. */
export type Integration = {
  __typename?: 'Integration';
  disabledAt: Maybe<Scalars['DateTime']['output']>;
  enabledAt: Scalars['DateTime']['output'];
  enabledBy: Maybe<User>;
  id: Scalars['ID']['output'];
  partner: Partner;
  scopes: Array<Scalars['String']['output']>;
  status: IntegrationStatus;
  tenant: Tenant;
};

export type IntegrationStatus =
  | 'ACTIVE'
  | 'DISABLED';

/** A feature or a quota's limit given to one tenant on top of its plan. */
export type Licence = {
  __typename?: 'Licence';
  /** Null for no end. */
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  grantedAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: LicenceKind;
  /** A quota's limit; null for a feature, or for no limit. */
  limit: Maybe<Scalars['Int']['output']>;
  /** The feature's or the quota's name. */
  name: Scalars['String']['output'];
};

export type LicenceKind =
  | 'FEATURE'
  | 'QUOTA';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Gives a user roles, by name, in the caller's tenant (`assign:roles`): their organization member roles
   * there. Nobody grants a permission they do not hold. `tenantId` names another tenant (`manage:tenants`).
   */
  assignRoles: User;
  /**
   * Creates an API key for the caller's tenant (`manage:api_keys`), with scopes the caller holds (never
   * `read:tenants` or `manage:tenants`). The secret is in the answer, once, and nowhere else. A NATIVE key
   * (the default) is Gatehouse's own and may expire (`expiresAt`); an AUTH0_APPLICATION key never expires.
   */
  createApiKey: ApiKeySecret;
  /** Creates a user in the caller's tenant (`create:users`); `tenantId` needs `manage:tenants`. */
  createUser: User;
  /**
   * Deletes a person's account (`delete:users` in every tenant they belong to, or `manage:tenants`), never
   * oneself. Returns the deleted user's id. To take someone out of one tenant only, use removeFromTenant.
   */
  deleteUser: Scalars['ID']['output'];
  /** Disables it and revokes users' consents to the partner; its next request is refused (`manage:integrations`). */
  disableIntegration: Integration;
  /** Enables a partner for the caller's tenant with some of the scopes it offers (`manage:integrations`). */
  enableIntegration: Integration;
  /**
   * Gives a tenant a feature, or a quota's limit (null: no limit), on top of its plan (`manage:tenants`). A quota
   * licence overrides the plan's limit, up or down. Name either `feature` or `quota`.
   */
  grantLicence: Licence;
  /**
   * Ends a user's membership of the caller's tenant, and their roles there (`delete:users`); their account
   * and their other tenants are untouched. `tenantId` names another tenant (`manage:tenants`).
   * Returns the user's id.
   */
  removeFromTenant: Scalars['ID']['output'];
  /**
   * Takes roles, by name, from a user in the caller's tenant (`assign:roles`); nobody takes away a role
   * carrying a permission they do not hold. `tenantId` names another tenant (`manage:tenants`).
   */
  removeRoles: User;
  /** Deletes the key; its credentials and tokens are refused from the next request on (`manage:api_keys`). */
  revokeApiKey: Scalars['ID']['output'];
  /** Ends a tenant's licence from the next request on (`manage:tenants`). Returns the licence's id. */
  revokeLicence: Scalars['ID']['output'];
  /**
   * Gives the key a new secret; the old one stops working at once, on every instance (`manage:api_keys`). For an
   * Auth0 application, access tokens Auth0 issued before the rotation are refused too. There is no grace period:
   * to switch without downtime, create a second key, move to it, then revoke the first.
   */
  rotateApiKey: ApiKeySecret;
  /** Puts a tenant on a plan (`manage:tenants`); at `expiresAt` it falls back to the free plan. */
  setTenantPlan: Plan;
  /** Blocks or unblocks a user (`update:users` in every tenant they belong to, or `manage:tenants`), never oneself. */
  setUserBlocked: User;
  /**
   * Updates a user's account (`update:users`); users may change their own name and picture. The account is
   * shared by every tenant the person belongs to: changing it needs `update:users` in each of them, or
   * `manage:tenants`.
   */
  updateUser: User;
};


export type MutationAssignRolesArgs = {
  roles: Array<Scalars['String']['input']>;
  tenantId?: InputMaybe<Scalars['ID']['input']>;
  userId: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  kind?: InputMaybe<ApiKeyKind>;
  name: Scalars['String']['input'];
  scopes: Array<Scalars['String']['input']>;
};


export type MutationCreateUserArgs = {
  input: CreateUserInput;
};


export type MutationDeleteUserArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDisableIntegrationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationEnableIntegrationArgs = {
  partnerId: Scalars['ID']['input'];
  scopes: Array<Scalars['String']['input']>;
};


export type MutationGrantLicenceArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  feature?: InputMaybe<Scalars['String']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
  quota?: InputMaybe<Scalars['String']['input']>;
  tenantId: Scalars['ID']['input'];
};


export type MutationRemoveFromTenantArgs = {
  tenantId?: InputMaybe<Scalars['ID']['input']>;
  userId: Scalars['ID']['input'];
};


export type MutationRemoveRolesArgs = {
  roles: Array<Scalars['String']['input']>;
  tenantId?: InputMaybe<Scalars['ID']['input']>;
  userId: Scalars['ID']['input'];
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeLicenceArgs = {
  licenceId: Scalars['ID']['input'];
  tenantId: Scalars['ID']['input'];
};


export type MutationRotateApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetTenantPlanArgs = {
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  plan: Scalars['String']['input'];
  tenantId: Scalars['ID']['input'];
};


export type MutationSetUserBlockedArgs = {
  blocked: Scalars['Boolean']['input'];
  id: Scalars['ID']['input'];
};


export type MutationUpdateUserArgs = {
  id: Scalars['ID']['input'];
  input: UpdateUserInput;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to get the next page. */
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** A third-party application that acts for users who consent: an Auth0 third-party application. */
export type Partner = {
  __typename?: 'Partner';
  description: Maybe<Scalars['String']['output']>;
  /** The partner's client id. */
  id: Scalars['ID']['output'];
  logoUri: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** What it may ask users for: its client grant on this API. */
  scopes: Array<Scalars['String']['output']>;
};

/**
 * What a tenant may use: its plan (`free`, `pro`), with its licences applied. Checked on every request, so a
 * change takes effect from the next one.
 */
export type Plan = {
  __typename?: 'Plan';
  /** When the plan ends and the tenant falls back to the free plan; null for no end. */
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  /** The features the tenant may use: `integrations`, `api_keys`, `audit_log`, `sso`. */
  features: Array<Scalars['String']['output']>;
  /** The licences in force, oldest first. */
  licences: Array<Licence>;
  /** The plan's name. */
  name: Scalars['String']['output'];
  /** How much of each quota (`seats`, `api_keys`, `integrations`) the tenant may have, and has. */
  quotas: Array<Quota>;
};

export type Query = {
  __typename?: 'Query';
  /** The state of Gatehouse's directory, its read model of Auth0, for platform operators (`read:tenants`). */
  directoryStatus: Maybe<DirectoryStatus>;
  /** An integration of the caller's tenant (`read:integrations`). */
  integration: Maybe<Integration>;
  /** The catalogue of partner applications, for any signed-in caller. */
  partners: Maybe<Array<Partner>>;
  /** A tenant: the caller's own when `id` is omitted; another only with `read:tenants`. */
  tenant: Maybe<Tenant>;
  /** Every tenant, for platform operators (`read:tenants`). */
  tenants: Maybe<TenantConnection>;
  /** A user of the caller's tenant (`read:users`), or the caller themselves. */
  user: Maybe<User>;
  /** The users of the caller's tenant (`read:users`); `search` matches the start of a name or email. */
  users: Maybe<UserConnection>;
  /** Who is calling, with what permissions, in which tenant. Anyone may ask. */
  viewer: Viewer;
};


export type QueryIntegrationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryTenantArgs = {
  id?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryTenantsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};

/** A limit on how many of something a tenant may have at once. */
export type Quota = {
  __typename?: 'Quota';
  /** Null for no limit. */
  limit: Maybe<Scalars['Int']['output']>;
  /** `seats` (members of the tenant), `api_keys` or `integrations`. */
  name: Scalars['String']['output'];
  used: Scalars['Int']['output'];
};

/** A customer of the product: an Auth0 organization. */
export type Tenant = {
  __typename?: 'Tenant';
  /** The tenant's API keys, without secrets (`read:api_keys`). */
  apiKeys: Maybe<Array<ApiKey>>;
  /**
   * What was done in the tenant through Gatehouse, and what a rule refused, newest first (`read:audit`).
   * Filters: `action` (`user.deleted`), `actor` (the actor's subject), `since` (at or after).
   */
  auditEvents: Maybe<AuditEventConnection>;
  displayName: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** The partners enabled for the tenant (`read:integrations`). */
  integrations: Maybe<Array<Integration>>;
  /** The tenant's short, unique name. */
  name: Scalars['String']['output'];
  /** The tenant's plan, with its licences applied: what it may use now, and how much it uses (`read:tenant`). */
  plan: Maybe<Plan>;
  /** The tenant's users (`read:users`). */
  users: Maybe<UserConnection>;
};


/** A customer of the product: an Auth0 organization. */
export type TenantAuditEventsArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
};


/** A customer of the product: an Auth0 organization. */
export type TenantUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};

export type TenantConnection = {
  __typename?: 'TenantConnection';
  nodes: Array<Tenant>;
  pageInfo: PageInfo;
  /** How many tenants there are, from the directory. */
  totalCount: Maybe<Scalars['Int']['output']>;
};

export type UpdateUserInput = {
  email?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  picture?: InputMaybe<Scalars['String']['input']>;
};

/**
 * A person who signs in: an Auth0 user. One account (email, password, blocked) may be a member of several
 * tenants, with separate roles in each.
 */
export type User = {
  __typename?: 'User';
  /** The user themselves or `update:users`. */
  blocked: Maybe<Scalars['Boolean']['output']>;
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** The user themselves or `read:users`. */
  email: Maybe<Scalars['String']['output']>;
  emailVerified: Maybe<Scalars['Boolean']['output']>;
  id: Scalars['ID']['output'];
  /** The partners this user has consented to: the user themselves or `read:integrations`. */
  integrations: Maybe<Array<Integration>>;
  /** The user themselves or `update:users`. */
  lastLogin: Maybe<Scalars['DateTime']['output']>;
  /** The user themselves or `update:users`. */
  loginsCount: Maybe<Scalars['Int']['output']>;
  name: Maybe<Scalars['String']['output']>;
  picture: Maybe<Scalars['String']['output']>;
  /**
   * Role names in the tenant the user is looked at in (their organization member roles there); for someone
   * in no tenant, their platform roles. The user themselves or `read:roles`.
   */
  roles: Maybe<Array<Scalars['String']['output']>>;
  /** The tenant the user is looked at in: the caller's, the one listed, or (for a platform operator) their first. */
  tenant: Maybe<Tenant>;
};

export type UserConnection = {
  __typename?: 'UserConnection';
  nodes: Array<User>;
  pageInfo: PageInfo;
  totalCount: Maybe<Scalars['Int']['output']>;
};

/** The caller of this request. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The client the caller uses: the SPA, the tenant's app, or the partner. */
  clientId: Maybe<Scalars['String']['output']>;
  kind: CallerKind;
  /** The caller's effective permissions on this API. */
  permissions: Array<Scalars['String']['output']>;
  /** The token's subject: a user id, or `<client_id>@clients` for a tenant's app. */
  subject: Maybe<Scalars['String']['output']>;
  tenant: Maybe<Tenant>;
  /** The calling user, for USER and PARTNER callers. */
  user: Maybe<User>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  ApiKey: ResolverTypeWrapper<ApiKeyModel>;
  ApiKeyKind: ApiKeyKind;
  ApiKeySecret: ResolverTypeWrapper<Omit<ApiKeySecret, 'apiKey'> & { apiKey: ResolversTypes['ApiKey'] }>;
  AuditActor: ResolverTypeWrapper<AuditActor>;
  AuditEvent: ResolverTypeWrapper<AuditEventRecord>;
  AuditEventConnection: ResolverTypeWrapper<Omit<AuditEventConnection, 'nodes'> & { nodes: Array<ResolversTypes['AuditEvent']> }>;
  AuditOutcome: AuditOutcome;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CallerKind: CallerKind;
  CreateUserInput: CreateUserInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DirectoryStatus: ResolverTypeWrapper<DirectoryStatus>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Integration: ResolverTypeWrapper<IntegrationRecord>;
  IntegrationStatus: IntegrationStatus;
  Licence: ResolverTypeWrapper<LicenceRecord>;
  LicenceKind: LicenceKind;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Partner: ResolverTypeWrapper<PartnerModel>;
  Plan: ResolverTypeWrapper<Entitlements>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Quota: ResolverTypeWrapper<Quota>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Tenant: ResolverTypeWrapper<TenantModel>;
  TenantConnection: ResolverTypeWrapper<Omit<TenantConnection, 'nodes'> & { nodes: Array<ResolversTypes['Tenant']> }>;
  UpdateUserInput: UpdateUserInput;
  User: ResolverTypeWrapper<UserModel>;
  UserConnection: ResolverTypeWrapper<Omit<UserConnection, 'nodes'> & { nodes: Array<ResolversTypes['User']> }>;
  Viewer: ResolverTypeWrapper<Caller>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ApiKey: ApiKeyModel;
  ApiKeySecret: Omit<ApiKeySecret, 'apiKey'> & { apiKey: ResolversParentTypes['ApiKey'] };
  AuditActor: AuditActor;
  AuditEvent: AuditEventRecord;
  AuditEventConnection: Omit<AuditEventConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['AuditEvent']> };
  Boolean: Scalars['Boolean']['output'];
  CreateUserInput: CreateUserInput;
  DateTime: Scalars['DateTime']['output'];
  DirectoryStatus: DirectoryStatus;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Integration: IntegrationRecord;
  Licence: LicenceRecord;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Partner: PartnerModel;
  Plan: Entitlements;
  Query: Record<PropertyKey, never>;
  Quota: Quota;
  String: Scalars['String']['output'];
  Tenant: TenantModel;
  TenantConnection: Omit<TenantConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['Tenant']> };
  UpdateUserInput: UpdateUserInput;
  User: UserModel;
  UserConnection: Omit<UserConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['User']> };
  Viewer: Caller;
};

export type ApiKeyResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  createdBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ApiKeyKind'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ApiKeySecretResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['ApiKeySecret'] = ResolversParentTypes['ApiKeySecret']> = {
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  clientId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  clientSecret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type AuditActorResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['AuditActor'] = ResolversParentTypes['AuditActor']> = {
  clientId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  kind?: Resolver<Maybe<ResolversTypes['CallerKind']>, ParentType, ContextType>;
  partnerId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  subject?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type AuditEventResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['AuditEvent'] = ResolversParentTypes['AuditEvent']> = {
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actor?: Resolver<ResolversTypes['AuditActor'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  requestId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  target?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tenant?: Resolver<Maybe<ResolversTypes['Tenant']>, ParentType, ContextType>;
};

export type AuditEventConnectionResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['AuditEventConnection'] = ResolversParentTypes['AuditEventConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['AuditEvent']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DirectoryStatusResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['DirectoryStatus'] = ResolversParentTypes['DirectoryStatus']> = {
  clients?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  eventLagSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  eventsReceived?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastEventAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastFullPassAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastFullPassSeconds?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  memberships?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  ready?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  tenants?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  users?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IntegrationResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Integration'] = ResolversParentTypes['Integration']> = {
  disabledAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  enabledAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  enabledBy?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  partner?: Resolver<ResolversTypes['Partner'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['IntegrationStatus'], ParentType, ContextType>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType>;
};

export type LicenceResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Licence'] = ResolversParentTypes['Licence']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  grantedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['LicenceKind'], ParentType, ContextType>;
  limit?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  assignRoles?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationAssignRolesArgs, 'roles' | 'userId'>>;
  createApiKey?: Resolver<ResolversTypes['ApiKeySecret'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'kind' | 'name' | 'scopes'>>;
  createUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationCreateUserArgs, 'input'>>;
  deleteUser?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteUserArgs, 'id'>>;
  disableIntegration?: Resolver<ResolversTypes['Integration'], ParentType, ContextType, RequireFields<MutationDisableIntegrationArgs, 'id'>>;
  enableIntegration?: Resolver<ResolversTypes['Integration'], ParentType, ContextType, RequireFields<MutationEnableIntegrationArgs, 'partnerId' | 'scopes'>>;
  grantLicence?: Resolver<ResolversTypes['Licence'], ParentType, ContextType, RequireFields<MutationGrantLicenceArgs, 'tenantId'>>;
  removeFromTenant?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationRemoveFromTenantArgs, 'userId'>>;
  removeRoles?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationRemoveRolesArgs, 'roles' | 'userId'>>;
  revokeApiKey?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  revokeLicence?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationRevokeLicenceArgs, 'licenceId' | 'tenantId'>>;
  rotateApiKey?: Resolver<ResolversTypes['ApiKeySecret'], ParentType, ContextType, RequireFields<MutationRotateApiKeyArgs, 'id'>>;
  setTenantPlan?: Resolver<ResolversTypes['Plan'], ParentType, ContextType, RequireFields<MutationSetTenantPlanArgs, 'plan' | 'tenantId'>>;
  setUserBlocked?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationSetUserBlockedArgs, 'blocked' | 'id'>>;
  updateUser?: Resolver<ResolversTypes['User'], ParentType, ContextType, RequireFields<MutationUpdateUserArgs, 'id' | 'input'>>;
};

export type PageInfoResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PartnerResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Partner'] = ResolversParentTypes['Partner']> = {
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  logoUri?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type PlanResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Plan'] = ResolversParentTypes['Plan']> = {
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  features?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  licences?: Resolver<Array<ResolversTypes['Licence']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quotas?: Resolver<Array<ResolversTypes['Quota']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  directoryStatus?: Resolver<Maybe<ResolversTypes['DirectoryStatus']>, ParentType, ContextType>;
  integration?: Resolver<Maybe<ResolversTypes['Integration']>, ParentType, ContextType, RequireFields<QueryIntegrationArgs, 'id'>>;
  partners?: Resolver<Maybe<Array<ResolversTypes['Partner']>>, ParentType, ContextType>;
  tenant?: Resolver<Maybe<ResolversTypes['Tenant']>, ParentType, ContextType, Partial<QueryTenantArgs>>;
  tenants?: Resolver<Maybe<ResolversTypes['TenantConnection']>, ParentType, ContextType, Partial<QueryTenantsArgs>>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  users?: Resolver<Maybe<ResolversTypes['UserConnection']>, ParentType, ContextType, Partial<QueryUsersArgs>>;
  viewer?: Resolver<ResolversTypes['Viewer'], ParentType, ContextType>;
};

export type QuotaResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Quota'] = ResolversParentTypes['Quota']> = {
  limit?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  used?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type TenantResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant']> = {
  apiKeys?: Resolver<Maybe<Array<ResolversTypes['ApiKey']>>, ParentType, ContextType>;
  auditEvents?: Resolver<Maybe<ResolversTypes['AuditEventConnection']>, ParentType, ContextType, Partial<TenantAuditEventsArgs>>;
  displayName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  integrations?: Resolver<Maybe<Array<ResolversTypes['Integration']>>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  plan?: Resolver<Maybe<ResolversTypes['Plan']>, ParentType, ContextType>;
  users?: Resolver<Maybe<ResolversTypes['UserConnection']>, ParentType, ContextType, Partial<TenantUsersArgs>>;
};

export type TenantConnectionResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['TenantConnection'] = ResolversParentTypes['TenantConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['Tenant']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type UserResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User']> = {
  blocked?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  emailVerified?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  integrations?: Resolver<Maybe<Array<ResolversTypes['Integration']>>, ParentType, ContextType>;
  lastLogin?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  loginsCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  picture?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  roles?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  tenant?: Resolver<Maybe<ResolversTypes['Tenant']>, ParentType, ContextType>;
};

export type UserConnectionResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['UserConnection'] = ResolversParentTypes['UserConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['User']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = GatehouseContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  clientId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['CallerKind'], ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  subject?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  tenant?: Resolver<Maybe<ResolversTypes['Tenant']>, ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = GatehouseContext> = {
  ApiKey?: ApiKeyResolvers<ContextType>;
  ApiKeySecret?: ApiKeySecretResolvers<ContextType>;
  AuditActor?: AuditActorResolvers<ContextType>;
  AuditEvent?: AuditEventResolvers<ContextType>;
  AuditEventConnection?: AuditEventConnectionResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DirectoryStatus?: DirectoryStatusResolvers<ContextType>;
  Integration?: IntegrationResolvers<ContextType>;
  Licence?: LicenceResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Partner?: PartnerResolvers<ContextType>;
  Plan?: PlanResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Quota?: QuotaResolvers<ContextType>;
  Tenant?: TenantResolvers<ContextType>;
  TenantConnection?: TenantConnectionResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserConnection?: UserConnectionResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

