import type { UsersClient } from "auth0/users";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidUserSearch,
  matchesUserSearch,
  parseUserSearch,
  type UserSearch,
} from "../src/management/user-search.js";
import type { StoredUser } from "../src/model.js";
import type { RunningEmulator } from "../src/server.js";
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
    ["name:[a TO c]", "Unsupported query: a range on name (ranges work on dates)"],
    ["name:{a TO c}", "Unsupported query: a range on name (ranges work on dates)"],
    [
      "user_metadata.since:[2024 TO *]",
      "Unsupported query: a range on user_metadata.since (ranges work on dates)",
    ],
    ["updated_at:2024-01-01", "Unsupported query: updated_at other than as a range [A TO B]"],
    ["user_id:([a TO b])", "Unsupported query: range searches"],
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
      `${message} (the emulator accepts field:"value", field:value, field:prefix*, field:(a OR b), date:[A TO B] and AND between terms)`,
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
    [
      "updated_at:[2024-01-01 TO]",
      "Invalid query: a range must read [A TO B] (brackets [ ] or { }, ends a date or *)",
    ],
    [
      "updated_at:[yesterday TO *]",
      'Invalid query: "yesterday" is not a date (2024, 2024-01, 2024-01-31 or ISO 8601)',
    ],
    ["updated_at:[2024-01-01 TO *]x", 'Invalid query: unexpected "x" after a value'],
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

describe("date ranges", () => {
  const updatedAt = (updated_at: string) => storedUser({ updated_at });

  it("square brackets include their ends, curly ones exclude them, * leaves an end open", () => {
    const user = updatedAt("2024-03-10T12:00:00.000Z");
    expect(matches("updated_at:[2024-03-10T12:00:00.000Z TO *]", user)).toBe(true);
    expect(matches("updated_at:{2024-03-10T12:00:00.000Z TO *]", user)).toBe(false);
    expect(matches("updated_at:[* TO 2024-03-10T12:00:00.000Z]", user)).toBe(true);
    expect(matches("updated_at:[* TO 2024-03-10T12:00:00.000Z}", user)).toBe(false);
    expect(matches("updated_at:[* TO *]", user)).toBe(true);
  });

  it("a date names a span as long as its precision, as Elasticsearch reads it", () => {
    const user = updatedAt("2024-03-10T12:00:00.000Z");
    expect(matches("updated_at:[2024-03-10 TO 2024-03-10]", user)).toBe(true);
    expect(matches("updated_at:{2024-03-10 TO *]", user)).toBe(false);
    expect(matches("updated_at:[2024-03 TO 2024-03]", user)).toBe(true);
    expect(matches("updated_at:[2024 TO 2024]", user)).toBe(true);
    expect(matches("updated_at:[* TO 2024-03-10}", user)).toBe(false);
    expect(matches("updated_at:[2024-03-10T13:00+02:00 TO 2024-03-10T12:00Z]", user)).toBe(true);
  });

  it("combines with other terms, and a user without the date never matches", () => {
    const user = storedUser({ updated_at: "2024-03-10T12:00:00.000Z", blocked: true });
    expect(matches("updated_at:[2024-01-01 TO *] AND blocked:true", user)).toBe(true);
    expect(matches("updated_at:[2024-01-01 TO *] blocked:false", user)).toBe(false);
    expect(matches("last_login:[* TO *]", user)).toBe(false);
    expect(matches("created_at:[2026 TO *]", user)).toBe(true);
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
          'Unsupported query: OR between different terms (the emulator accepts field:"value", field:value, field:prefix*, field:(a OR b), date:[A TO B] and AND between terms)',
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

  it("an importer walks updated_at ranges in updated_at order, and an update moves a user to the end", async () => {
    const batch = `import-${Date.now()}`;
    const created: string[] = [];
    for (const name of ["first", "second", "third"]) {
      const user = await users.create({
        connection: "Username-Password-Authentication",
        email: `${name}-${batch}@example.test`,
        password: "Search-test-pass-1",
        app_metadata: { batch },
      });
      created.push(user.user_id!);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct updated_at milliseconds
    }
    const since = async (bound: string) =>
      (
        await users.list({
          q: `updated_at:${bound} AND app_metadata.batch:"${batch}"`,
          sort: "updated_at:1",
          search_engine: "v3",
        })
      ).data;

    const all = await since("[* TO *]");
    expect(all.map((user) => user.user_id)).toEqual(created);
    const afterFirst = await since(`{${all[0]!.updated_at} TO *]`);
    expect(afterFirst.map((user) => user.user_id)).toEqual(created.slice(1));

    await users.update(created[0]!, { user_metadata: { seen: true } });
    const changed = await since(`{${all[2]!.updated_at} TO *]`);
    expect(changed.map((user) => user.user_id)).toEqual([created[0]]);
    const untilLast = await since(`[* TO ${all[2]!.updated_at}]`);
    expect(untilLast.map((user) => user.user_id)).toEqual(created.slice(1));
  });

  it("pages reach Auth0's first 1000 results and no further", async () => {
    expect((await users.list({ page: 9, per_page: 100 })).data).toEqual([]);
    expect((await users.list({ page: 19, per_page: 50 })).data).toEqual([]);
    for (const [page, per_page] of [
      [10, 100],
      [20, 50],
    ] as const) {
      expect(await sdkRefusal(users.list({ page, per_page }))).toEqual({
        statusCode: 400,
        body: {
          statusCode: 400,
          error: "Bad Request",
          message:
            "You can only page through the first 1000 records. " +
            "See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
          errorCode: "invalid_paging",
        },
      });
    }
  });
});
