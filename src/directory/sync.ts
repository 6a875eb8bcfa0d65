import type Keyv from "keyv";
import { collect, type Auth0Management } from "../auth0/management.js";
import { statusOf } from "../auth0/upstream.js";
import type { DirectoryMembership, DirectoryRepository, DirectoryUser } from "../store/directory.js";
import {
  grantScopesByClient,
  toDirectoryClient,
  toDirectoryConsent,
  toDirectoryTenant,
  toDirectoryUser,
} from "./mapping.js";

/** Auth0 returns at most 1,000 results of one user search, however it is paged. */
const SEARCH_CAP = 1000;
const PAGE = 100;
/** How long a look-up that found nothing is remembered, so a token for a deleted user cannot spend Auth0's limit. */
const MISS_TTL_MS = 60_000;
/** Where a search for every user's changes starts. */
const EARLIEST = "1970-01-01T00:00:00.000Z";

/** Where a pass stands: `done` of `total` objects of one phase (tenants, users). */
export interface PassProgress {
  phase: "tenants" | "users";
  done: number;
  total: number;
}

export type ProgressListener = (progress: PassProgress) => void;

export interface DirectorySyncOptions {
  /** The Gatehouse API: the audience of the client grants and consents the directory keeps. */
  audience: string;
  now?: () => Date;
}

/** Where an import stands, so one that stopped goes on from there. */
interface ImportCheckpoint {
  startedAt: string;
  /** The last tenant (by id) whose members were read. */
  tenantsThrough: string | null;
  /** Users updated up to this instant were read. */
  usersThrough: string | null;
}

const IMPORT_CHECKPOINT = "import-checkpoint";

/** What the last full pass did, for operators (a GraphQL field and a log line per pass). */
export interface PassReport {
  startedAt: string;
  finishedAt: string;
  tenants: number;
  memberships: number;
  users: number;
  clients: number;
  /**
   * Users Auth0's search could not reach: more than 1,000 created and last changed in one millisecond (a bulk
   * import). Zero in practice; not zero means the directory misses some users until they change.
   */
  usersUnreachable: number;
}

/** A user as Auth0's user search answers it. */
type FoundUser = Record<string, unknown>;

/** A walk over the users whose `field` is in [from, to] (`*`: open), among those matching `filter`. */
interface UserWalk {
  field: "updated_at" | "created_at";
  filter: string | null;
  from: string;
  to: string;
}

/**
 * Keeps Gatehouse's directory in step with Auth0 from Auth0's side: the import and the paced full pass
 * (reconciliation), the search for users changed since the last look, and just-in-time look-ups of what the
 * directory cannot know yet. Writes made through Gatehouse reach the directory in the domain services.
 */
export class DirectorySync {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly now: () => Date;

  constructor(
    /** Paced: spends at most a share of each rate-limit bucket. */
    private readonly paced: Auth0Management,
    /** Unpaced: for just-in-time look-ups and repairs, which a request is waiting for. */
    private readonly live: Auth0Management,
    private readonly directory: DirectoryRepository,
    private readonly cache: Keyv,
    private readonly options: DirectorySyncOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  /** Concurrent look-ups of one thing share one Auth0 round trip. */
  private merged<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const loading = load().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, loading);
    return loading;
  }

  // --- just in time ---------------------------------------------------------------------------------------

  /**
   * A user the directory does not know (a sign-up a moment ago), read from Auth0 with their memberships and
   * roles. Null when Auth0 has no such user; a miss is remembered briefly on every instance.
   */
  learnUser(userId: string): Promise<DirectoryUser | null> {
    return this.merged(`user:${userId}`, async () => {
      if (await this.cache.get(`directory-miss:user:${userId}`)) return null;
      const user = await this.readUser(this.live, userId);
      if (!user) await this.cache.set(`directory-miss:user:${userId}`, true, MISS_TTL_MS);
      return user;
    });
  }

  /**
   * Whether a user the directory knows is a member of a tenant it has no membership for (an invitation
   * accepted a moment ago): asked of Auth0 once, the answer written to the directory.
   */
  learnMembership(tenantId: string, userId: string): Promise<DirectoryMembership | null> {
    return this.merged(`membership:${tenantId}:${userId}`, async () => {
      const missKey = `directory-miss:membership:${tenantId}:${userId}`;
      if (await this.cache.get(missKey)) return null;
      const time = this.stamp();
      try {
        const membership = {
          tenantId,
          userId,
          roleNames: await this.memberRoleNames(this.live, tenantId, userId),
          sourceTime: time,
        };
        await this.directory.upsertMembership(membership);
        return membership;
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        await this.cache.set(missKey, true, MISS_TTL_MS);
        return null;
      }
    });
  }

  /** A client the directory does not know (an application created in the dashboard a moment ago). */
  learnClient(clientId: string) {
    return this.merged(`client:${clientId}`, async () => {
      const missKey = `directory-miss:client:${clientId}`;
      if (await this.cache.get(missKey)) return null;
      const client = await this.readClient(this.live, clientId);
      if (!client) await this.cache.set(missKey, true, MISS_TTL_MS);
      return client;
    });
  }

  /**
   * A user's consents to a partner the directory does not hold yet: Auth0 records a consent during the login,
   * which no event announces, so the partner's first request with it is where Gatehouse learns of it.
   */
  async learnConsent(userId: string, clientId: string): Promise<void> {
    const known = await this.directory.consentsOfUser(userId);
    if (known.some((consent) => consent.clientId === clientId)) return;
    await this.merged(`consent:${userId}:${clientId}`, async () => {
      const missKey = `directory-miss:consent:${userId}:${clientId}`;
      if (await this.cache.get(missKey)) return;
      const grants = await collect(
        await this.live.userGrants.list({ user_id: userId, client_id: clientId, per_page: PAGE }),
      );
      for (const grant of grants)
        await this.directory.upsertConsent(toDirectoryConsent(grant as Record<string, unknown>));
      if (grants.length === 0) await this.cache.set(missKey, true, MISS_TTL_MS);
    });
  }

  // --- repairs: after Gatehouse changed Auth0 but could not write the directory ----------------------------

  /** Re-reads a user (and their memberships) from Auth0 into the directory; deletes them if Auth0 has none. */
  async repairUser(userId: string): Promise<void> {
    await this.readUser(this.live, userId);
  }

  async repairClient(clientId: string): Promise<void> {
    await this.readClient(this.live, clientId);
  }

  async repairMembership(tenantId: string, userId: string): Promise<void> {
    await this.cache.delete(`directory-miss:membership:${tenantId}:${userId}`);
    const membership = await this.learnMembership(tenantId, userId);
    if (!membership) await this.directory.removeMembership(tenantId, userId, this.stamp());
  }

  /** A member's organization role names, sorted; Auth0 answers 404 when they are not a member. */
  private async memberRoleNames(
    management: Auth0Management,
    tenantId: string,
    userId: string,
  ): Promise<string[]> {
    const roles = await collect(
      await management.organizations.members.roles.list(tenantId, userId, { per_page: PAGE }),
    );
    return roles.map((role) => String(role.name)).sort();
  }

  private async readUser(management: Auth0Management, userId: string): Promise<DirectoryUser | null> {
    const time = this.stamp();
    let found;
    try {
      found = await management.users.get(userId);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await this.directory.deleteUser(userId, time);
      return null;
    }
    const [platformRoles, organizations] = await Promise.all([
      collect(await management.users.roles.list(userId, { per_page: PAGE })),
      collect(await management.users.organizations.list(userId, { per_page: PAGE })),
    ]);
    const user = toDirectoryUser(
      found,
      platformRoles.map((role) => String(role.name)),
      time,
    );
    await this.directory.upsertUser(user);
    for (const organization of organizations) {
      const tenantId = String(organization.id);
      await this.directory.upsertTenant(toDirectoryTenant(organization, time));
      await this.directory.upsertMembership({
        tenantId,
        userId,
        roleNames: await this.memberRoleNames(management, tenantId, userId),
        sourceTime: time,
      });
    }
    return user;
  }

  private async readClient(management: Auth0Management, clientId: string) {
    const time = this.stamp();
    let found;
    try {
      found = await management.clients.get(clientId);
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      await this.directory.deleteClient(clientId, time);
      return null;
    }
    const grants = await collect(
      await management.clientGrants.list({
        client_id: clientId,
        audience: this.options.audience,
        take: PAGE,
      }),
    );
    const client = toDirectoryClient(
      found,
      grantScopesByClient(grants).get(clientId) ?? { scopes: [], userScopes: [] },
      time,
    );
    await this.directory.upsertClient(client);
    return client;
  }

  // --- the full pass ---------------------------------------------------------------------------------------

  /**
   * Reads what the directory mirrors from Auth0, paced, and makes the directory match: roles, organizations
   * and their members with member roles, clients with their grants, consents, and users (all of them when
   * `allUsers`, else those changed since the last look). What Auth0 no longer has is removed.
   */
  async fullPass(progress: ProgressListener, { allUsers }: { allUsers: boolean }): Promise<PassReport> {
    // An import that stopped half-way (a crash, Auth0 failing) goes on from its checkpoint: the tenants it
    // finished and the users it read are not read again.
    const resumed = allUsers ? await this.directory.getState<ImportCheckpoint>(IMPORT_CHECKPOINT) : null;
    const startedAt = resumed?.startedAt ?? this.stamp();
    const checkpoint: ImportCheckpoint = resumed ?? { startedAt, tenantsThrough: null, usersThrough: null };
    const saveCheckpoint = async () => {
      if (allUsers) await this.directory.setState(IMPORT_CHECKPOINT, checkpoint);
    };
    const management = this.paced;

    const roles = await collect(await management.roles.list({ per_page: PAGE }));
    await this.directory.replaceRoles(
      await Promise.all(
        roles.map(async (role) => {
          const permissions = await collect(
            await management.roles.permissions.list(String(role.id), { per_page: PAGE }),
          );
          return {
            id: String(role.id),
            name: String(role.name),
            description: role.description ?? "",
            permissions: permissions
              .filter((permission) => permission.resource_server_identifier === this.options.audience)
              .map((permission) => String(permission.permission_name)),
          };
        }),
      ),
    );

    const organizations = await collect(await management.organizations.list({ take: PAGE }));
    const tenants = organizations
      .map((organization) => toDirectoryTenant(organization, startedAt))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const seenTenants = new Set(tenants.map((tenant) => tenant.id));
    await this.directory.upsertTenants(tenants);
    let memberships = 0;
    for (const [index, tenant] of tenants.entries()) {
      if (checkpoint.tenantsThrough !== null && tenant.id <= checkpoint.tenantsThrough) continue;
      const members = await collect(
        await management.organizations.members.list(tenant.id, {
          take: PAGE,
          fields: "user_id,roles",
          include_fields: true,
        }),
      );
      await this.directory.replaceMemberships(
        tenant.id,
        members.map((member) => ({
          tenantId: tenant.id,
          userId: String(member.user_id),
          roleNames: (member.roles ?? []).map((role) => String(role.name)).sort(),
          sourceTime: startedAt,
        })),
        startedAt,
      );
      memberships += members.length;
      checkpoint.tenantsThrough = tenant.id;
      await saveCheckpoint();
      progress({ phase: "tenants", done: index + 1, total: organizations.length });
    }
    for (const tenantId of await this.directory.tenantIds()) {
      if (!seenTenants.has(tenantId)) await this.directory.deleteTenant(tenantId, startedAt);
    }

    const [clients, grants] = await Promise.all([
      collect(await management.clients.list({ per_page: PAGE })),
      collect(await management.clientGrants.list({ audience: this.options.audience, take: PAGE })),
    ]);
    const scopes = grantScopesByClient(grants);
    const seenClients = new Set(clients.map((client) => String(client.client_id)));
    await this.directory.upsertClients(
      clients.map((client) =>
        toDirectoryClient(
          client,
          scopes.get(String(client.client_id)) ?? { scopes: [], userScopes: [] },
          startedAt,
        ),
      ),
    );
    for (const clientId of await this.directory.clientIds()) {
      if (!seenClients.has(clientId)) await this.directory.deleteClient(clientId, startedAt);
    }

    const partners = clients
      .filter((client) => client.is_first_party === false)
      .map((client) => String(client.client_id));
    const consents = [];
    for (const partnerId of partners) {
      const found = await collect(
        await management.userGrants.list({
          client_id: partnerId,
          audience: this.options.audience,
          per_page: PAGE,
        }),
      );
      consents.push(...found.map((grant) => toDirectoryConsent(grant as Record<string, unknown>)));
    }
    await this.directory.replaceConsents(consents);

    const since = allUsers
      ? (checkpoint.usersThrough ?? EARLIEST)
      : ((await this.directory.getState<string>("users-changed-through")) ?? EARLIEST);
    const imported = await this.importUsers(
      since,
      startedAt,
      this.userProgress(progress),
      async (through) => {
        checkpoint.usersThrough = through;
        await saveCheckpoint();
      },
    );
    await this.markPlatformRoles(roles.map((role) => ({ id: String(role.id), name: String(role.name) })));
    await this.removeUsersAuth0NoLongerHas();
    await this.directory.setState("users-changed-through", startedAt);

    const report: PassReport = {
      startedAt,
      finishedAt: this.stamp(),
      tenants: organizations.length,
      memberships,
      users: imported.read,
      clients: clients.length,
      usersUnreachable: imported.unreachable,
    };
    await this.directory.setState("last-full-pass", report);
    if (allUsers) await this.directory.setState(IMPORT_CHECKPOINT, null);
    return report;
  }

  /** The users changed since the last look (Auth0's `updated_at`), as often as the caller likes. */
  async changedUsers(): Promise<number> {
    const through = this.stamp();
    const since = (await this.directory.getState<string>("users-changed-through")) ?? EARLIEST;
    const { read } = await this.importUsers(since, through, () => undefined);
    await this.directory.setState("users-changed-through", through);
    return read;
  }

  /** Counts users across the searches of one import; the total is the first search's. */
  private userProgress(listener: ProgressListener): (found: number, total?: number) => void {
    let done = 0;
    let total = 0;
    return (found, rangeTotal) => {
      if (rangeTotal !== undefined && total === 0) total = rangeTotal;
      done += found;
      listener({ phase: "users", done, total: Math.max(total, done) });
    };
  }

  /**
   * Every user updated in [from, to], however many, written to the directory a page at a time (one statement
   * per page). Returns how many were read, and how many could not be (see `readOneInstant`).
   */
  private async importUsers(
    from: string,
    to: string,
    progress: (found: number, total?: number) => void,
    /** Called after each page with the last `updated_at` read: reading again from there misses nobody. */
    readThrough: (instant: string) => Promise<void> = async () => undefined,
  ): Promise<{ read: number; unreachable: number }> {
    let read = 0;
    const write = async (users: readonly FoundUser[]) => {
      if (users.length === 0) return;
      // The search does not say who holds a tenant-level role (`markPlatformRoles` reads that per role), so
      // what the directory knows is kept.
      const known = new Map(
        (await this.directory.findUsers(users.map((user) => String(user.user_id)))).map((user) => [
          user.id,
          user.platformRoleNames,
        ]),
      );
      await this.directory.upsertUsers(
        users.map((user) => toDirectoryUser(user, known.get(String(user.user_id)) ?? [], to)),
      );
      read += users.length;
      progress(users.length);
      const last = users.at(-1)?.updated_at;
      if (typeof last === "string") await readThrough(last);
    };
    const unreachable = await this.walkUsers(
      { field: "updated_at", filter: null, from, to },
      write,
      (total) => progress(0, total),
    );
    return { read, unreachable };
  }

  /**
   * Every user matching `filter` whose `field` is in [from, to], in `field` order. Auth0 answers at most 1,000
   * results of one search, and an offset page shifts under the reader when a user it has not reached yet is
   * updated (the user leaves the range). So the range is walked by its key instead: every search asks for the
   * first page of the users at or after the last instant read, and the users already read at that instant are
   * skipped. Only a whole page at one instant (at least 100 users changed in one millisecond: a bulk import)
   * stops the walk; that instant is read on its own (`readOneInstant`), and the walk goes on after it.
   * Returns how many users could not be read.
   */
  private async walkUsers(
    walk: UserWalk,
    write: (users: readonly FoundUser[]) => Promise<void>,
    onTotal?: (total: number) => void,
  ): Promise<number> {
    let lower = `[${walk.from}`;
    let readAtLower = new Set<string>();
    let unreachable = 0;
    for (let first = true; ; first = false) {
      const range = `${walk.field}:${lower} TO ${walk.to}]`;
      const answer = await this.paced.users.list({
        q: walk.filter ? `${walk.filter} AND ${range}` : range,
        search_engine: "v3",
        per_page: PAGE,
        page: 0,
        sort: `${walk.field}:1`,
        ...(first && onTotal ? { include_totals: true } : {}),
      });
      const users = answer.data as FoundUser[];
      if (first && onTotal) {
        onTotal(Number((answer.response as { total?: unknown }).total ?? users.length));
      }
      const last = users.length === PAGE ? String(users.at(-1)?.[walk.field]) : null;
      if (last !== null && users.every((user) => user[walk.field] === last)) {
        unreachable += await this.readOneInstant(walk, last, readAtLower, write);
        lower = `{${last}`;
        readAtLower = new Set();
        continue;
      }
      await write(users.filter((user) => !readAtLower.has(String(user.user_id))));
      if (last === null) return unreachable;
      lower = `[${last}`;
      readAtLower = new Set(
        users.filter((user) => user[walk.field] === last).map((user) => String(user.user_id)),
      );
    }
  }

  /**
   * The users of a walk at one instant of its key, but for those already read. An `updated_at` instant is
   * walked again by `created_at`; an instant of both (users created and last changed in the same millisecond)
   * is read by offset pages in user id order, which reach its first 1,000 only: the rest are counted as
   * unreachable, for the pass's report (Auth0's user export job is the way to read such a tenant).
   */
  private async readOneInstant(
    walk: UserWalk,
    instant: string,
    alreadyRead: ReadonlySet<string>,
    write: (users: readonly FoundUser[]) => Promise<void>,
  ): Promise<number> {
    const atInstant = `${walk.field}:[${instant} TO ${instant}]`;
    const filter = walk.filter ? `${walk.filter} AND ${atInstant}` : atInstant;
    const writeNew = (users: readonly FoundUser[]) =>
      write(users.filter((user) => !alreadyRead.has(String(user.user_id))));
    if (walk.field === "updated_at") {
      return this.walkUsers({ field: "created_at", filter, from: "*", to: "*" }, writeNew);
    }
    let total = 0;
    for (let page = 0; page === 0 || page * PAGE < Math.min(total, SEARCH_CAP); page += 1) {
      const answer = await this.paced.users.list({
        q: filter,
        search_engine: "v3",
        per_page: PAGE,
        page,
        sort: "user_id:1",
        include_totals: true,
      });
      total = Number((answer.response as { total?: unknown }).total ?? 0);
      await writeNew(answer.data as FoundUser[]);
    }
    return Math.max(0, total - SEARCH_CAP);
  }

  /** Tenant-level roles are few (platform operators): read per role, not per user. */
  private async markPlatformRoles(roles: { id: string; name: string }[]): Promise<void> {
    const byUser = new Map<string, string[]>();
    for (const role of roles) {
      const holders = await collect(await this.paced.roles.users.list(role.id, { take: PAGE }));
      for (const holder of holders) {
        const userId = String(holder.user_id);
        byUser.set(userId, [...(byUser.get(userId) ?? []), role.name]);
      }
    }
    for (const userId of await this.directory.userIdsWithPlatformRoles()) {
      if (!byUser.has(userId)) byUser.set(userId, []);
    }
    for (const [userId, names] of byUser) {
      await this.directory.setPlatformRoles(userId, names.sort());
    }
  }

  /**
   * A user deleted in Auth0 disappears from every organization's members; those the directory still holds
   * but who are now in no tenant and hold no platform role are checked one by one (few, in practice).
   */
  private async removeUsersAuth0NoLongerHas(): Promise<void> {
    for (const userId of await this.directory.userIdsWithoutTenantOrRole()) {
      try {
        await this.paced.users.get(userId, { fields: "user_id", include_fields: true });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        await this.directory.deleteUser(userId, this.stamp());
      }
    }
  }
}
