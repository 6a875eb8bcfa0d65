import type { SqlClient, SqlDriver } from "./sql.js";

/**
 * Gatehouse's schema, as the ordered changes that build it. A released migration is never edited: a change to
 * the schema is a new migration with the next version.
 */
export interface Migration {
  version: number;
  name: string;
  /** Run in order inside the migration's transaction; one statement each (PGlite prepares every statement). */
  statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "integrations",
    statements: [
      `create table integrations (
         id text primary key,
         partner_id text not null,
         tenant_id text not null,
         enabled_by text,
         scopes text[] not null,
         status text not null check (status in ('ACTIVE', 'DISABLED')),
         enabled_at timestamptz not null,
         disabled_at timestamptz,
         unique (partner_id, tenant_id)
       )`,
      `create index integrations_tenant_id on integrations (tenant_id)`,
    ],
  },
  {
    version: 2,
    name: "audit_events",
    statements: [
      `create table audit_events (
         id bigint generated always as identity primary key,
         tenant_id text,
         actor text,
         action text not null,
         target text,
         details jsonb not null default '{}',
         occurred_at timestamptz not null default now()
       )`,
      `create index audit_events_tenant_id_newest_first on audit_events (tenant_id, occurred_at desc, id desc)`,
    ],
  },
  {
    // The directory, Gatehouse's read model of Auth0 (src/store/directory.ts).
    //
    // Ids are `collate "C"`: they sort byte by byte, the same on PGlite and on any server locale (so keyset
    // cursors and "sorted" lists agree everywhere), and compare faster. `source_time` is the time of the Auth0
    // state a row reflects; a deleted object keeps its row as a tombstone (`deleted_at`, or `removed_at` for a
    // membership) so that an older change delivered late cannot bring it back.
    version: 3,
    name: "directory",
    statements: [
      `create table directory_users (
         id text collate "C" primary key,
         email text,
         name text,
         picture text,
         email_verified boolean,
         blocked boolean not null,
         created_at timestamptz,
         last_login timestamptz,
         logins_count integer,
         platform_role_names text[] not null,
         source_time timestamptz not null,
         deleted_at timestamptz
       )`,
      // The live users' ids: a tenant's members are joined to them in id order, index to index, to count them.
      `create index directory_users_live on directory_users (id) where deleted_at is null`,
      // Search: one row per (user, term), the terms being the lower-cased email, name and each word of the name
      // (src/store/directory-search.ts). Every kind of match ("email starts with", "name starts with", "a word
      // of the name starts with") is then one `term like 'prefix%'`, which this index answers as a range scan
      // (a "C" column needs no text_pattern_ops). A tenant's search joins the matching users to its members:
      // the planner starts from the terms when the prefix is selective and from the tenant's members when it
      // is not, so neither a 100k-member tenant nor a one-letter search reads more than it must. (A GIN index
      // on a words array cannot answer a prefix; trigram indexes need the pg_trgm extension, which a
      // production role may not be allowed to create.)
      `create table directory_user_search_terms (
         user_id text collate "C" not null,
         term text collate "C" not null,
         primary key (user_id, term)
       )`,
      `create index directory_user_search_terms_by_term on directory_user_search_terms (term, user_id)`,
      `create table directory_tenants (
         id text collate "C" primary key,
         name text not null,
         display_name text not null,
         metadata jsonb not null,
         source_time timestamptz not null,
         deleted_at timestamptz
       )`,
      `create table directory_memberships (
         tenant_id text collate "C" not null,
         user_id text collate "C" not null,
         role_names text[] not null,
         source_time timestamptz not null,
         removed_at timestamptz,
         primary key (tenant_id, user_id)
       )`,
      // A tenant's members in user id order (keyset pages and counts read the index alone), and a user's tenants.
      `create index directory_memberships_live_by_tenant on directory_memberships (tenant_id, user_id)
         where removed_at is null`,
      `create index directory_memberships_live_by_user on directory_memberships (user_id, tenant_id)
         where removed_at is null`,
      `create table directory_roles (
         id text collate "C" primary key,
         name text not null,
         description text not null,
         permissions text[] not null
       )`,
      `create table directory_clients (
         id text collate "C" primary key,
         name text not null,
         description text,
         logo_uri text,
         app_type text,
         is_first_party boolean not null,
         metadata jsonb not null,
         tenant_id text collate "C",
         created_at timestamptz,
         scopes text[] not null,
         user_scopes text[] not null,
         source_time timestamptz not null,
         deleted_at timestamptz
       )`,
      `create index directory_clients_live_by_tenant on directory_clients (tenant_id) where deleted_at is null`,
      `create table directory_consents (
         id text collate "C" primary key,
         user_id text collate "C" not null,
         client_id text collate "C" not null,
         scopes text[] not null,
         organization_id text collate "C"
       )`,
      `create index directory_consents_by_user on directory_consents (user_id)`,
      `create index directory_consents_by_client on directory_consents (client_id)`,
      `create table directory_events (
         id text primary key,
         received_at timestamptz not null
       )`,
      `create index directory_events_received_at on directory_events (received_at)`,
      // Named leases, so that one Gatehouse instance at a time runs a full pass.
      `create table directory_leases (
         name text primary key,
         holder text not null,
         expires_at timestamptz not null
       )`,
      `create table directory_state (
         key text primary key,
         value jsonb not null,
         updated_at timestamptz not null default now()
       )`,
    ],
  },
  {
    version: 4,
    name: "directory_version",
    statements: [
      // One number that every directory write moves on: a reader that saw it unchanged may serve what it
      // read before from memory (src/directory/read-cache.ts).
      `create table directory_version (
         id int primary key check (id = 1),
         version bigint not null
       )`,
      `insert into directory_version (id, version) values (1, 0)`,
    ],
  },
  {
    // What an audit event needs to answer "who, from where, and did it happen": the caller's kind, client and
    // partner next to the subject already in `actor`, the request it came in, and whether it was refused.
    // Events recorded before this keep a null kind (nothing recorded then says which it was).
    version: 5,
    name: "audit_event_actor_and_outcome",
    statements: [
      `alter table audit_events add column outcome text not null default 'succeeded'
         check (outcome in ('succeeded', 'refused'))`,
      `alter table audit_events add column request_id text`,
      `alter table audit_events add column actor_kind text
         check (actor_kind in ('ANONYMOUS', 'USER', 'TENANT_APP', 'PARTNER'))`,
      `alter table audit_events add column actor_client_id text`,
      `alter table audit_events add column actor_partner_id text`,
      // A tenant's events newest first are read from audit_events_tenant_id_newest_first (version 2); this one
      // serves listing across tenants, and retention's "older than".
      `create index audit_events_newest_first on audit_events (occurred_at desc, id desc)`,
    ],
  },
  {
    // Plans and licences (src/store/licences.ts). A quota is counted from what the store holds (memberships,
    // API keys, integrations) plus `quota_reservations`: a write about to create something takes a reservation
    // first, under the row lock of its `quota_locks` row, so two writes at the last free unit cannot both
    // pass. A reservation expires, so one left behind by an instance that died mid-write frees itself.
    version: 6,
    name: "plans_and_licences",
    statements: [
      `create table tenant_plans (
         tenant_id text collate "C" primary key,
         plan text not null,
         expires_at timestamptz,
         updated_at timestamptz not null
       )`,
      `create table licences (
         id text primary key,
         tenant_id text collate "C" not null,
         kind text not null check (kind in ('feature', 'quota')),
         name text not null,
         quota_limit integer check (quota_limit >= 0),
         expires_at timestamptz,
         granted_at timestamptz not null,
         revoked_at timestamptz
       )`,
      `create index licences_in_force_by_tenant on licences (tenant_id, granted_at) where revoked_at is null`,
      `create table quota_locks (
         tenant_id text collate "C" not null,
         quota text not null,
         primary key (tenant_id, quota)
       )`,
      `create table quota_reservations (
         id text primary key,
         tenant_id text collate "C" not null,
         quota text not null,
         expires_at timestamptz not null
       )`,
      `create index quota_reservations_by_tenant on quota_reservations (tenant_id, quota)`,
    ],
  },
  {
    // Gatehouse-native API keys (src/store/api-keys.ts): only a SHA-256 of the secret and the displayable
    // prefix are kept. A revoked key keeps its row (`revoked_at`), so its id is never reused. `api_key_rotations`
    // records when an Auth0-application key was last rotated, so tokens Auth0 issued before are refused.
    version: 7,
    name: "api_keys",
    statements: [
      `create table api_keys (
         id text collate "C" primary key,
         tenant_id text collate "C" not null,
         name text not null,
         prefix text not null,
         secret_hash text not null,
         scopes text[] not null,
         created_by text,
         created_at timestamptz not null,
         expires_at timestamptz,
         rotated_at timestamptz,
         first_used_after_rotation_at timestamptz,
         last_used_at timestamptz,
         revoked_at timestamptz
       )`,
      `create index api_keys_live_by_tenant on api_keys (tenant_id) where revoked_at is null`,
      `create table api_key_rotations (
         client_id text collate "C" primary key,
         rotated_at timestamptz not null,
         first_used_at timestamptz
       )`,
    ],
  },
  {
    version: 8,
    name: "licences_granted_order",
    // Licences granted in the same millisecond listed in a random order ("oldest first" broke ties by their
    // random id): the order they were granted in is kept by a sequence.
    statements: [`alter table licences add column granted_seq bigint generated always as identity`],
  },
  {
    version: 9,
    name: "api_keys_created_order",
    // Likewise native keys created in the same millisecond: listed in the order they were created.
    statements: [`alter table api_keys add column created_seq bigint generated always as identity`],
  },
];

/**
 * Brings `schema` up to date and returns the versions this call applied (none when it was current).
 *
 * Each migration runs in its own transaction that first takes an advisory lock for the schema: when several
 * Gatehouse instances start at once against one Postgres, the others wait, then find the version recorded
 * and skip it, so no migration is ever applied twice.
 */
export async function migrate(driver: SqlDriver, schema: string): Promise<number[]> {
  const lockName = `gatehouse migrations ${schema}`;
  const takeLock = async (client: SqlClient) => {
    // Read committed (whatever the server's default), so what is read after waiting for the lock includes
    // what the instance that held it committed.
    await client.query("set transaction isolation level read committed");
    await client.query("select pg_advisory_xact_lock(hashtext($1))", [lockName]);
  };

  // Existence is checked first because CREATE … IF NOT EXISTS still demands the privilege to create, which
  // a production role may lack once the schema is in place.
  await driver.transaction(async (tx) => {
    await takeLock(tx);
    const [schemaExists] = await tx.query("select 1 from pg_namespace where nspname = $1", [schema]);
    if (!schemaExists) await tx.query(`create schema "${schema}"`);
    const [table] = await tx.query<{ name: string | null }>("select to_regclass($1)::text as name", [
      `"${schema}".schema_migrations`,
    ]);
    if (!table?.name) {
      await tx.query(
        `create table "${schema}".schema_migrations (
           version int primary key,
           applied_at timestamptz not null default now()
         )`,
      );
    }
  });

  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await driver.transaction(async (tx) => {
      await takeLock(tx);
      const recorded = await tx.query(`select 1 from "${schema}".schema_migrations where version = $1`, [
        migration.version,
      ]);
      if (recorded.length > 0) return false;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query(`insert into "${schema}".schema_migrations (version) values ($1)`, [migration.version]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}
