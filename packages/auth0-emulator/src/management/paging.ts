import { badRequest } from "../errors.js";

export type Query = Record<string, string | undefined>;

function integer(query: Query, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(
      `Query validation error: '${name}' must be an integer between 0 and ${max}`,
      "invalid_query_string",
    );
  }
  return value;
}

export function booleanParam(query: Query, name: string, fallback: boolean): boolean {
  const raw = query[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw badRequest(`Query validation error: '${name}' must be true or false`, "invalid_query_string");
}

/**
 * Auth0's offset paging: `page` (from 0) and `per_page` (default 50, at most 100). With `include_totals=true`
 * the answer is `{ start, limit, length, total, <key>: [...] }`, otherwise the bare array. With a
 * `resultWindow`, a page reaching past that many results is refused, as Auth0's user search refuses one
 * past its first 1000.
 */
export function offsetPage<T>(
  items: T[],
  query: Query,
  key: string,
  { resultWindow }: { resultWindow?: number } = {},
): unknown {
  const page = integer(query, "page", 0, 100_000);
  const perPage = integer(query, "per_page", 50, 100);
  const start = page * perPage;
  if (resultWindow !== undefined && start + perPage > resultWindow) {
    throw badRequest(
      `You can only page through the first ${resultWindow} records. ` +
        "See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
      "invalid_paging",
    );
  }
  const slice = items.slice(start, start + perPage);
  if (!booleanParam(query, "include_totals", false)) return slice;
  return { start, limit: perPage, length: slice.length, total: items.length, [key]: slice };
}

/** `fields` / `include_fields`: keep (or drop) the named top-level fields. */
export function selectFields<T extends object>(item: T, query: Query): Partial<T> {
  const fields = query.fields
    ?.split(",")
    .map((field) => field.trim())
    .filter(Boolean);
  if (!fields || fields.length === 0) return item;
  const include = booleanParam(query, "include_fields", true);
  return Object.fromEntries(
    Object.entries(item).filter(([name]) => fields.includes(name) === include),
  ) as Partial<T>;
}

/** Whether a list request asks for checkpoint paging (`from` / `take`) rather than page/per_page. */
export function wantsCheckpoint(query: Query): boolean {
  return query.from !== undefined || query.take !== undefined;
}

/**
 * Auth0's checkpoint paging: up to `take` items (default 50, at most 100) starting at the cursor `from`,
 * answered as `{ <key>: [...], next }`, `next` absent on the last page. Items go in id order and the cursor
 * is the (base64url) id the next page starts at, so an item deleted between two calls neither repeats nor
 * skips the others.
 */
export function checkpointPage<T>(
  items: T[],
  query: Query,
  key: string,
  idOf: (item: T) => string,
): Record<string, unknown> {
  const take = integer(query, "take", 50, 100);
  if (take < 1) {
    throw badRequest(
      "Query validation error: 'take' must be an integer between 1 and 100",
      "invalid_query_string",
    );
  }
  const from = query.from ? Buffer.from(query.from, "base64url").toString("utf8") : undefined;
  if (query.from && Buffer.from(from ?? "", "utf8").toString("base64url") !== query.from) {
    throw badRequest("Query validation error: 'from' is not a valid checkpoint", "invalid_query_string");
  }
  const ordered = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const rest = from === undefined ? ordered : ordered.filter((item) => idOf(item) >= from);
  const page = rest.slice(0, take);
  const following = rest[take];
  return {
    [key]: page,
    ...(following ? { next: Buffer.from(idOf(following), "utf8").toString("base64url") } : {}),
  };
}
