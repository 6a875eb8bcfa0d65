/**
 * What the emulator keeps, in Auth0's own field names so that Management responses are the stored records
 * minus their secrets. Everything here is plain JSON: the whole state is written to one file when a data
 * folder is given.
 */

export interface StoredUser {
  user_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  picture: string;
  blocked: boolean;
  connection: string;
  /** scrypt hash, `salt:hash` in hex; never returned. */
  password_hash?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  last_login?: string;
  logins_count: number;
}

export interface RolePermission {
  resource_server_identifier: string;
  permission_name: string;
}

export interface StoredRole {
  id: string;
  name: string;
  description: string;
  permissions: RolePermission[];
}

export interface StoredOrganization {
  id: string;
  name: string;
  display_name: string;
  metadata: Record<string, string>;
  /** Whether third-party applications may log users in through it; Auth0's default is `block`. */
  third_party_client_access: "allow" | "block";
  created_at: string;
}

export interface StoredClient {
  client_id: string;
  /** Absent for public clients (SPA). */
  client_secret?: string;
  name: string;
  description: string;
  app_type: "spa" | "non_interactive" | "regular_web" | "native";
  is_first_party: boolean;
  token_endpoint_auth_method: "none" | "client_secret_post" | "client_secret_basic";
  grant_types: string[];
  callbacks: string[];
  logo_uri?: string;
  client_metadata: Record<string, string>;
  /** Whether users log in to it through an organization: `deny` (Auth0's default), `allow`, `require`. */
  organization_usage?: "deny" | "allow" | "require";
  /** With `require`, what the login page does without an organization. */
  organization_require_behavior?: "no_prompt" | "pre_login_prompt" | "post_login_prompt";
  /** Its refresh tokens: rotating or not, expiring or not. */
  refresh_token?: {
    rotation_type: "rotating" | "non-rotating";
    expiration_type: "expiring" | "non-expiring";
  };
  created_at: string;
}

export interface StoredClientGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
  organization_usage?: "deny" | "allow" | "require";
  allow_any_organization?: boolean;
  subject_type: "client" | "user";
}

/** A user's consent to a third-party client, as Auth0's `/api/v2/grants` shows it (note `clientID`). */
export interface StoredUserGrant {
  id: string;
  clientID: string;
  user_id: string;
  audience: string;
  scope: string[];
  /** The organization the consent was given in: a consent in one organization does not cover another. */
  organization_id?: string;
}

export interface StoredResourceServer {
  id: string;
  name: string;
  identifier: string;
  is_system?: boolean;
  scopes: { value: string; description: string }[];
  signing_alg: "RS256";
  enforce_policies: boolean;
  token_dialect: "access_token" | "access_token_authz";
  token_lifetime: number;
  allow_offline_access: boolean;
  skip_consent_for_verifiable_first_party_clients: boolean;
}

export interface StoredRefreshToken {
  /** sha256 of the token; the token itself is never stored. */
  id: string;
  client_id: string;
  user_id: string;
  audience: string;
  scope: string[];
  org_id?: string;
  /** The user grant (consent) it was issued under, for third-party clients. */
  grant_id?: string;
  created_at: string;
}

export interface StoredSigningKey {
  kid: string;
  /** Private JWK (RS256). */
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  created_at: string;
  /** Set when the key was rotated out; it stays published for the grace period after this. */
  retired_at?: string;
}

/** The Auth0 event types a stream may subscribe to (the `auth0` SDK's `EventStreamEventTypeEnum`). */
export const EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.deleted",
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "organization.member.added",
  "organization.member.deleted",
  "organization.member.role.assigned",
  "organization.member.role.deleted",
  "organization.connection.added",
  "organization.connection.updated",
  "organization.connection.removed",
  "organization.group.role.assigned",
  "organization.group.role.deleted",
  "connection.created",
  "connection.updated",
  "connection.deleted",
  "group.created",
  "group.updated",
  "group.deleted",
  "group.member.added",
  "group.member.deleted",
  "group.role.assigned",
  "group.role.deleted",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event stream with a webhook destination; the bearer token is kept here and never returned. */
export interface StoredEventStream {
  id: string;
  name?: string;
  status: "enabled" | "disabled";
  subscriptions: { event_type: EventType }[];
  destination: {
    type: "webhook";
    configuration: {
      webhook_endpoint: string;
      webhook_authorization: { method: "bearer"; token: string };
    };
  };
  created_at: string;
  updated_at: string;
}

/** An event as Auth0 delivers it: a CloudEvents 1.0 envelope with Auth0's `a0tenant` and `a0stream`. */
export interface StreamEvent {
  specversion: "1.0";
  type: EventType;
  source: string;
  id: string;
  time: string;
  data: { object: Record<string, unknown> };
  a0tenant: string;
  a0stream: string;
}

export interface DeliveryAttempt {
  status: "failed";
  timestamp: string;
  error_message?: string;
  /** Milliseconds the attempt took. */
  duration?: number;
}

/** An event whose delivery to a stream failed, with every failed attempt; its id is the event's. */
export interface StoredEventDelivery {
  id: string;
  event_stream_id: string;
  status: "failed";
  event_type: EventType;
  attempts: DeliveryAttempt[];
  event: StreamEvent;
}

export interface EmulatorData {
  version: 1;
  /** The issuer the state was written under; a restart on another port rewrites it. */
  issuer: string;
  /** The tenant's "Default Audience" setting: the API of a token request without `audience`. */
  defaultAudience?: string;
  users: Record<string, StoredUser>;
  roles: Record<string, StoredRole>;
  /** user_id → tenant-level role ids: they fill the tokens of logins without an organization only. */
  userRoles: Record<string, string[]>;
  organizations: Record<string, StoredOrganization>;
  /** org id → member user ids, in insertion order. */
  members: Record<string, string[]>;
  /** org id → user_id → role ids: they fill the tokens of logins through that organization. */
  memberRoles: Record<string, Record<string, string[]>>;
  clients: Record<string, StoredClient>;
  clientGrants: Record<string, StoredClientGrant>;
  /** org id → the client grant ids associated with it, for client credentials with `organization`. */
  organizationClientGrants: Record<string, string[]>;
  userGrants: Record<string, StoredUserGrant>;
  resourceServers: Record<string, StoredResourceServer>;
  refreshTokens: Record<string, StoredRefreshToken>;
  signingKeys: StoredSigningKey[];
  eventStreams: Record<string, StoredEventStream>;
  /** stream id → event id → the failed delivery of that event on that stream. */
  eventDeliveries: Record<string, Record<string, StoredEventDelivery>>;
}
