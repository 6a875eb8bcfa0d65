/**
 * How the directory finds a tenant's users by what an admin types: a case-insensitive prefix of the email, of
 * the whole name, or of any word of the name.
 *
 * Each user's searchable texts are kept as "search terms" (the email, the name, each word of the name), one
 * row each in `directory_user_search_terms`, so every kind of match is one prefix match on one indexed column
 * (see migration 3). Terms are lower-cased here rather than by the database: `lower()` follows the database's
 * locale, which differs between PGlite and a Postgres server, while JavaScript's lower-casing does not.
 */

/**
 * Longer texts are searched on their first this-many characters: a btree entry must stay under about 2.7 kB,
 * and nobody types 200 characters into a search box.
 */
const maxTermLength = 200;

/** Lower-cased, trimmed, runs of whitespace made one space: how names and emails are compared. */
function comparable(text: string): string {
  return text.trim().split(/\s+/u).join(" ").toLowerCase();
}

function truncated(text: string): string {
  // By code points, so a character outside the BMP is never cut in half.
  return text.length <= maxTermLength ? text : Array.from(text).slice(0, maxTermLength).join("");
}

/** The terms a user is found by: their email, their name, and each word of their name. */
export function searchTermsOf(user: { email: string | null; name: string | null }): string[] {
  const terms = new Set<string>();
  const email = comparable(user.email ?? "");
  if (email !== "") terms.add(truncated(email));
  const name = comparable(user.name ?? "");
  if (name !== "") {
    terms.add(truncated(name));
    for (const word of name.split(" ")) terms.add(truncated(word));
  }
  return [...terms];
}

/**
 * The LIKE pattern matching terms that start with `search`, or null when there is nothing to search for.
 * `%`, `_` and the escape character itself are escaped, so they match only themselves.
 */
export function searchPattern(search: string | null | undefined): string | null {
  const prefix = truncated(comparable(search ?? ""));
  if (prefix === "") return null;
  return `${prefix.replace(/[\\%_]/g, "\\$&")}%`;
}
