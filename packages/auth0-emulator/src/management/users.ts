import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Management } from "auth0";
import type { EmulatorContext } from "../context.js";
import { badRequest, conflict, notFound, type ManagementError } from "../errors.js";
import type { StoredUser } from "../model.js";
import { DATABASE_CONNECTION } from "../oauth/user-grants.js";
import { hashPassword, passwordPolicyError } from "../passwords.js";
import { requireScopes } from "./auth.js";
import { offsetPage, selectFields, type Query } from "./paging.js";
import {
  invalidPayload,
  optionalBoolean,
  optionalString,
  payloadOf,
  requiredIdList,
  requiredString,
  type Payload,
} from "./payload.js";
import { InvalidUserSearch, matchesUserSearch, parseUserSearch } from "./user-search.js";

/** Routes under `/users/{id}`; Fastify decodes the id, so `auth0%7C…` arrives as `auth0|…`. */
type ForUser = { Params: { id: string } };
type Metadata = Record<string, unknown>;

/** `GET /users/{id}/permissions` items carry where each permission comes from, which the SDK type omits. */
type UserPermission = Management.UserPermissionSchema & {
  sources: { source_id: string; source_name: string; source_type: "ROLE" }[];
};

const CREATE_PROPERTIES = [
  "email",
  "email_verified",
  "verify_email",
  "blocked",
  "name",
  "nickname",
  "picture",
  "user_id",
  "connection",
  "password",
  "app_metadata",
  "user_metadata",
];
const UPDATE_PROPERTIES = [
  "email",
  "email_verified",
  "verify_email",
  "blocked",
  "name",
  "nickname",
  "picture",
  "password",
  "connection",
  "client_id",
  "app_metadata",
  "user_metadata",
];
/** Properties Auth0 accepts that the emulator has no place for; refused rather than silently ignored. */
const UNSUPPORTED_PROPERTIES = [
  "given_name",
  "family_name",
  "username",
  "phone_number",
  "phone_verified",
  "verify_phone_number",
];
const SORTABLE_FIELDS = [
  "user_id",
  "email",
  "name",
  "nickname",
  "created_at",
  "updated_at",
  "last_login",
  "logins_count",
  "email_verified",
  "blocked",
] as const;
type SortableField = (typeof SORTABLE_FIELDS)[number];

/**
 * "This endpoint never returns a total of more than 1000 users with the same search criteria, even with
 * paging" (Auth0, _Retrieve Users with the Get Users Endpoint_): an importer walks ranges of `updated_at`.
 */
const USER_SEARCH_RESULT_WINDOW = 1000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function noSuchUser(): ManagementError {
  return notFound("The user does not exist.", "inexistent_user");
}

function noSuchRole(): ManagementError {
  return notFound("The role does not exist.", "inexistent_role");
}

function invalidQuery(message: string): ManagementError {
  return badRequest(message, "invalid_query_string");
}

/**
 * A stored user as the Management API shows it. Fields are listed one by one so that the password hash,
 * or anything secret added to the model later, never reaches a response. Like Auth0, the answer has no
 * `blocked` until the user is blocked, no `last_login` before the first login, and no metadata objects
 * while they are empty.
 */
function toAuth0User(user: StoredUser): Management.UserResponseSchema {
  const separator = user.user_id.indexOf("|");
  return {
    user_id: user.user_id,
    email: user.email,
    email_verified: user.email_verified,
    name: user.name,
    nickname: user.nickname,
    picture: user.picture,
    identities: [
      {
        connection: user.connection,
        user_id: user.user_id.slice(separator + 1),
        provider: "auth0",
        isSocial: false,
      },
    ],
    created_at: user.created_at,
    updated_at: user.updated_at,
    ...(user.last_login ? { last_login: user.last_login } : {}),
    logins_count: user.logins_count,
    ...(user.blocked ? { blocked: true } : {}),
    ...(Object.keys(user.app_metadata).length > 0
      ? { app_metadata: structuredClone(user.app_metadata) }
      : {}),
    ...(Object.keys(user.user_metadata).length > 0
      ? { user_metadata: structuredClone(user.user_metadata) }
      : {}),
  };
}

/** Auth0's default picture for a database user: their Gravatar, falling back to their initials. */
function defaultPicture(email: string): string {
  const hash = createHash("md5").update(email).digest("hex");
  const initials = email.slice(0, 2).toLowerCase();
  return `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials}.png`;
}

function refuseUnknownProperties(payload: Payload, allowed: readonly string[]): void {
  for (const property of Object.keys(payload)) {
    if (UNSUPPORTED_PROPERTIES.includes(property)) {
      throw badRequest(`The emulator does not support the property ${property}`);
    }
    if (!allowed.includes(property)) invalidPayload(`Additional properties not allowed: ${property}`);
  }
}

function validEmail(payload: Payload): string | undefined {
  const email = optionalString(payload, "email");
  if (email === undefined) return undefined;
  if (!EMAIL.test(email)) {
    invalidPayload(`Object didn't pass validation for format email: ${email}`, "email");
  }
  // Auth0 keeps database users' emails in lower case.
  return email.toLowerCase();
}

function validConnection(payload: Payload, required: boolean): void {
  const connection = required ? requiredString(payload, "connection") : optionalString(payload, "connection");
  if (connection !== undefined && connection !== DATABASE_CONNECTION) {
    throw badRequest("The connection does not exist.", "inexistent_connection");
  }
}

function validPassword(payload: Payload, required: boolean): string | undefined {
  const password = required ? requiredString(payload, "password") : optionalString(payload, "password");
  if (password === undefined) return undefined;
  const weakness = passwordPolicyError(password);
  if (weakness) throw badRequest(weakness);
  return password;
}

function optionalMetadata(
  payload: Payload,
  property: "app_metadata" | "user_metadata",
): Metadata | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const found = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    invalidPayload(`Expected type object but found type ${found}`, property);
  }
  return value as Metadata;
}

/**
 * Auth0's metadata update: top-level keys are merged into what is stored, a key sent as `null` is removed,
 * and an empty object clears the metadata altogether.
 */
function mergeMetadata(current: Metadata, update: Metadata): Metadata {
  if (Object.keys(update).length === 0) return {};
  const merged = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = structuredClone(value);
  }
  return merged;
}

/** Strings that Auth0 lets a PATCH unset with `null`; the emulator's model always has them, so it refuses. */
function optionalText(payload: Payload, property: "name" | "nickname" | "picture"): string | undefined {
  if (payload[property] === null) throw badRequest(`The emulator does not support unsetting ${property}`);
  return optionalString(payload, property);
}

function sortUsers(users: StoredUser[], sort: string | undefined): StoredUser[] {
  if (sort === undefined || sort === "") return users;
  const match = /^([a-z_]+):(1|-1)$/.exec(sort);
  if (!match?.[1]) throw invalidQuery("Query validation error: 'sort' must be <field>:1 or <field>:-1");
  const field = match[1];
  if (!(SORTABLE_FIELDS as readonly string[]).includes(field)) {
    throw invalidQuery(`Sorting by ${field} is not supported`);
  }
  const direction = match[2] === "-1" ? -1 : 1;
  const valueOf = (user: StoredUser) => user[field as SortableField];
  return [...users].sort((a, b) => {
    const left = valueOf(a);
    const right = valueOf(b);
    // Users without the field (no last_login yet) go last whichever the direction.
    if (left === undefined || right === undefined) {
      return left === right ? 0 : left === undefined ? 1 : -1;
    }
    const order =
      typeof left === "string" && typeof right === "string"
        ? left.toLowerCase().localeCompare(right.toLowerCase())
        : Number(left) - Number(right);
    return order * direction;
  });
}

/** The users a `GET /users` request selects: its `q` (v3 syntax, the emulator's subset), sorted. */
function searchUsers(users: StoredUser[], query: Query): StoredUser[] {
  const engine = query.search_engine;
  if (engine !== undefined && engine !== "v2" && engine !== "v3") {
    throw invalidQuery(`The search engine ${engine} is not supported; use search_engine=v3`);
  }
  // Auth0 ignores `connection` outside search v1; ignoring a filter could widen an answer, so refuse it.
  if (query.connection !== undefined) {
    throw invalidQuery(
      'The connection parameter applies to search_engine=v1 only; use q=identities.connection:"…"',
    );
  }
  const q: unknown = query.q;
  if (q !== undefined && typeof q !== "string")
    throw invalidQuery("Query validation error: 'q' was given twice");
  let selected = users;
  if (q) {
    try {
      const search = parseUserSearch(q);
      selected = users.filter((user) => matchesUserSearch(user, search));
    } catch (error) {
      if (error instanceof InvalidUserSearch) throw invalidQuery(error.message);
      throw error;
    }
  }
  return sortUsers(selected, query.sort);
}

/** `/api/v2/users` and the user's roles, permissions and organizations. */
export function registerUsersRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store } = ctx;

  function findUser(id: string): StoredUser {
    const user = store.data.users[id];
    if (!user) throw noSuchUser();
    return user;
  }

  function emailTaken(email: string, exceptId?: string): boolean {
    const holder = store.findUserByEmail(email);
    return holder !== undefined && holder.user_id !== exceptId;
  }

  app.get("/api/v2/users", { preHandler: requireScopes(ctx, "read:users") }, async (request) => {
    const query = request.query as Query;
    const users = searchUsers(Object.values(store.data.users), query);
    return offsetPage(
      users.map((user) => selectFields(toAuth0User(user), query)),
      query,
      "users",
      { resultWindow: USER_SEARCH_RESULT_WINDOW },
    );
  });

  app.get<ForUser>("/api/v2/users/:id", { preHandler: requireScopes(ctx, "read:users") }, async (request) => {
    return selectFields(toAuth0User(findUser(request.params.id)), request.query as Query);
  });

  app.post("/api/v2/users", { preHandler: requireScopes(ctx, "create:users") }, async (request, reply) => {
    const payload = payloadOf(request.body);
    refuseUnknownProperties(payload, CREATE_PROPERTIES);
    validConnection(payload, true);
    const email = validEmail(payload);
    if (email === undefined) invalidPayload("Missing required property: email");
    const password = validPassword(payload, true) ?? "";
    optionalBoolean(payload, "verify_email");
    // A given id is the identity's id within the connection; the user's id gets the provider in front.
    const givenId = optionalString(payload, "user_id");
    const userId = givenId ? `auth0|${givenId}` : newUserId();
    if (emailTaken(email) || store.data.users[userId]) {
      throw conflict("The user already exists.", "auth0_idp_error");
    }

    const now = new Date().toISOString();
    const user: StoredUser = {
      user_id: userId,
      email,
      email_verified: optionalBoolean(payload, "email_verified") ?? false,
      name: optionalText(payload, "name") ?? email,
      nickname: optionalText(payload, "nickname") ?? email.split("@")[0] ?? email,
      picture: optionalText(payload, "picture") ?? defaultPicture(email),
      blocked: optionalBoolean(payload, "blocked") ?? false,
      connection: DATABASE_CONNECTION,
      password_hash: hashPassword(password),
      app_metadata: mergeMetadata({}, optionalMetadata(payload, "app_metadata") ?? {}),
      user_metadata: mergeMetadata({}, optionalMetadata(payload, "user_metadata") ?? {}),
      created_at: now,
      updated_at: now,
      logins_count: 0,
    };
    store.data.users[userId] = user;
    ctx.events.publish("user.created", toAuth0User(user));
    return reply.code(201).send(toAuth0User(user));
  });

  app.patch<ForUser>(
    "/api/v2/users/:id",
    { preHandler: requireScopes(ctx, "update:users") },
    async (request) => {
      const user = findUser(request.params.id);
      const payload = payloadOf(request.body);
      refuseUnknownProperties(payload, UPDATE_PROPERTIES);
      validConnection(payload, false);
      optionalString(payload, "client_id");
      optionalBoolean(payload, "verify_email");
      for (const property of ["email", "password"] as const) {
        if (payload[property] === null)
          throw badRequest(`The emulator does not support unsetting ${property}`);
      }
      const email = validEmail(payload);
      const password = validPassword(payload, false);
      if (email !== undefined && password !== undefined) {
        throw badRequest("Cannot update password and email simultaneously");
      }
      const changes = {
        name: optionalText(payload, "name"),
        nickname: optionalText(payload, "nickname"),
        picture: optionalText(payload, "picture"),
        blocked: optionalBoolean(payload, "blocked"),
        email_verified: optionalBoolean(payload, "email_verified"),
        app_metadata: optionalMetadata(payload, "app_metadata"),
        user_metadata: optionalMetadata(payload, "user_metadata"),
      };
      if (email !== undefined && email !== user.email && emailTaken(email, user.user_id)) {
        throw badRequest("The specified new email already exists", "email_already_exists");
      }

      if (email !== undefined && email !== user.email) {
        user.email = email;
        // A new address is unverified unless the request says otherwise, as at Auth0.
        user.email_verified = false;
      }
      if (password !== undefined) user.password_hash = hashPassword(password);
      if (changes.name !== undefined) user.name = changes.name;
      if (changes.nickname !== undefined) user.nickname = changes.nickname;
      if (changes.picture !== undefined) user.picture = changes.picture;
      if (changes.blocked !== undefined) user.blocked = changes.blocked;
      if (changes.email_verified !== undefined) user.email_verified = changes.email_verified;
      if (changes.app_metadata) user.app_metadata = mergeMetadata(user.app_metadata, changes.app_metadata);
      if (changes.user_metadata)
        user.user_metadata = mergeMetadata(user.user_metadata, changes.user_metadata);
      user.updated_at = new Date().toISOString();
      ctx.events.publish("user.updated", toAuth0User(user));
      return toAuth0User(user);
    },
  );

  // Deleting a user who does not exist succeeds, as at Auth0 (the SDK expects no 404 here).
  app.delete<ForUser>(
    "/api/v2/users/:id",
    { preHandler: requireScopes(ctx, "delete:users") },
    async (request, reply) => {
      const user = store.data.users[request.params.id];
      store.deleteUser(request.params.id);
      if (user) {
        ctx.events.publish("user.deleted", { ...toAuth0User(user), deleted_at: new Date().toISOString() });
      }
      return reply.code(204).send();
    },
  );

  app.get<ForUser>(
    "/api/v2/users/:id/roles",
    { preHandler: requireScopes(ctx, "read:users", "read:roles", "read:role_members") },
    async (request) => {
      const user = findUser(request.params.id);
      const roles = (store.data.userRoles[user.user_id] ?? []).flatMap((roleId) => {
        const role = store.data.roles[roleId];
        return role ? [{ id: role.id, name: role.name, description: role.description }] : [];
      });
      return offsetPage<Management.Role>(roles, request.query as Query, "roles");
    },
  );

  app.post<ForUser>(
    "/api/v2/users/:id/roles",
    { preHandler: requireScopes(ctx, "update:users", "create:role_members") },
    async (request, reply) => {
      const user = findUser(request.params.id);
      const roleIds = requiredIdList(payloadOf(request.body), "roles");
      if (roleIds.some((roleId) => !store.data.roles[roleId])) throw noSuchRole();
      const held = (store.data.userRoles[user.user_id] ??= []);
      for (const roleId of roleIds) if (!held.includes(roleId)) held.push(roleId);
      return reply.code(204).send();
    },
  );

  app.delete<ForUser>(
    "/api/v2/users/:id/roles",
    { preHandler: requireScopes(ctx, "update:users", "delete:role_members") },
    async (request, reply) => {
      const user = findUser(request.params.id);
      const roleIds = requiredIdList(payloadOf(request.body), "roles");
      const held = store.data.userRoles[user.user_id] ?? [];
      store.data.userRoles[user.user_id] = held.filter((roleId) => !roleIds.includes(roleId));
      return reply.code(204).send();
    },
  );

  app.get<ForUser>(
    "/api/v2/users/:id/permissions",
    { preHandler: requireScopes(ctx, "read:users") },
    async (request) => {
      const user = findUser(request.params.id);
      const permissions = new Map<string, UserPermission>();
      for (const roleId of store.data.userRoles[user.user_id] ?? []) {
        const role = store.data.roles[roleId];
        if (!role) continue;
        for (const { resource_server_identifier, permission_name } of role.permissions) {
          const key = `${resource_server_identifier} ${permission_name}`;
          let permission = permissions.get(key);
          if (!permission) {
            const server = store.findResourceServer(resource_server_identifier);
            permission = {
              permission_name,
              description: server?.scopes.find((scope) => scope.value === permission_name)?.description ?? "",
              resource_server_name: server?.name ?? resource_server_identifier,
              resource_server_identifier,
              sources: [],
            };
            permissions.set(key, permission);
          }
          permission.sources.push({ source_id: role.id, source_name: role.name, source_type: "ROLE" });
        }
      }
      return offsetPage([...permissions.values()], request.query as Query, "permissions");
    },
  );

  app.get<ForUser>(
    "/api/v2/users/:id/organizations",
    { preHandler: requireScopes(ctx, "read:users", "read:organizations") },
    async (request) => {
      const user = findUser(request.params.id);
      const organizations = store.organizationsOf(user.user_id).flatMap((orgId) => {
        const org = store.data.organizations[orgId];
        if (!org) return [];
        const organization: Management.Organization = {
          id: org.id,
          name: org.name,
          display_name: org.display_name,
          metadata: { ...org.metadata },
        };
        return [organization];
      });
      return offsetPage(organizations, request.query as Query, "organizations");
    },
  );
}

/** A database user's id as Auth0 makes one: `auth0|` and 24 hexadecimal digits. */
function newUserId(): string {
  return `auth0|${randomBytes(12).toString("hex")}`;
}
