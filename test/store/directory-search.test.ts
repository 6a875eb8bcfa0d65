import { describe, expect, it } from "vitest";
import { searchPattern, searchTermsOf } from "../../src/store/directory-search.js";

describe("directory search", () => {
  it("finds a user by their email, their whole name and each word of it, lower-cased", () => {
    expect(searchTermsOf({ email: "Ada@Example.com", name: "  Ada   Augusta\tKing " })).toEqual([
      "ada@example.com",
      "ada augusta king",
      "ada",
      "augusta",
      "king",
    ]);
    expect(searchTermsOf({ email: null, name: null })).toEqual([]);
    expect(searchTermsOf({ email: " ", name: "Émile" })).toEqual(["émile"]);
  });

  it("turns what an admin types into a prefix pattern that takes %, _ and \\ literally", () => {
    expect(searchPattern("Grace  Hopper ")).toBe("grace hopper%");
    expect(searchPattern("a%b_c\\d")).toBe("a\\%b\\_c\\\\d%");
    expect(searchPattern("   ")).toBeNull();
    expect(searchPattern("")).toBeNull();
    expect(searchPattern(null)).toBeNull();
    expect(searchPattern(undefined)).toBeNull();
  });

  it("keeps long texts to their first 200 characters, never cutting a character in half", () => {
    const long = "😀".repeat(300);
    const [term] = searchTermsOf({ email: long, name: null });
    expect(Array.from(term!)).toHaveLength(200);
    expect(searchPattern(long)).toBe(`${"😀".repeat(200)}%`);
  });
});
