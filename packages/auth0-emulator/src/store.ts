import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  EmulatorData,
  StoredClient,
  StoredClientGrant,
  StoredResourceServer,
  StoredUser,
} from "./model.js";
import { createSeedData, type EmulatorSeed } from "./seed.js";

const STATE_FILE = "emulator-state.json";

/**
 * Fills in what a state file written by an earlier emulator (still version 1) lacks, with Auth0's defaults:
 * no organization is associated with a client grant, organizations block third-party applications, and
 * there are no event streams. A state written before the default audience was kept takes the seed's.
 */
function withDefaults(data: EmulatorData, seed: EmulatorSeed): EmulatorData {
  if (data.defaultAudience === undefined && seed.defaultAudience !== undefined) {
    data.defaultAudience = seed.defaultAudience;
  }
  data.organizationClientGrants ??= {};
  data.eventStreams ??= {};
  data.eventDeliveries ??= {};
  for (const org of Object.values(data.organizations)) org.third_party_client_access ??= "block";
  return data;
}

/** Auth0-style ids: a prefix and 16 random alphanumerics (`org_…`, `rol_…`, `cgr_…`). */
export function newId(prefix: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(16);
  let id = "";
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return prefix ? `${prefix}_${id}` : id;
}

/**
 * The emulator's state and the one place that reads or writes it on disk. With a data folder every change
 * is written to a temporary file and renamed over the old one, so a crash never leaves half a state.
 */
export class EmulatorStore {
  data: EmulatorData;

  constructor(
    private readonly issuer: string,
    private readonly dataDir: string | undefined,
    private readonly seed: EmulatorSeed = {},
  ) {
    this.data = this.load() ?? createSeedData(issuer, seed);
  }

  private get statePath(): string | undefined {
    return this.dataDir ? join(this.dataDir, STATE_FILE) : undefined;
  }

  private load(): EmulatorData | undefined {
    const path = this.statePath;
    if (!path) return undefined;
    try {
      const text = readFileSync(path, "utf8");
      const parsed = JSON.parse(text) as EmulatorData | null;
      // Not a state this emulator wrote (another version, or another file): refuse rather than seed over it.
      if (parsed?.version !== 1) throw new Error("expected an emulator state of version 1");
      if (parsed.issuer === this.issuer) return withDefaults(parsed, this.seed);
      // Started on another port: the Management audience (and anything else naming the issuer) moves with it.
      return withDefaults(
        JSON.parse(text.split(JSON.stringify(parsed.issuer).slice(1, -1)).join(this.issuer)) as EmulatorData,
        this.seed,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new Error(`The emulator's state file ${path} cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Writes the state to the data folder, if there is one. */
  save(): void {
    const path = this.statePath;
    if (!path || !this.dataDir) return;
    mkdirSync(this.dataDir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.data), { mode: 0o600 });
    renameSync(temporary, path);
  }

  /** Back to the seed, keeping the signing keys so that already-published JWKS stay valid. */
  reset(): void {
    const keys = this.data.signingKeys;
    this.data = createSeedData(this.issuer, this.seed);
    this.data.signingKeys = keys;
    this.save();
  }

  findUserByEmail(email: string): StoredUser | undefined {
    const wanted = email.toLowerCase();
    return Object.values(this.data.users).find((user) => user.email.toLowerCase() === wanted);
  }

  findResourceServer(identifier: string): StoredResourceServer | undefined {
    return Object.values(this.data.resourceServers).find((server) => server.identifier === identifier);
  }

  /**
   * A client's grant on an API of one kind: a client may hold a `client` grant (its own tokens, client
   * credentials) and a `user` grant (what it may get for users) on the same API.
   */
  findClientGrant(
    clientId: string,
    audience: string,
    subjectType: StoredClientGrant["subject_type"],
  ): StoredClientGrant | undefined {
    return Object.values(this.data.clientGrants).find(
      (grant) =>
        grant.client_id === clientId && grant.audience === audience && grant.subject_type === subjectType,
    );
  }

  isAssociatedWithOrganization(orgId: string, grantId: string): boolean {
    return this.data.organizationClientGrants[orgId]?.includes(grantId) ?? false;
  }

  findClient(clientId: string): StoredClient | undefined {
    return this.data.clients[clientId];
  }

  /**
   * A user's RBAC permissions on one API: the union of their roles' permissions for that audience. As at
   * Auth0, a login through an organization counts the roles the user holds as a member of that organization
   * only; a login without one counts their tenant-level roles only.
   */
  userPermissions(userId: string, audience: string, orgId: string | undefined): string[] {
    const roleIds = orgId ? this.data.memberRoles[orgId]?.[userId] : this.data.userRoles[userId];
    const permissions = new Set<string>();
    for (const roleId of roleIds ?? []) {
      for (const permission of this.data.roles[roleId]?.permissions ?? []) {
        if (permission.resource_server_identifier === audience) permissions.add(permission.permission_name);
      }
    }
    return [...permissions];
  }

  organizationsOf(userId: string): string[] {
    return Object.keys(this.data.members).filter((orgId) => this.data.members[orgId]?.includes(userId));
  }

  /** Removes a user and everything that points at them. */
  deleteUser(userId: string): void {
    delete this.data.users[userId];
    delete this.data.userRoles[userId];
    for (const orgId of Object.keys(this.data.members)) {
      this.data.members[orgId] = (this.data.members[orgId] ?? []).filter((id) => id !== userId);
      delete this.data.memberRoles[orgId]?.[userId];
    }
    for (const [id, grant] of Object.entries(this.data.userGrants)) {
      if (grant.user_id === userId) delete this.data.userGrants[id];
    }
    for (const [id, token] of Object.entries(this.data.refreshTokens)) {
      if (token.user_id === userId) delete this.data.refreshTokens[id];
    }
  }

  /** Removes a client grant and its associations with organizations. */
  deleteClientGrant(grantId: string): void {
    delete this.data.clientGrants[grantId];
    for (const [orgId, grantIds] of Object.entries(this.data.organizationClientGrants)) {
      this.data.organizationClientGrants[orgId] = grantIds.filter((id) => id !== grantId);
    }
  }

  /** Removes a client with its grants, consents and refresh tokens: its credentials stop working at once. */
  deleteClient(clientId: string): void {
    delete this.data.clients[clientId];
    for (const [id, grant] of Object.entries(this.data.clientGrants)) {
      if (grant.client_id === clientId) this.deleteClientGrant(id);
    }
    for (const [id, grant] of Object.entries(this.data.userGrants)) {
      if (grant.clientID === clientId) delete this.data.userGrants[id];
    }
    for (const [id, token] of Object.entries(this.data.refreshTokens)) {
      if (token.client_id === clientId) delete this.data.refreshTokens[id];
    }
  }

  /** Deleting a consent revokes the refresh tokens issued under it, as Auth0 does. */
  deleteUserGrant(grantId: string): void {
    delete this.data.userGrants[grantId];
    for (const [id, token] of Object.entries(this.data.refreshTokens)) {
      if (token.grant_id === grantId) delete this.data.refreshTokens[id];
    }
  }
}
