/**
 * The subset of Auth0's user search (`q` with `search_engine=v3`, Lucene syntax) that the emulator
 * understands, parsed into terms that every matching user must satisfy:
 *
 *   field:"value"        exact match (quotes allow spaces, `\"` and `\\`)
 *   field:value          exact match
 *   field:value*         prefix match
 *   field:(a OR "b" …)   any of the values (each exact, or a prefix with a trailing `*`)
 *   date:[A TO B]        a date range: `[`/`]` inclusive, `{`/`}` exclusive, `*` an open end
 *   term AND term        both (a space between terms means AND too)
 *
 * over `user_id`, `email`, `name`, `nickname`, `email_verified`, `blocked`, `identities.connection` and
 * dotted `app_metadata.x` / `user_metadata.x` paths, and ranges over the dates `created_at`, `updated_at`
 * and `last_login`. Anything else (OR between different terms, NOT, other ranges, fuzzy or boosted terms,
 * wildcards that are not a trailing `*`, free text, unknown fields, unbalanced quotes or parentheses) is
 * refused with an `InvalidUserSearch`. A filter is never dropped: dropping one
 * would widen the answer, and callers use the search to keep one tenant's users from another's.
 */
import type { StoredUser } from "../model.js";

/** A query the emulator cannot evaluate exactly; the Management API answers it with a 400. */
export class InvalidUserSearch extends Error {}

export type ProfileField = "user_id" | "email" | "name" | "nickname" | "identities.connection";
export type BooleanField = "email_verified" | "blocked";
export type DateField = "created_at" | "updated_at" | "last_login";

export type SearchField =
  | { kind: "profile"; name: ProfileField }
  | { kind: "boolean"; name: BooleanField }
  | { kind: "date"; name: DateField }
  | { kind: "metadata"; root: "app_metadata" | "user_metadata"; path: string[] };

export interface SearchValue {
  match: "exact" | "prefix";
  text: string;
}

/** One `field:…` term: the user's field must match one of the values. */
export interface ValueTerm {
  field: SearchField;
  anyOf: SearchValue[];
}

/**
 * A date range `[A TO B]`, as epoch milliseconds: the value must be at or after `from` and before `until`;
 * an open end is absent.
 */
export interface RangeTerm {
  field: { kind: "date"; name: DateField };
  from?: number;
  until?: number;
}

export type SearchTerm = ValueTerm | RangeTerm;

/** Every term must hold; no terms means every user. */
export interface UserSearch {
  terms: SearchTerm[];
}

const PROFILE_FIELDS: readonly ProfileField[] = [
  "user_id",
  "email",
  "name",
  "nickname",
  "identities.connection",
];
const BOOLEAN_FIELDS: readonly BooleanField[] = ["email_verified", "blocked"];
const DATE_FIELDS: readonly DateField[] = ["created_at", "updated_at", "last_login"];
/** Auth0 searches its normalized profile fields case-insensitively, everything else case-sensitively. */
const CASE_INSENSITIVE_FIELDS: readonly ProfileField[] = ["email", "name", "nickname"];

const SUBSET =
  'the emulator accepts field:"value", field:value, field:prefix*, field:(a OR b), date:[A TO B] ' +
  "and AND between terms";

function unsupported(what: string): InvalidUserSearch {
  return new InvalidUserSearch(`Unsupported query: ${what} (${SUBSET})`);
}

function malformed(what: string): InvalidUserSearch {
  return new InvalidUserSearch(`Invalid query: ${what}`);
}

function resolveField(name: string): SearchField {
  if ((PROFILE_FIELDS as readonly string[]).includes(name)) {
    return { kind: "profile", name: name as ProfileField };
  }
  if ((BOOLEAN_FIELDS as readonly string[]).includes(name)) {
    return { kind: "boolean", name: name as BooleanField };
  }
  if ((DATE_FIELDS as readonly string[]).includes(name)) {
    return { kind: "date", name: name as DateField };
  }
  const [root, ...path] = name.split(".");
  if ((root === "app_metadata" || root === "user_metadata") && path.length > 0 && path.every(Boolean)) {
    return { kind: "metadata", root, path };
  }
  throw unsupported(`the field ${JSON.stringify(name)}`);
}

const FUZZY = "fuzzy or proximity search (~)";
const BOOST = "boosting (^)";

/** Characters that mean something to Lucene and so cannot appear unquoted in a value of the subset. */
const LUCENE_SPECIALS: Record<string, string> = {
  "?": "the single-character wildcard ?",
  "~": FUZZY,
  "^": BOOST,
  "\\": "escapes outside quotes",
  ":": "a second colon in a term",
  "[": "range searches",
  "]": "range searches",
  "{": "range searches",
  "}": "range searches",
  "!": "NOT (!)",
  '"': "a quote inside an unquoted value",
  "(": "nested parentheses",
  "/": "regular expressions (/…/)",
};

/** A recursive-descent reader over the query text. */
class QueryReader {
  private position = 0;

  constructor(private readonly text: string) {}

  parse(): UserSearch {
    const terms: SearchTerm[] = [];
    this.skipSpaces();
    while (!this.atEnd()) {
      if (terms.length > 0) this.readConnective();
      terms.push(this.readTerm());
      this.skipSpaces();
    }
    return { terms };
  }

  private atEnd(): boolean {
    return this.position >= this.text.length;
  }

  private peek(): string {
    return this.text[this.position] ?? "";
  }

  private skipSpaces(): void {
    while (/\s/.test(this.peek())) this.position += 1;
  }

  /** The next run of characters up to a space or a parenthesis, without consuming it. */
  private peekWord(): string {
    return /^[^\s()]*/.exec(this.text.slice(this.position))?.[0] ?? "";
  }

  /** Between two terms: `AND`, or nothing (Auth0 joins terms with AND by default). */
  private readConnective(): void {
    const word = this.peekWord();
    if (word === "AND" || word === "&&") {
      this.position += word.length;
      this.skipSpaces();
      if (this.atEnd()) throw malformed("AND without a term after it");
      return;
    }
    if (word === "OR" || word === "||") throw unsupported("OR between different terms");
  }

  private readTerm(): SearchTerm {
    const word = this.peekWord();
    if (word === "NOT" || word.startsWith("-") || word.startsWith("!")) throw unsupported("NOT");
    if (word.startsWith("+")) throw unsupported("required terms (+)");
    if (word === "AND" || word === "OR" || word === "&&" || word === "||") {
      throw malformed(`${word} without a term before it`);
    }
    if (this.peek() === "(") throw unsupported("parentheses around whole terms");
    if (this.peek() === ")") throw malformed("a closing parenthesis without an opening one");

    const colon = word.indexOf(":");
    if (colon === -1) throw unsupported(`free text without a field (${JSON.stringify(word)})`);
    const field = resolveField(word.slice(0, colon));
    this.position += colon + 1;
    if (this.peek() === "[" || this.peek() === "{") {
      if (field.kind !== "date") throw unsupported(`a range on ${fieldName(field)} (ranges work on dates)`);
      return this.readRange(field);
    }
    if (field.kind === "date") throw unsupported(`${field.name} other than as a range [A TO B]`);
    const anyOf = this.peek() === "(" ? this.readGroup() : [this.readValue(false)];
    for (const value of anyOf) checkValueFits(field, value);
    return { field, anyOf };
  }

  /**
   * `[A TO B]` after a date field, each bracket inclusive (`[`, `]`) or exclusive (`{`, `}`), each end a
   * date or `*`. As in Elasticsearch, which Auth0's search v3 runs on, a date names a span as long as its
   * precision: `[2024-01 TO 2024-02]` is all of January and February, `{2024-01-01 TO *]` starts the next day.
   */
  private readRange(field: RangeTerm["field"]): RangeTerm {
    const rest = this.text.slice(this.position);
    const match = /^([[{])\s*(\S+)\s+TO\s+(\S+?)\s*([\]}])/.exec(rest);
    if (!match) throw malformed(`a range must read [A TO B] (brackets [ ] or { }, ends a date or *)`);
    const [whole, open, low = "", high = "", close] = match;
    this.position += whole.length;
    this.requireTermEnd(false);
    const lower = low === "*" ? undefined : dateSpan(low);
    const upper = high === "*" ? undefined : dateSpan(high);
    return {
      field,
      ...(lower ? { from: open === "[" ? lower.start : lower.end } : {}),
      ...(upper ? { until: close === "]" ? upper.end : upper.start } : {}),
    };
  }

  /** `(a OR b OR …)` after a field. */
  private readGroup(): SearchValue[] {
    this.position += 1; // (
    const values: SearchValue[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.atEnd()) throw malformed("an unclosed parenthesis");
      if (this.peek() === ")") {
        if (values.length === 0) throw malformed("an empty group ()");
        throw malformed("OR without a value after it");
      }
      values.push(this.readValue(true));
      this.skipSpaces();
      if (this.atEnd()) throw malformed("an unclosed parenthesis");
      if (this.peek() === ")") {
        this.position += 1;
        this.requireTermEnd(false);
        return values;
      }
      const word = this.peekWord();
      if (word === "OR" || word === "||") {
        this.position += word.length;
        continue;
      }
      if (word === "AND" || word === "&&") throw unsupported("AND inside a group");
      if (word === "NOT") throw unsupported("NOT");
      // Lucene would join the two values with its default operator; say OR rather than guess.
      throw unsupported("values in a group that are not separated by OR");
    }
  }

  private readValue(inGroup: boolean): SearchValue {
    const next = this.peek();
    if (next === "" || /\s/.test(next)) throw malformed("a field without a value");
    if (next === ")") throw malformed("a field without a value");
    if (next === "[" || next === "{") throw unsupported("range searches");
    if (next === "(") throw unsupported("nested parentheses");
    return next === '"' ? this.readQuoted(inGroup) : this.readBare(inGroup);
  }

  private readQuoted(inGroup: boolean): SearchValue {
    this.position += 1; // opening quote
    let text = "";
    for (;;) {
      if (this.atEnd()) throw malformed("an unclosed quote");
      const char = this.peek();
      this.position += 1;
      if (char === '"') break;
      if (char === "\\") {
        if (this.atEnd()) throw malformed("an unclosed quote");
        text += this.peek();
        this.position += 1;
      } else {
        text += char;
      }
    }
    this.requireTermEnd(inGroup);
    return { match: "exact", text };
  }

  /** After a value: a space, the end, or (in a group) the closing parenthesis. */
  private requireTermEnd(inGroup: boolean): void {
    const next = this.peek();
    if (next === "" || /\s/.test(next) || (inGroup && next === ")")) return;
    if (next === "~") throw unsupported(FUZZY);
    if (next === "^") throw unsupported(BOOST);
    if (next === "*") throw unsupported("a wildcard after a quoted value");
    if (next === ")") throw malformed("a closing parenthesis without an opening one");
    throw malformed(`unexpected ${JSON.stringify(next)} after a value`);
  }

  private readBare(inGroup: boolean): SearchValue {
    const raw = (inGroup ? /^[^\s)]*/ : /^[^\s]*/).exec(this.text.slice(this.position))?.[0] ?? "";
    this.position += raw.length;
    if (!inGroup && raw.includes(")")) throw malformed("a closing parenthesis without an opening one");
    for (const char of raw) {
      const meaning = LUCENE_SPECIALS[char];
      if (meaning) throw unsupported(meaning);
    }
    const star = raw.indexOf("*");
    if (star === -1) return { match: "exact", text: raw };
    if (star !== raw.length - 1) throw unsupported("a wildcard that is not at the end of the value");
    if (star === 0) throw unsupported("a wildcard without a prefix");
    return { match: "prefix", text: raw.slice(0, -1) };
  }
}

function fieldName(field: SearchField): string {
  return field.kind === "metadata" ? [field.root, ...field.path].join(".") : field.name;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The span of time a date in a range names, `[start, end)` in epoch milliseconds: `2024` is the year,
 * `2024-03-01` the day, `2024-03-01T10:00Z` the minute. Dates without a zone are UTC.
 */
function dateSpan(text: string): { start: number; end: number } {
  const unquoted = text.replace(/^"(.*)"$/, "$1");
  const match = DATE.exec(unquoted);
  if (!match)
    throw malformed(`${JSON.stringify(text)} is not a date (2024, 2024-01, 2024-01-31 or ISO 8601)`);
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const parts = [year, month ?? "01", day ?? "01"].join("-");
  const time = `${hour ?? "00"}:${minute ?? "00"}:${second ?? "00"}.${(fraction ?? "0").padEnd(3, "0")}`;
  const start = Date.parse(`${parts}T${time}${zone ?? "Z"}`);
  if (Number.isNaN(start)) throw malformed(`${JSON.stringify(text)} is not a date`);
  const date = new Date(start);
  if (fraction !== undefined) return { start, end: start + 1 };
  if (second !== undefined) return { start, end: start + 1000 };
  if (minute !== undefined) return { start, end: start + 60_000 };
  if (day !== undefined) return { start, end: start + 86_400_000 };
  if (month !== undefined) {
    return { start, end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
  }
  return { start, end: Date.UTC(date.getUTCFullYear() + 1, 0, 1) };
}

/** Refuses values a field cannot take, as Auth0 does (no wildcards on user_metadata, booleans are booleans). */
function checkValueFits(field: SearchField, value: SearchValue): void {
  if (field.kind === "boolean") {
    if (value.match === "prefix") throw unsupported(`a wildcard on ${field.name}`);
    if (value.text !== "true" && value.text !== "false") {
      throw malformed(`${field.name} is true or false, not ${JSON.stringify(value.text)}`);
    }
  }
  if (field.kind === "metadata" && field.root === "user_metadata" && value.match === "prefix") {
    throw unsupported("a wildcard on user_metadata (Auth0 does not allow one either)");
  }
}

/** Parses a `q` value; an empty or blank query matches every user. */
export function parseUserSearch(q: string): UserSearch {
  return new QueryReader(q).parse();
}

function matchesText(actual: string, value: SearchValue, ignoreCase: boolean): boolean {
  const have = ignoreCase ? actual.toLowerCase() : actual;
  const want = ignoreCase ? value.text.toLowerCase() : value.text;
  return value.match === "exact" ? have === want : have.startsWith(want);
}

/** The scalar values at a metadata path; arrays along the way are looked through, as Auth0 does. */
function metadataValues(value: unknown, path: readonly string[]): (string | number | boolean)[] {
  if (Array.isArray(value)) return value.flatMap((item) => metadataValues(item, path));
  if (path.length === 0) {
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
      ? [value]
      : [];
  }
  const [key = "", ...rest] = path;
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return [];
  return metadataValues((value as Record<string, unknown>)[key], rest);
}

function profileValue(user: StoredUser, field: ProfileField): string {
  return field === "identities.connection" ? user.connection : user[field];
}

function rangeHolds(user: StoredUser, term: RangeTerm): boolean {
  const value = user[term.field.name];
  if (value === undefined) return false;
  const time = Date.parse(value);
  return (term.from === undefined || time >= term.from) && (term.until === undefined || time < term.until);
}

function termHolds(user: StoredUser, term: SearchTerm): boolean {
  if (!("anyOf" in term)) return rangeHolds(user, term);
  const { field } = term;
  switch (field.kind) {
    case "profile": {
      const actual = profileValue(user, field.name);
      const ignoreCase = CASE_INSENSITIVE_FIELDS.includes(field.name);
      return term.anyOf.some((value) => matchesText(actual, value, ignoreCase));
    }
    case "boolean":
      return term.anyOf.some((value) => String(user[field.name]) === value.text);
    case "date":
      return false; // dates are searched by range only; the parser refuses anything else
    case "metadata": {
      const found = metadataValues(user[field.root], field.path);
      return term.anyOf.some((value) =>
        found.some((item) =>
          typeof item === "string"
            ? matchesText(item, value, false)
            : value.match === "exact" && String(item) === value.text,
        ),
      );
    }
  }
}

/** Whether a user satisfies every term of the search. */
export function matchesUserSearch(user: StoredUser, search: UserSearch): boolean {
  return search.terms.every((term) => termHolds(user, term));
}
