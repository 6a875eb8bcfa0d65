import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let admin: string;
beforeAll(async () => {
  stack = await startStack();
  admin = bearer(await stack.userToken("admin@acme.test"));
});
afterAll(async () => {
  await stack?.close();
});

const LIST = `query($search: String, $first: Int, $after: String) {
  users(search: $search, first: $first, after: $after) {
    totalCount nodes { email } pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  totalCount: number;
  nodes: { email: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function list(variables: Record<string, unknown>) {
  return stack.graphql(LIST, { authorization: admin, variables });
}

function emails(page: Page): string[] {
  return page.nodes.map((node) => node.email);
}

describe("listing a tenant's users", () => {
  it("searches the start of an email, of a name, or of any word of it", async () => {
    const cases: [string, string[]][] = [
      ["manager@", ["manager@acme.test"]],
      ["MAX", ["manager@acme.test"]],
      ["member", ["member@acme.test"]],
      ["mia m", ["member@acme.test"]],
      ["a", ["admin@acme.test"]],
      ["cara", ["consultant@example.test"]],
      ["gus", []],
    ];
    for (const [search, expected] of cases) {
      const page = (await list({ search })).body.data?.users as Page;
      expect(emails(page).sort(), `search "${search}"`).toEqual(expected);
      expect(page.totalCount).toBe(expected.length);
    }
  });

  it("pages with first and after until there is no next page", async () => {
    const first = (await list({ first: 2 })).body.data?.users as Page;
    expect(first.nodes).toHaveLength(2);
    expect(first.totalCount).toBe(4);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await list({ first: 3, after: first.pageInfo.endCursor })).body.data?.users as Page;
    expect(second.nodes).toHaveLength(2);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...emails(first), ...emails(second)].sort()).toEqual([
      "admin@acme.test",
      "consultant@example.test",
      "manager@acme.test",
      "member@acme.test",
    ]);
  });

  it.each([
    [{ first: 0 }, "first"],
    [{ first: 101 }, "first"],
    [{ after: "not-a-cursor" }, "after"],
  ])("refuses %o as bad input", async (variables, field) => {
    const response = await list(variables);
    expect(response.body.data).toEqual({ users: null });
    expect(response.body.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field });
  });
});
