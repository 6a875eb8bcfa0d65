import { searchPattern, searchTermsOf } from "./directory-search.js";
import type { SqlClient } from "./sql.js";

/**
 * Gatehouse's directory: its read model of Auth0 (tenants, users, memberships with their member roles, roles,
 * clients, users' consents), kept in step by write-through, Auth0 Event Streams and reconciliation. Every read
 * of the request path is answered from here, so Auth0's shared Management rate limit never caps Gatehouse.
 *
 * Writes are idempotent upserts and tolerate Auth0's at-least-once, unordered delivery: every row remembers the
 * time of the change it reflects (`sourceTime`, from Auth0's `updated_at` or the event's `time`), and a change
 * older than what is stored is ignored — last write wins by the object's time. A deletion leaves a tombstone
 * with its time, so a late "updated" cannot bring the object back.
 *
 * Precisely: a change applies when its time is newer than the stored row's, or equal to it while the row is
 * live (so a redelivered change applies again, harmlessly); a deletion applies when its time is newer than or
 * equal to the stored row's. At equal times the deletion therefore wins, whichever arrives first. An upsert
 * newer than a tombstone brings the object back (Auth0 does not reuse ids, but a late correct state should win).
 * Reads never return tombstones, nor memberships or consents of a deleted user, tenant or client.
 */

/** ISO 8601 timestamps throughout. */
export type Timestamp = string;

export interface DirectoryUser {
  id: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  emailVerified: boolean | null;
  blocked: boolean;
  createdAt: Timestamp | null;
  lastLogin: Timestamp | null;
  loginsCount: number | null;
  /** Names of the user's tenant-level (platform) roles; empty for tenant users. */
  platformRoleNames: string[];
  /** Auth0's `updated_at` (or the event time) of the state this row reflects. */
  sourceTime: Timestamp;
}

/** A user as a member of one tenant: with the roles they hold there. */
export interface TenantMember extends DirectoryUser {
  /** The organization member roles the user holds in the tenant listed. */
  memberRoleNames: string[];
}

export interface DirectoryTenant {
  id: string;
  name: string;
  displayName: string;
  /** Auth0 organization metadata (string values). */
  metadata: Record<string, string>;
  sourceTime: Timestamp;
}

export interface DirectoryMembership {
  tenantId: string;
  userId: string;
  /** Names of the member's organization roles in that tenant, sorted. */
  roleNames: string[];
  sourceTime: Timestamp;
}

export interface DirectoryRole {
  id: string;
  name: string;
  description: string;
  /** Its permissions on the Gatehouse API. */
  permissions: string[];
}

/** An Auth0 application: API keys (machine clients bound to a tenant), partners, the SPA, anything else. */
export interface DirectoryClient {
  id: string;
  name: string;
  description: string | null;
  logoUri: string | null;
  appType: string | null;
  isFirstParty: boolean;
  /** `client_metadata` (string values). */
  metadata: Record<string, string>;
  /** `client_metadata.tenant_id`, when the client is bound to a tenant. */
  tenantId: string | null;
  createdAt: Timestamp | null;
  /** The scopes of its `client` grant on the Gatehouse API (what its own tokens carry); empty without one. */
  scopes: string[];
  /** The scopes of its `user` grant on the Gatehouse API (what it may get for users); empty without one. */
  userScopes: string[];
  sourceTime: Timestamp;
}

/** A user's consent to a third-party client (an Auth0 user grant). */
export interface DirectoryConsent {
  id: string;
  userId: string;
  clientId: string;
  scopes: string[];
  organizationId: string | null;
}

/** A page of a keyset-paginated list: `endCursor` is opaque and stable under inserts and deletes. */
export interface DirectoryPage<T> {
  nodes: T[];
  /** Null when the query did not ask for it (`withTotal: false`): counting costs a statement. */
  totalCount: number | null;
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface TenantUserQuery {
  /** Case-insensitive prefix of the email, of the name, or of any word of the name. */
  search?: string | null;
  /** 1..100. */
  first: number;
  /**
   * A cursor this directory gave out for this list (any tenant, any search: it is a position in user id
   * order); anything else, including "", is a `DirectoryCursorError`.
   */
  after?: string | null;
  /** Whether to count every matching member too (default true). */
  withTotal?: boolean;
}

/** A cursor the directory did not give out (or cannot read): the caller's bad input. */
export class DirectoryCursorError extends Error {
  override name = "DirectoryCursorError";
}

export interface DirectoryReader {
  findUser(id: string): Promise<DirectoryUser | null>;
  /** The users with these ids that exist, in no particular order. */
  findUsers(ids: readonly string[]): Promise<DirectoryUser[]>;
  /** The ids of the tenants a user is a member of, sorted. */
  tenantsOfUser(userId: string): Promise<string[]>;
  findMembership(tenantId: string, userId: string): Promise<DirectoryMembership | null>;
  /**
   * A user and, in one statement, their membership of a tenant (null when they are not a member): the
   * check every request of a user makes.
   */
  findUserInTenant(
    userId: string,
    tenantId: string,
  ): Promise<{ user: DirectoryUser; membership: DirectoryMembership | null } | null>;
  /** The memberships of these users in one tenant (missing users are absent from the map). */
  findMemberships(tenantId: string, userIds: readonly string[]): Promise<Map<string, DirectoryMembership>>;
  /**
   * A tenant's members, ordered by user id, searched and paged in the database. A member whose user has not
   * reached the directory yet (events arrive in any order) is left out of both the nodes and `totalCount`.
   */
  /** A page of a tenant's members, each with their roles in it (read in the same statement). */
  listTenantUsers(tenantId: string, query: TenantUserQuery): Promise<DirectoryPage<TenantMember>>;
  /** The ids of every member of a tenant, sorted (including members whose user has not arrived yet). */
  memberIds(tenantId: string): Promise<string[]>;
  /** The ids of the users holding a platform role, sorted. */
  userIdsWithPlatformRoles(): Promise<string[]>;
  /** The ids of the users in no tenant and holding no platform role, sorted (candidates for deletion checks). */
  userIdsWithoutTenantOrRole(): Promise<string[]>;

  findTenant(id: string): Promise<DirectoryTenant | null>;
  findTenants(ids: readonly string[]): Promise<DirectoryTenant[]>;
  /** The ids of every tenant, sorted. */
  tenantIds(): Promise<string[]>;
  /** Every tenant, ordered by id, with the real total. */
  listTenants(query: { first: number; after?: string | null }): Promise<DirectoryPage<DirectoryTenant>>;

  listRoles(): Promise<DirectoryRole[]>;

  findClient(id: string): Promise<DirectoryClient | null>;
  /** The ids of every client, sorted. */
  clientIds(): Promise<string[]>;
  /** The API keys of a tenant: clients with `metadata.gatehouse_api_key = "true"` bound to it, by name. */
  listApiKeys(tenantId: string): Promise<DirectoryClient[]>;
  /** Third-party clients with `metadata.gatehouse_partner = "true"`, by name. */
  listPartners(): Promise<DirectoryClient[]>;

  consentsOfUser(userId: string): Promise<DirectoryConsent[]>;
  consentsOfClient(clientId: string): Promise<DirectoryConsent[]>;

  /** How many users, tenants, memberships, clients the directory holds (not counting tombstones). */
  counts(): Promise<{ users: number; tenants: number; memberships: number; clients: number }>;
  /** A number every write that changes what readers see moves on (for the in-process read cache). */
  version(): Promise<number>;
  /** A value the sync engine keeps (last full pass, import progress, checkpoints); null when never set. */
  getState<T>(key: string): Promise<T | null>;
  /** Whether `recordEvent` recorded this event id (and `forgetEventsBefore` has not forgotten it). */
  hasEvent(eventId: string): Promise<boolean>;
}

export interface DirectoryWriter {
  /** Inserts or replaces the user unless a newer state (or a newer deletion) is stored. True if applied. */
  upsertUser(user: DirectoryUser): Promise<boolean>;
  /**
   * `upsertUser` for many users in one statement (the importer's path); returns how many were applied. A user
   * listed twice counts once, with their newest state.
   */
  upsertUsers(users: readonly DirectoryUser[]): Promise<number>;
  /**
   * Sets a stored user's platform role names (read from Auth0 per role, not with the user, so they carry no
   * time of their own and do not change `sourceTime`). False when the user is not in the directory.
   */
  setPlatformRoles(userId: string, roleNames: readonly string[]): Promise<boolean>;
  /**
   * Deletes the user with their memberships, consents and personal data (email, name, picture…), leaving a
   * tombstone at `time`, also when the user was never stored. False when a newer state is stored.
   */
  deleteUser(id: string, time: Timestamp): Promise<boolean>;
  upsertTenant(tenant: DirectoryTenant): Promise<boolean>;
  /** `upsertTenant` for many tenants in one statement; returns how many were applied. */
  upsertTenants(tenants: readonly DirectoryTenant[]): Promise<number>;
  /** Deletes the tenant and its memberships, leaving a tombstone at `time`. False when a newer state is stored. */
  deleteTenant(id: string, time: Timestamp): Promise<boolean>;
  /**
   * Adds or replaces a membership (with its roles) unless a newer change of it is stored, or its user or tenant
   * was deleted at or after `membership.sourceTime`. `roleNames` are stored sorted.
   */
  upsertMembership(membership: DirectoryMembership): Promise<boolean>;
  /** `upsertMembership` for many memberships (of any tenants) in one statement; returns how many were applied. */
  upsertMemberships(memberships: readonly DirectoryMembership[]): Promise<number>;
  /** Ends a membership, leaving a tombstone at `time` so an older "added" cannot restore it. */
  removeMembership(tenantId: string, userId: string, time: Timestamp): Promise<boolean>;
  /**
   * Makes the tenant's memberships exactly these (a full pass over its members), at `time`: each given one is
   * upserted as by `upsertMembership` (by its own `sourceTime`), and every other live membership of the tenant
   * is removed at `time` — unless its stored change is newer than `time` (an event arrived during the pass),
   * which is kept as it is. Every membership must belong to `tenantId` (an `Error` otherwise). One statement.
   */
  replaceMemberships(
    tenantId: string,
    memberships: readonly DirectoryMembership[],
    time: Timestamp,
  ): Promise<void>;
  /** Makes the roles exactly these. */
  replaceRoles(roles: readonly DirectoryRole[]): Promise<void>;
  upsertClient(client: DirectoryClient): Promise<boolean>;
  /** `upsertClient` for many clients in one statement; returns how many were applied. */
  upsertClients(clients: readonly DirectoryClient[]): Promise<number>;
  /** Deletes the client and the consents given to it, leaving a tombstone at `time`. */
  deleteClient(id: string, time: Timestamp): Promise<boolean>;
  /** Makes the consents exactly these (a full pass over Auth0's user grants of Gatehouse's API). */
  replaceConsents(consents: readonly DirectoryConsent[]): Promise<void>;
  /** Adds or replaces the consent; ignored when its user or client is deleted. */
  upsertConsent(consent: DirectoryConsent): Promise<void>;
  deleteConsent(id: string): Promise<void>;
  /** Records an Auth0 event id; false when it was already recorded (a duplicate delivery). */
  recordEvent(eventId: string, receivedAt: Timestamp): Promise<boolean>;
  /**
   * Forgets the event ids received before `time` (once Auth0 can no longer redeliver them), so the table does
   * not grow forever; returns how many were forgotten.
   */
  forgetEventsBefore(time: Timestamp): Promise<number>;
  /** Keeps `value` (anything JSON can hold; `undefined` is kept as null) under `key`. */
  setState(key: string, value: unknown): Promise<void>;
  /**
   * Takes or renews the lease `name` for `holder` until `expiresAt` (epoch milliseconds): true when it was free,
   * expired at `now`, or already `holder`'s — so one instance at a time runs what the lease guards.
   */
  tryLease(name: string, holder: string, expiresAt: number, now: number): Promise<boolean>;
  /** Gives the lease up, if `holder` still holds it. */
  releaseLease(name: string, holder: string): Promise<void>;
}

export type DirectoryRepository = DirectoryReader & DirectoryWriter;

/** At most this many nodes in a page, whatever `first` says: it is validated upstream; this is a backstop. */
const maxPageSize = 100;

function pageSize(first: number): number {
  return Number.isFinite(first) ? Math.min(maxPageSize, Math.max(1, Math.floor(first))) : maxPageSize;
}

type CursorList = "members" | "tenants";

// A cursor is the list's name and the last id, base64url-encoded: both lists are in id order, and ids are
// unique, so the id alone is a position that stays valid whatever is inserted or deleted around it.
function encodeCursor(list: CursorList, id: string): string {
  return Buffer.from(`${list}:${id}`, "utf8").toString("base64url");
}

function decodeCursor(list: CursorList, cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const prefix = `${list}:`;
  // Node decodes leniently (skipping what is not base64url, replacing broken UTF-8), so a cursor is ours only
  // if encoding what it decodes to gives it back.
  if (
    encodeCursor(list, text.slice(prefix.length)) !== cursor ||
    !text.startsWith(prefix) ||
    text === prefix
  ) {
    throw new DirectoryCursorError(`"after" is not a cursor this list of ${list} gave out`);
  }
  return text.slice(prefix.length);
}

/** A page from `limit + 1` rows: the extra one, when there is one, only says that there is a next page. */
function page<T>(
  rows: T[],
  limit: number,
  totalCount: number | null,
  idOf: (node: T) => string,
  list: CursorList,
): DirectoryPage<T> {
  const nodes = rows.slice(0, limit);
  const last = nodes.at(-1);
  return {
    nodes,
    totalCount,
    hasNextPage: rows.length > limit,
    endCursor: last === undefined ? null : encodeCursor(list, idOf(last)),
  };
}

/** Keeps one of each id, the newest (the last listed on a tie): one statement may not change a row twice. */
function newestOfEach<T extends { sourceTime: Timestamp }>(
  items: readonly T[],
  idOf: (item: T) => string,
): T[] {
  const newest = new Map<string, T>();
  for (const item of items) {
    const kept = newest.get(idOf(item));
    if (kept === undefined || Date.parse(item.sourceTime) >= Date.parse(kept.sourceTime)) {
      newest.set(idOf(item), item);
    }
  }
  return [...newest.values()];
}

function lastOfEach<T>(items: readonly T[], idOf: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [idOf(item), item])).values()];
}

/**
 * Last write wins (see the top of this file): inside `on conflict … do update`, whether the incoming change
 * is newer than the stored row, or as new as a live one.
 */
function changeApplies(tombstoneColumn: "deleted_at" | "removed_at"): string {
  return `excluded.source_time > stored.source_time
          or (excluded.source_time = stored.source_time and stored.${tombstoneColumn} is null)`;
}

/**
 * A membership counts while live and while neither its user nor its tenant is deleted. Deletions cascade, so
 * these guards matter only for a membership written while its user or tenant was being deleted (the cascade's
 * snapshot cannot see it). Given a parameter rather than a column, a guard is checked once, not per row.
 */
function userNotDeleted(userId: string): string {
  return `not exists (select 1 from directory_users deleted_user
                       where deleted_user.id = ${userId} and deleted_user.deleted_at is not null)`;
}

function tenantNotDeleted(tenantId: string): string {
  return `not exists (select 1 from directory_tenants deleted_tenant
                       where deleted_tenant.id = ${tenantId} and deleted_tenant.deleted_at is not null)`;
}

/** A consent counts while neither its user nor its client is deleted (the same guard as for memberships). */
function liveConsent(c: string): string {
  return `${userNotDeleted(`${c}.user_id`)}
          and not exists (select 1 from directory_clients deleted_client
                           where deleted_client.id = ${c}.client_id and deleted_client.deleted_at is not null)`;
}

/** A text[] column from a JSON array of strings inside `jsonb_to_recordset` (PGlite and pg agree on JSON). */
const textArray = (jsonColumn: string) => `array(select jsonb_array_elements_text(${jsonColumn}))`;

// Bulk writes send their rows as one JSON array expanded by jsonb_to_recordset: one statement and one
// parameter whatever the count, and text[] and jsonb values travel the same way on both drivers.

type UserRow = {
  id: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  email_verified: boolean | null;
  blocked: boolean;
  created_at: Date | null;
  last_login: Date | null;
  logins_count: number | null;
  platform_role_names: string[];
  source_time: Date;
};

const userColumns = `u.id, u.email, u.name, u.picture, u.email_verified, u.blocked, u.created_at, u.last_login,
  u.logins_count, u.platform_role_names, u.source_time`;

function toUser(row: UserRow): DirectoryUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    picture: row.picture,
    emailVerified: row.email_verified,
    blocked: row.blocked,
    createdAt: row.created_at?.toISOString() ?? null,
    lastLogin: row.last_login?.toISOString() ?? null,
    loginsCount: row.logins_count,
    platformRoleNames: row.platform_role_names,
    sourceTime: row.source_time.toISOString(),
  };
}

const upsertUsersSql = `
  with incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(
      id text, email text, name text, picture text, email_verified boolean, blocked boolean,
      created_at timestamptz, last_login timestamptz, logins_count integer,
      platform_role_names jsonb, search_terms jsonb, source_time timestamptz)
  ),
  applied as (
    insert into directory_users as stored (id, email, name, picture, email_verified, blocked, created_at,
                                           last_login, logins_count, platform_role_names, source_time, deleted_at)
    select id, email, name, picture, email_verified, blocked, created_at, last_login, logins_count,
           ${textArray("platform_role_names")}, source_time, null
      from incoming
    on conflict (id) do update
      set email = excluded.email, name = excluded.name, picture = excluded.picture,
          email_verified = excluded.email_verified, blocked = excluded.blocked, created_at = excluded.created_at,
          last_login = excluded.last_login, logins_count = excluded.logins_count,
          platform_role_names = excluded.platform_role_names, source_time = excluded.source_time,
          deleted_at = null
      where ${changeApplies("deleted_at")}
    returning stored.id
  ),
  stale_terms as (
    delete from directory_user_search_terms t
     using applied join incoming on incoming.id = applied.id
     where t.user_id = applied.id and not incoming.search_terms ? t.term
  ),
  new_terms as (
    insert into directory_user_search_terms (user_id, term)
    select applied.id, new_term
      from applied join incoming on incoming.id = applied.id
           cross join jsonb_array_elements_text(incoming.search_terms) as new_term
    on conflict do nothing
  )
  select count(*)::int as applied from applied`;

// Personal data goes with the user; the tombstone keeps only the id and the time.
const deleteUserSql = `
  with tombstone as (
    insert into directory_users as stored (id, email, name, picture, email_verified, blocked, created_at,
                                           last_login, logins_count, platform_role_names, source_time, deleted_at)
    values ($1, null, null, null, null, false, null, null, null, '{}', $2::timestamptz, $2::timestamptz)
    on conflict (id) do update
      set email = null, name = null, picture = null, email_verified = null, blocked = false, created_at = null,
          last_login = null, logins_count = null, platform_role_names = '{}',
          source_time = excluded.source_time, deleted_at = excluded.deleted_at
      where excluded.source_time >= stored.source_time
    returning stored.id
  ),
  ended_memberships as (
    update directory_memberships m
       set role_names = '{}', removed_at = $2::timestamptz, source_time = greatest(m.source_time, $2::timestamptz)
      from tombstone
     where m.user_id = tombstone.id and m.removed_at is null
  ),
  deleted_consents as (
    delete from directory_consents c using tombstone where c.user_id = tombstone.id
  ),
  deleted_terms as (
    delete from directory_user_search_terms t using tombstone where t.user_id = tombstone.id
  )
  select count(*)::int as applied from tombstone`;

type TenantRow = {
  id: string;
  name: string;
  display_name: string;
  metadata: Record<string, string>;
  source_time: Date;
};

const tenantColumns = "t.id, t.name, t.display_name, t.metadata, t.source_time";

function toTenant(row: TenantRow): DirectoryTenant {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    metadata: row.metadata,
    sourceTime: row.source_time.toISOString(),
  };
}

const upsertTenantsSql = `
  with incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(
      id text, name text, display_name text, metadata jsonb, source_time timestamptz)
  ),
  applied as (
    insert into directory_tenants as stored (id, name, display_name, metadata, source_time, deleted_at)
    select id, name, display_name, coalesce(metadata, '{}'), source_time, null from incoming
    on conflict (id) do update
      set name = excluded.name, display_name = excluded.display_name, metadata = excluded.metadata,
          source_time = excluded.source_time, deleted_at = null
      where ${changeApplies("deleted_at")}
    returning stored.id
  )
  select count(*)::int as applied from applied`;

const deleteTenantSql = `
  with tombstone as (
    insert into directory_tenants as stored (id, name, display_name, metadata, source_time, deleted_at)
    values ($1, '', '', '{}', $2::timestamptz, $2::timestamptz)
    on conflict (id) do update
      set source_time = excluded.source_time, deleted_at = excluded.deleted_at
      where excluded.source_time >= stored.source_time
    returning stored.id
  ),
  ended_memberships as (
    update directory_memberships m
       set role_names = '{}', removed_at = $2::timestamptz, source_time = greatest(m.source_time, $2::timestamptz)
      from tombstone
     where m.tenant_id = tombstone.id and m.removed_at is null
  )
  select count(*)::int as applied from tombstone`;

type MembershipRow = { tenant_id: string; user_id: string; role_names: string[]; source_time: Date };

const membershipColumns = "m.tenant_id, m.user_id, m.role_names, m.source_time";

function toMembership(row: MembershipRow): DirectoryMembership {
  return {
    tenantId: row.tenant_id,
    userId: row.user_id,
    roleNames: row.role_names,
    sourceTime: row.source_time.toISOString(),
  };
}

function membershipRecords(memberships: readonly DirectoryMembership[]): string {
  return JSON.stringify(
    newestOfEach(memberships, (m) => JSON.stringify([m.tenantId, m.userId])).map((membership) => ({
      tenant_id: membership.tenantId,
      user_id: membership.userId,
      role_names: [...membership.roleNames].sort(),
      source_time: membership.sourceTime,
    })),
  );
}

/** The CTEs upserting the memberships in the JSON array `$1`, as `applied` (one row each). */
const membershipsApplied = `
  incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(
      tenant_id text, user_id text, role_names jsonb, source_time timestamptz)
  ),
  applied as (
    insert into directory_memberships as stored (tenant_id, user_id, role_names, source_time, removed_at)
    select tenant_id, user_id, ${textArray("role_names")}, source_time, null
      from incoming
     where not exists (select 1 from directory_users deleted_user
                        where deleted_user.id = incoming.user_id and deleted_user.deleted_at is not null
                          and deleted_user.source_time >= incoming.source_time)
       and not exists (select 1 from directory_tenants deleted_tenant
                        where deleted_tenant.id = incoming.tenant_id and deleted_tenant.deleted_at is not null
                          and deleted_tenant.source_time >= incoming.source_time)
    on conflict (tenant_id, user_id) do update
      set role_names = excluded.role_names, source_time = excluded.source_time, removed_at = null
      where ${changeApplies("removed_at")}
    returning 1
  )`;

const upsertMembershipsSql = `
  with ${membershipsApplied}
  select count(*)::int as applied from applied`;

const replaceMembershipsSql = `
  with ${membershipsApplied},
  ended as (
    update directory_memberships m
       set role_names = '{}', source_time = $3::timestamptz, removed_at = $3::timestamptz
     where m.tenant_id = $2 and m.removed_at is null and m.source_time <= $3::timestamptz
       and not exists (select 1 from incoming where incoming.user_id = m.user_id)
  )
  select count(*)::int as applied from applied`;

const removeMembershipSql = `
  insert into directory_memberships as stored (tenant_id, user_id, role_names, source_time, removed_at)
  values ($1, $2, '{}', $3::timestamptz, $3::timestamptz)
  on conflict (tenant_id, user_id) do update
    set role_names = '{}', source_time = excluded.source_time, removed_at = excluded.removed_at
    where excluded.source_time >= stored.source_time
  returning 1`;

type RoleRow = { id: string; name: string; description: string; permissions: string[] };

const replaceRolesSql = `
  with incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(id text, name text, description text, permissions jsonb)
  ),
  removed as (
    delete from directory_roles r where not exists (select 1 from incoming where incoming.id = r.id)
  ),
  upserted as (
    insert into directory_roles as stored (id, name, description, permissions)
    select id, name, coalesce(description, ''), ${textArray("permissions")} from incoming
    on conflict (id) do update
      set name = excluded.name, description = excluded.description, permissions = excluded.permissions
  )
  select 1`;

type ClientRow = {
  id: string;
  name: string;
  description: string | null;
  logo_uri: string | null;
  app_type: string | null;
  is_first_party: boolean;
  metadata: Record<string, string>;
  tenant_id: string | null;
  created_at: Date | null;
  scopes: string[];
  user_scopes: string[];
  source_time: Date;
};

const clientColumns = `c.id, c.name, c.description, c.logo_uri, c.app_type, c.is_first_party, c.metadata,
  c.tenant_id, c.created_at, c.scopes, c.user_scopes, c.source_time`;

function toClient(row: ClientRow): DirectoryClient {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    logoUri: row.logo_uri,
    appType: row.app_type,
    isFirstParty: row.is_first_party,
    metadata: row.metadata,
    tenantId: row.tenant_id,
    createdAt: row.created_at?.toISOString() ?? null,
    scopes: row.scopes,
    userScopes: row.user_scopes,
    sourceTime: row.source_time.toISOString(),
  };
}

const upsertClientsSql = `
  with incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(
      id text, name text, description text, logo_uri text, app_type text, is_first_party boolean,
      metadata jsonb, tenant_id text, created_at timestamptz, scopes jsonb, user_scopes jsonb,
      source_time timestamptz)
  ),
  applied as (
    insert into directory_clients as stored (id, name, description, logo_uri, app_type, is_first_party, metadata,
                                             tenant_id, created_at, scopes, user_scopes, source_time, deleted_at)
    select id, name, description, logo_uri, app_type, is_first_party, coalesce(metadata, '{}'), tenant_id,
           created_at, ${textArray("scopes")}, ${textArray("user_scopes")}, source_time, null
      from incoming
    on conflict (id) do update
      set name = excluded.name, description = excluded.description, logo_uri = excluded.logo_uri,
          app_type = excluded.app_type, is_first_party = excluded.is_first_party, metadata = excluded.metadata,
          tenant_id = excluded.tenant_id, created_at = excluded.created_at, scopes = excluded.scopes,
          user_scopes = excluded.user_scopes, source_time = excluded.source_time, deleted_at = null
      where ${changeApplies("deleted_at")}
    returning stored.id
  )
  select count(*)::int as applied from applied`;

const deleteClientSql = `
  with tombstone as (
    insert into directory_clients as stored (id, name, is_first_party, metadata, scopes, user_scopes,
                                             source_time, deleted_at)
    values ($1, '', false, '{}', '{}', '{}', $2::timestamptz, $2::timestamptz)
    on conflict (id) do update
      set source_time = excluded.source_time, deleted_at = excluded.deleted_at
      where excluded.source_time >= stored.source_time
    returning stored.id
  ),
  deleted_consents as (
    delete from directory_consents c using tombstone where c.client_id = tombstone.id
  )
  select count(*)::int as applied from tombstone`;

type ConsentRow = {
  id: string;
  user_id: string;
  client_id: string;
  scopes: string[];
  organization_id: string | null;
};

const consentColumns = "c.id, c.user_id, c.client_id, c.scopes, c.organization_id";

function toConsent(row: ConsentRow): DirectoryConsent {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    scopes: row.scopes,
    organizationId: row.organization_id,
  };
}

function consentRecords(consents: readonly DirectoryConsent[]): string {
  return JSON.stringify(
    lastOfEach(consents, (consent) => consent.id).map((consent) => ({
      id: consent.id,
      user_id: consent.userId,
      client_id: consent.clientId,
      scopes: consent.scopes,
      organization_id: consent.organizationId,
    })),
  );
}

/** The CTEs upserting the consents in the JSON array `$1`, skipping those of deleted users and clients. */
const consentsUpserted = `
  incoming as (
    select * from jsonb_to_recordset($1::jsonb) as incoming(
      id text, user_id text, client_id text, scopes jsonb, organization_id text)
  ),
  upserted as (
    insert into directory_consents as stored (id, user_id, client_id, scopes, organization_id)
    select id, user_id, client_id, ${textArray("scopes")}, organization_id
      from incoming
     where ${liveConsent("incoming")}
    on conflict (id) do update
      set user_id = excluded.user_id, client_id = excluded.client_id, scopes = excluded.scopes,
          organization_id = excluded.organization_id
  )`;

const replaceConsentsSql = `
  with ${consentsUpserted},
  removed as (
    delete from directory_consents c where not exists (select 1 from incoming where incoming.id = c.id)
  )
  select 1`;

/** The directory on one SQL connection (or transaction). */
export function directoryRepository(sql: SqlClient): DirectoryRepository {
  const applied = async (text: string, params: readonly unknown[]): Promise<number> => {
    const [row] = await sql.query<{ applied: number }>(text, params);
    return row?.applied ?? 0;
  };
  const count = async (text: string, params: readonly unknown[]): Promise<number> => {
    const [row] = await sql.query<{ count: number }>(text, params);
    return row?.count ?? 0;
  };

  const upsertUsers = (users: readonly DirectoryUser[]) =>
    applied(upsertUsersSql, [
      JSON.stringify(
        newestOfEach(users, (user) => user.id).map((user) => ({
          id: user.id,
          email: user.email,
          name: user.name,
          picture: user.picture,
          email_verified: user.emailVerified,
          blocked: user.blocked,
          created_at: user.createdAt,
          last_login: user.lastLogin,
          logins_count: user.loginsCount,
          platform_role_names: user.platformRoleNames,
          search_terms: searchTermsOf(user),
          source_time: user.sourceTime,
        })),
      ),
    ]);

  const upsertTenants = (tenants: readonly DirectoryTenant[]) =>
    applied(upsertTenantsSql, [
      JSON.stringify(
        newestOfEach(tenants, (tenant) => tenant.id).map((tenant) => ({
          id: tenant.id,
          name: tenant.name,
          display_name: tenant.displayName,
          metadata: tenant.metadata,
          source_time: tenant.sourceTime,
        })),
      ),
    ]);

  const upsertMemberships = (memberships: readonly DirectoryMembership[]) =>
    applied(upsertMembershipsSql, [membershipRecords(memberships)]);

  const upsertClients = (clients: readonly DirectoryClient[]) =>
    applied(upsertClientsSql, [
      JSON.stringify(
        newestOfEach(clients, (client) => client.id).map((client) => ({
          id: client.id,
          name: client.name,
          description: client.description,
          logo_uri: client.logoUri,
          app_type: client.appType,
          is_first_party: client.isFirstParty,
          metadata: client.metadata,
          tenant_id: client.tenantId,
          created_at: client.createdAt,
          scopes: client.scopes,
          user_scopes: client.userScopes,
          source_time: client.sourceTime,
        })),
      ),
    ]);

  const selectIds = async (text: string) => (await sql.query<{ id: string }>(text)).map((row) => row.id);

  const memberships = async (where: string, params: readonly unknown[]) =>
    (
      await sql.query<MembershipRow>(
        `select ${membershipColumns} from directory_memberships m
          where ${where} and m.removed_at is null
          order by m.tenant_id, m.user_id`,
        params,
      )
    ).map(toMembership);

  const repository: DirectoryRepository = {
    async findUser(id) {
      return (await repository.findUsers([id]))[0] ?? null;
    },

    async findUsers(ids) {
      if (ids.length === 0) return [];
      const rows = await sql.query<UserRow>(
        `select ${userColumns} from directory_users u where u.id = any($1::text[]) and u.deleted_at is null`,
        [[...ids]],
      );
      return rows.map(toUser);
    },

    async tenantsOfUser(userId) {
      return (
        await memberships(
          `m.user_id = $1 and ${userNotDeleted("$1")} and ${tenantNotDeleted("m.tenant_id")}`,
          [userId],
        )
      ).map((membership) => membership.tenantId);
    },

    async findMembership(tenantId, userId) {
      const [membership] = await memberships(
        `m.tenant_id = $1 and m.user_id = $2 and ${tenantNotDeleted("$1")} and ${userNotDeleted("$2")}`,
        [tenantId, userId],
      );
      return membership ?? null;
    },

    async findUserInTenant(userId, tenantId) {
      const [row] = await sql.query<
        UserRow & { membership_role_names: string[] | null; membership_time: Date | null }
      >(
        `select ${userColumns}, m.role_names as membership_role_names, m.source_time as membership_time
           from directory_users u
           left join directory_memberships m
             on m.user_id = u.id and m.tenant_id = $2 and m.removed_at is null and ${tenantNotDeleted("$2")}
          where u.id = $1 and u.deleted_at is null`,
        [userId, tenantId],
      );
      if (!row) return null;
      return {
        user: toUser(row),
        membership:
          row.membership_role_names === null || row.membership_time === null
            ? null
            : {
                tenantId,
                userId,
                roleNames: row.membership_role_names,
                sourceTime: new Date(row.membership_time).toISOString(),
              },
      };
    },

    async findMemberships(tenantId, userIds) {
      if (userIds.length === 0) return new Map();
      const found = await memberships(
        `m.tenant_id = $1 and m.user_id = any($2::text[])
         and ${tenantNotDeleted("$1")} and ${userNotDeleted("m.user_id")}`,
        [tenantId, [...userIds]],
      );
      return new Map(found.map((membership) => [membership.userId, membership]));
    },

    async listTenantUsers(tenantId, { search, first, after, withTotal = true }) {
      const limit = pageSize(first);
      const afterId = after === undefined || after === null ? null : decodeCursor("members", after);
      const pattern = searchPattern(search);

      // Joined to the live users: a page needs their data, and the total must count what the pages show.
      const params: unknown[] = [tenantId];
      let matching = `from directory_memberships m
                      join directory_users u on u.id = m.user_id and u.deleted_at is null
                     where m.tenant_id = $1 and m.removed_at is null and ${tenantNotDeleted("$1")}`;
      if (pattern !== null) {
        params.push(pattern);
        matching += ` and exists (select 1 from directory_user_search_terms t
                                   where t.user_id = m.user_id and t.term like $${params.length} escape '\\')`;
      }
      // One after the other: a transaction's connection runs one statement at a time anyway.
      const rows = await sql.query<UserRow & { member_role_names: string[] }>(
        `select ${userColumns}, m.role_names as member_role_names ${matching}
         ${afterId === null ? "" : `and m.user_id > $${params.length + 1}`}
         order by m.user_id
         limit ${limit + 1}`,
        afterId === null ? params : [...params, afterId],
      );
      const totalCount = withTotal ? await count(`select count(*)::int as count ${matching}`, params) : null;
      const members = rows.map((row): TenantMember => ({
        ...toUser(row),
        memberRoleNames: row.member_role_names,
      }));
      return page(members, limit, totalCount, (user) => user.id, "members");
    },

    async memberIds(tenantId) {
      return (
        await memberships(
          `m.tenant_id = $1 and ${tenantNotDeleted("$1")} and ${userNotDeleted("m.user_id")}`,
          [tenantId],
        )
      ).map((membership) => membership.userId);
    },

    userIdsWithPlatformRoles: () =>
      selectIds(
        `select u.id from directory_users u
          where u.deleted_at is null and cardinality(u.platform_role_names) > 0
          order by u.id`,
      ),

    userIdsWithoutTenantOrRole: () =>
      selectIds(
        `select u.id from directory_users u
          where u.deleted_at is null and cardinality(u.platform_role_names) = 0
            and not exists (select 1 from directory_memberships m
                             where m.user_id = u.id and m.removed_at is null and ${tenantNotDeleted("m.tenant_id")})
          order by u.id`,
      ),

    async findTenant(id) {
      return (await repository.findTenants([id]))[0] ?? null;
    },

    async findTenants(ids) {
      if (ids.length === 0) return [];
      const rows = await sql.query<TenantRow>(
        `select ${tenantColumns} from directory_tenants t where t.id = any($1::text[]) and t.deleted_at is null`,
        [[...ids]],
      );
      return rows.map(toTenant);
    },

    tenantIds: () => selectIds("select id from directory_tenants where deleted_at is null order by id"),

    async listTenants({ first, after }) {
      const limit = pageSize(first);
      const afterId = after === undefined || after === null ? null : decodeCursor("tenants", after);
      const rows = await sql.query<TenantRow>(
        `select ${tenantColumns} from directory_tenants t
          where t.deleted_at is null ${afterId === null ? "" : "and t.id > $1"}
          order by t.id
          limit ${limit + 1}`,
        afterId === null ? [] : [afterId],
      );
      const totalCount = await count(
        "select count(*)::int as count from directory_tenants where deleted_at is null",
        [],
      );
      return page(rows.map(toTenant), limit, totalCount, (tenant) => tenant.id, "tenants");
    },

    async listRoles() {
      const rows = await sql.query<RoleRow>(
        `select id, name, description, permissions from directory_roles order by lower(name) collate "C", id`,
      );
      return rows.map(({ id, name, description, permissions }) => ({ id, name, description, permissions }));
    },

    async findClient(id) {
      const [row] = await sql.query<ClientRow>(
        `select ${clientColumns} from directory_clients c where c.id = $1 and c.deleted_at is null`,
        [id],
      );
      return row ? toClient(row) : null;
    },

    clientIds: () => selectIds("select id from directory_clients where deleted_at is null order by id"),

    async listApiKeys(tenantId) {
      const rows = await sql.query<ClientRow>(
        `select ${clientColumns} from directory_clients c
          where c.tenant_id = $1 and c.deleted_at is null and c.metadata->>'gatehouse_api_key' = 'true'
          order by lower(c.name) collate "C", c.id`,
        [tenantId],
      );
      return rows.map(toClient);
    },

    async listPartners() {
      const rows = await sql.query<ClientRow>(
        `select ${clientColumns} from directory_clients c
          where c.deleted_at is null and not c.is_first_party and c.metadata->>'gatehouse_partner' = 'true'
          order by lower(c.name) collate "C", c.id`,
      );
      return rows.map(toClient);
    },

    async consentsOfUser(userId) {
      const rows = await sql.query<ConsentRow>(
        `select ${consentColumns} from directory_consents c where c.user_id = $1 and ${liveConsent("c")}
          order by c.id`,
        [userId],
      );
      return rows.map(toConsent);
    },

    async consentsOfClient(clientId) {
      const rows = await sql.query<ConsentRow>(
        `select ${consentColumns} from directory_consents c where c.client_id = $1 and ${liveConsent("c")}
          order by c.id`,
        [clientId],
      );
      return rows.map(toConsent);
    },

    async counts() {
      const [row] = await sql.query<{ users: number; tenants: number; memberships: number; clients: number }>(
        `select (select count(*) from directory_users where deleted_at is null)::int as users,
                (select count(*) from directory_tenants where deleted_at is null)::int as tenants,
                (select count(*) from directory_memberships m
                  where m.removed_at is null
                    and ${userNotDeleted("m.user_id")} and ${tenantNotDeleted("m.tenant_id")})::int as memberships,
                (select count(*) from directory_clients where deleted_at is null)::int as clients`,
      );
      return row ?? { users: 0, tenants: 0, memberships: 0, clients: 0 };
    },

    async getState<T>(key: string) {
      const [row] = await sql.query<{ value: T }>("select value from directory_state where key = $1", [key]);
      return row?.value ?? null;
    },

    async hasEvent(eventId) {
      return (await sql.query("select 1 from directory_events where id = $1", [eventId])).length === 1;
    },

    upsertUser: async (user) => (await upsertUsers([user])) === 1,
    upsertUsers,

    async setPlatformRoles(userId, roleNames) {
      const updated = await sql.query(
        `update directory_users set platform_role_names = $2::text[]
          where id = $1 and deleted_at is null
         returning id`,
        [userId, [...roleNames]],
      );
      return updated.length === 1;
    },

    deleteUser: async (id, time) => (await applied(deleteUserSql, [id, time])) === 1,

    upsertTenant: async (tenant) => (await upsertTenants([tenant])) === 1,
    upsertTenants,

    deleteTenant: async (id, time) => (await applied(deleteTenantSql, [id, time])) === 1,

    upsertMembership: async (membership) => (await upsertMemberships([membership])) === 1,
    upsertMemberships,

    async removeMembership(tenantId, userId, time) {
      return (await sql.query(removeMembershipSql, [tenantId, userId, time])).length === 1;
    },

    async replaceMemberships(tenantId, given, time) {
      const stranger = given.find((membership) => membership.tenantId !== tenantId);
      if (stranger) {
        throw new Error(`replacing the memberships of ${tenantId} was given one of ${stranger.tenantId}`);
      }
      await sql.query(replaceMembershipsSql, [membershipRecords(given), tenantId, time]);
    },

    async replaceRoles(roles) {
      await sql.query(replaceRolesSql, [
        JSON.stringify(
          lastOfEach(roles, (role) => role.id).map(({ id, name, description, permissions }) => ({
            id,
            name,
            description,
            permissions,
          })),
        ),
      ]);
    },

    upsertClient: async (client) => (await upsertClients([client])) === 1,
    upsertClients,

    deleteClient: async (id, time) => (await applied(deleteClientSql, [id, time])) === 1,

    async replaceConsents(consents) {
      await sql.query(replaceConsentsSql, [consentRecords(consents)]);
    },

    async upsertConsent(consent) {
      await sql.query(`with ${consentsUpserted} select 1`, [consentRecords([consent])]);
    },

    async deleteConsent(id) {
      await sql.query("delete from directory_consents where id = $1", [id]);
    },

    async recordEvent(eventId, receivedAt) {
      const recorded = await sql.query(
        `insert into directory_events (id, received_at) values ($1, $2::timestamptz)
         on conflict (id) do nothing
         returning id`,
        [eventId, receivedAt],
      );
      return recorded.length === 1;
    },

    forgetEventsBefore: (time) =>
      count(
        `with forgotten as (delete from directory_events where received_at < $1::timestamptz returning 1)
         select count(*)::int as count from forgotten`,
        [time],
      ),

    async setState(key, value) {
      // Serialised here: pg would turn a JS array into a Postgres array, not JSON.
      await sql.query(
        `insert into directory_state (key, value, updated_at) values ($1, $2::jsonb, now())
         on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at`,
        [key, JSON.stringify(value ?? null)],
      );
    },

    async tryLease(name, holder, expiresAt, now) {
      const taken = await sql.query(
        `insert into directory_leases as lease (name, holder, expires_at) values ($1, $2, $3::timestamptz)
         on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at
           where lease.holder = excluded.holder or lease.expires_at <= $4::timestamptz
         returning name`,
        [name, holder, new Date(expiresAt).toISOString(), new Date(now).toISOString()],
      );
      return taken.length === 1;
    },

    async releaseLease(name, holder) {
      await sql.query("delete from directory_leases where name = $1 and holder = $2", [name, holder]);
    },

    async version() {
      const [row] = await sql.query<{ version: string | number }>(
        "select version from directory_version where id = 1",
      );
      return Number(row?.version ?? 0);
    },
  };
  return withVersionBumps(sql, repository);
}

/** The writes that change what a reader can see; each moves the directory's version on, in its transaction. */
const VERSIONED_WRITES = [
  "upsertUser",
  "upsertUsers",
  "deleteUser",
  "upsertTenant",
  "upsertTenants",
  "deleteTenant",
  "upsertMembership",
  "upsertMemberships",
  "removeMembership",
  "replaceMemberships",
  "replaceRoles",
  "upsertClient",
  "upsertClients",
  "deleteClient",
  "replaceConsents",
  "upsertConsent",
  "deleteConsent",
  "setPlatformRoles",
] as const satisfies readonly (keyof DirectoryWriter)[];

function withVersionBumps(sql: SqlClient, repository: DirectoryRepository): DirectoryRepository {
  const bumped = { ...repository } as Record<string, unknown>;
  for (const name of VERSIONED_WRITES) {
    const write = repository[name] as (...args: unknown[]) => Promise<unknown>;
    bumped[name] = async (...args: unknown[]) => {
      const result = await write(...args);
      // A write that changed nothing (older than what is stored) leaves readers' caches alone.
      if (result === false || result === 0) return result;
      // After the write, never before: a reader that sees the new version also sees the new data.
      await sql.query("update directory_version set version = version + 1 where id = 1");
      return result;
    };
  }
  return bumped as unknown as DirectoryRepository;
}
