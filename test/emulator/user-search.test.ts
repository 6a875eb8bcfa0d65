import type { UsersClient } from "auth0/users";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidUserSearch,
  matchesUserSearch,
  parseUserSearch,
  type UserSearch,
} from "../../src/emulator/management/user-search.js";
import type { StoredUser } from "../../src/emulator/model.js";
import type { RunningEmulator } from "../../src/emulator/server.js";
import { emulatorOnFreePort, managementClients, sdkRefusal } from "./helpers.js";

function storedUser(fields: Partial<StoredUser> = {}): StoredUser {
  return {
    user_id: "auth0|ada",
    email: "ada@acme.test",
    email_verified: true,
    name: "Ada Admin",
    nickname: "ada",
    picture: "https://example.test/ada.png",
    blocked: false,
    connection: "Username-Password-Authentication",
    app_metadata: {},
    user_metadata: {},
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    logins_count: 0,
    ...fields,
  };
}

function matches(q: string, user: StoredUser): boolean {
  return matchesUserSearch(user, parseUserSearch(q));
}

function refusalOf(q: string): string {
  try {
    parseUserSearch(q);
  } catch (error) {
    if (error instanceof InvalidUserSearch) return error.message;
    throw error;
  }
  throw new Error(`expected ${q} to be refused`);
}

describe("parsing the user search subset", () => {
  it("reads a quoted exact match, with escaped quotes and backslashes", () => {
    expect(parseUserSearch('name:"Ada \\"the\\" Admin \\\\ 1"')).toEqual<UserSearch>({
      terms: [
        {
          field: { kind: "profile", name: "name" },
          anyOf: [{ match: "exact", text: 'Ada "the" Admin \\ 1' }],
        },
      ],
    });
  });

  it("reads an unquoted exact match and a trailing-star prefix", () => {
    expect(parseUserSearch("email:ada@acme.test")).toEqual<UserSearch>({
      terms: [
        { field: { kind: "profile", name: "email" }, anyOf: [{ match: "exact", text: "ada@acme.test" }] },
      ],
    });
    expect(parseUserSearch("name:Ad*")).toEqual<UserSearch>({
      terms: [{ field: { kind: "profile", name: "name" }, anyOf: [{ match: "prefix", text: "Ad" }] }],
    });
  });

  it("reads user_id:(a OR b OR c) with quoted and unquoted values", () => {
    expect(parseUserSearch('user_id:("auth0|a" OR auth0|b OR  "auth0|c" )')).toEqual<UserSearch>({
      terms: [
        {
          field: { kind: "profile", name: "user_id" },
          anyOf: [
            { match: "exact", text: "auth0|a" },
            { match: "exact", text: "auth0|b" },
            { match: "exact", text: "auth0|c" },
          ],
        },
      ],
    });
  });

  it("joins terms with AND, written or implied by a space", () => {
    const written = parseUserSearch('email:"a@b.test" AND blocked:true AND app_metadata.plan.tier:gold');
    const implied = parseUserSearch('email:"a@b.test"   blocked:true app_metadata.plan.tier:gold');
    expect(written).toEqual<UserSearch>({
      terms: [
        { field: { kind: "profile", name: "email" }, anyOf: [{ match: "exact", text: "a@b.test" }] },
        { field: { kind: "boolean", name: "blocked" }, anyOf: [{ match: "exact", text: "true" }] },
        {
          field: { kind: "metadata", root: "app_metadata", path: ["plan", "tier"] },
          anyOf: [{ match: "exact", text: "gold" }],
        },
      ],
    });
    expect(implied).toEqual(written);
  });

  it("reads the other supported fields", () => {
    expect(
      parseUserSearch(
        'nickname:ada email_verified:false identities.connection:"Username-Password-Authentication" user_metadata.lang:en',
      ).terms.map((term) => term.field),
    ).toEqual([
      { kind: "profile", name: "nickname" },
      { kind: "boolean", name: "email_verified" },
      { kind: "profile", name: "identities.connection" },
      { kind: "metadata", root: "user_metadata", path: ["lang"] },
    ]);
  });

  it("an empty or blank query has no terms", () => {
    expect(parseUserSearch("")).toEqual({ terms: [] });
    expect(parseUserSearch("   ")).toEqual({ terms: [] });
  });

  it.each([
    ['email:"a@b.test" OR name:"Ada"', "Unsupported query: OR between different terms"],
    ["email:a@b.test || name:Ada", "Unsupported query: OR between different terms"],
    ["NOT blocked:true", "Unsupported query: NOT"],
    ["-blocked:true", "Unsupported query: NOT"],
    ["!blocked:true", "Unsupported query: NOT"],
    ["+email:a@b.test", "Unsupported query: required terms (+)"],
    ["logins_count:[1 TO 5]", 'Unsupported query: the field "logins_count"'],
    ["name:[a TO c]", "Unsupported query: range searches"],
    ["name:{a TO c}", "Unsupported query: range searches"],
    ["name:*dmin", "Unsupported query: a wildcard that is not at the end of the value"],
    ["name:A*min", "Unsupported query: a wildcard that is not at the end of the value"],
    ["name:Ad?", "Unsupported query: the single-character wildcard ?"],
    ["email:*", "Unsupported query: a wildcard without a prefix"],
    ['name:"Ada"*', "Unsupported query: a wildcard after a quoted value"],
    ["name:Ada~", "Unsupported query: fuzzy or proximity search (~)"],
    ["name:Ada^2", "Unsupported query: boosting (^)"],
    ["name:/Ad.*/", "Unsupported query: regular expressions (/…/)"],
    ["Ada", 'Unsupported query: free text without a field ("Ada")'],
    ["tenant:acme", 'Unsupported query: the field "tenant"'],
    ["app_metadata:x", 'Unsupported query: the field "app_metadata"'],
    [
      "user_metadata.lang:e*",
      "Unsupported query: a wildcard on user_metadata (Auth0 does not allow one either)",
    ],
    ["blocked:t*", "Unsupported query: a wildcard on blocked"],
    ["(email:a@b.test AND blocked:true)", "Unsupported query: parentheses around whole terms"],
    ["user_id:(a AND b)", "Unsupported query: AND inside a group"],
    ["user_id:(a b)", "Unsupported query: values in a group that are not separated by OR"],
    ["user_id:((a))", "Unsupported query: nested parentheses"],
  ])("refuses %s as unsupported", (q, message) => {
    expect(refusalOf(q)).toBe(
      `${message} (the emulator accepts field:"value", field:value, field:prefix*, field:(a OR b) and AND between terms)`,
    );
  });

  it.each([
    ['name:"Ada', "Invalid query: an unclosed quote"],
    ['name:"Ada\\', "Invalid query: an unclosed quote"],
    ["user_id:(a OR b", "Invalid query: an unclosed parenthesis"],
    ["user_id:(a OR )", "Invalid query: OR without a value after it"],
    ["user_id:()", "Invalid query: an empty group ()"],
    ["email:a@b.test)", "Invalid query: a closing parenthesis without an opening one"],
    ["email:", "Invalid query: a field without a value"],
    ["email: a@b.test", "Invalid query: a field without a value"],
    ["email:a@b.test AND", "Invalid query: AND without a term after it"],
    ["AND email:a@b.test", "Invalid query: AND without a term before it"],
    ["blocked:yes", 'Invalid query: blocked is true or false, not "yes"'],
  ])("refuses %s as malformed", (q, message) => {
    expect(refusalOf(q)).toBe(message);
  });
});

describe("matching users against a search", () => {
  it("email, name and nickname match without regard to case; user_id does not", () => {
    const ada = storedUser();
    expect(matches('email:"ADA@acme.test"', ada)).toBe(true);
    expect(matches("name:ada*", ada)).toBe(true);
    expect(matches("nickname:ADA", ada)).toBe(true);
    expect(matches('user_id:"auth0|ada"', ada)).toBe(true);
    expect(matches('user_id:"AUTH0|ADA"', ada)).toBe(false);
  });

  it("an exact match is the whole value, a prefix only its start", () => {
    const ada = storedUser();
    expect(matches('name:"Ada"', ada)).toBe(false);
    expect(matches('name:"Ada Admin"', ada)).toBe(true);
    expect(matches("email:ada@acme*", ada)).toBe(true);
    expect(matches("email:acme*", ada)).toBe(false);
  });

  it("every term must hold, and any value of a group may", () => {
    const ada = storedUser();
    expect(matches('user_id:("auth0|bob" OR "auth0|ada") AND blocked:false', ada)).toBe(true);
    expect(matches('user_id:("auth0|bob" OR "auth0|ada") AND blocked:true', ada)).toBe(false);
    expect(matches("user_id:(auth0|bob OR auth0|eve)", ada)).toBe(false);
  });

  it("booleans match true and false", () => {
    expect(matches("blocked:true", storedUser({ blocked: true }))).toBe(true);
    expect(matches("blocked:false", storedUser({ blocked: true }))).toBe(false);
    expect(matches("email_verified:false", storedUser({ email_verified: false }))).toBe(true);
  });

  it("metadata paths reach nested values and look through arrays, case-sensitively", () => {
    const user = storedUser({
      app_metadata: { plan: { tier: "Gold" }, beta: true, seats: 5, tenants: ["org_acme", "org_globex"] },
      user_metadata: { addresses: [{ city: "Paris" }, { city: "Lyon" }] },
    });
    expect(matches("app_metadata.plan.tier:Gold", user)).toBe(true);
    expect(matches("app_metadata.plan.tier:gold", user)).toBe(false);
    expect(matches("app_metadata.plan.tier:Go*", user)).toBe(true);
    expect(matches("app_metadata.beta:true", user)).toBe(true);
    expect(matches("app_metadata.seats:5", user)).toBe(true);
    expect(matches('app_metadata.tenants:"org_globex"', user)).toBe(true);
    expect(matches("user_metadata.addresses.city:Lyon", user)).toBe(true);
    expect(matches("user_metadata.addresses.city:Nice", user)).toBe(false);
    expect(matches("app_metadata.plan:Gold", user)).toBe(false);
    expect(matches("app_metadata.missing:x", user)).toBe(false);
  });
});

describe("GET /api/v2/users?q=", () => {
  let emulator: RunningEmulator;
  let users: UsersClient;
  beforeAll(async () => {
    emulator = await emulatorOnFreePort();
    ({ users } = managementClients(emulator));
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("Gatehouse's batch lookup by ids returns exactly those users", async () => {
    const page = await users.list({
      q: 'user_id:("auth0|acme-admin" OR "auth0|acme-member")',
      search_engine: "v3",
      per_page: 2,
    });

    expect(page.data.map((user) => user.user_id)).toEqual(["auth0|acme-admin", "auth0|acme-member"]);
    expect(page.response).toMatchObject({ start: 0, limit: 2, length: 2, total: 2 });
  });

  it("a trailing-star prefix finds the users whose field starts with it", async () => {
    const admins = await users.list({ q: "email:admin@*", search_engine: "v3" });
    expect(admins.data.map((user) => user.email)).toEqual(["admin@acme.test", "admin@globex.test"]);

    const byName = await users.list({ q: "name:g*", search_engine: "v3" });
    expect(byName.data.map((user) => user.name)).toEqual(["Gus Admin", "Gia Member"]);
  });

  it("metadata and profile terms combine with AND", async () => {
    const email = `meta.${Date.now()}@search.test`;
    await users.create({
      connection: "Username-Password-Authentication",
      email,
      password: "Search-test-pass-1",
      app_metadata: { tenant_id: "org_search" },
      user_metadata: { lang: "fr" },
    });

    const found = await users.list({
      q: `app_metadata.tenant_id:"org_search" AND user_metadata.lang:fr AND email:"${email}"`,
      search_engine: "v3",
    });
    expect(found.data.map((user) => user.email)).toEqual([email]);
    const none = await users.list({ q: 'app_metadata.tenant_id:"org_other"', search_engine: "v3" });
    expect(none.data).toEqual([]);
  });

  it("an unsupported query is a 400, never a wider answer", async () => {
    expect(
      await sdkRefusal(users.list({ q: 'email:"admin@acme.test" OR name:"Gus Admin"', search_engine: "v3" })),
    ).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message:
          'Unsupported query: OR between different terms (the emulator accepts field:"value", field:value, field:prefix*, field:(a OR b) and AND between terms)',
        errorCode: "invalid_query_string",
      },
    });
  });

  it("a malformed query is a 400 too", async () => {
    expect(await sdkRefusal(users.list({ q: 'user_id:("auth0|acme-admin"', search_engine: "v3" }))).toEqual({
      statusCode: 400,
      body: {
        statusCode: 400,
        error: "Bad Request",
        message: "Invalid query: an unclosed parenthesis",
        errorCode: "invalid_query_string",
      },
    });
  });
});
