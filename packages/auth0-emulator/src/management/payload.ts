import { badRequest } from "../errors.js";

/** A JSON request body, checked to be an object. */
export type Payload = Record<string, unknown>;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Auth0's wording for a body that does not fit the endpoint's schema. */
export function invalidPayload(message: string, property?: string): never {
  throw badRequest(`Payload validation error: '${message}'${property ? ` on property ${property}` : ""}.`);
}

function wrongType(property: string, expected: string, value: unknown): never {
  return invalidPayload(`Expected type ${expected} but found type ${typeName(value)}`, property);
}

export function payloadOf(body: unknown): Payload {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) wrongType("body", "object", body);
  return body as Payload;
}

export function optionalString(payload: Payload, property: string): string | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (typeof value !== "string") wrongType(property, "string", value);
  return value;
}

export function requiredString(payload: Payload, property: string): string {
  const value = optionalString(payload, property);
  if (value === undefined) invalidPayload(`Missing required property: ${property}`);
  return value;
}

export function optionalBoolean(payload: Payload, property: string): boolean | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") wrongType(property, "boolean", value);
  return value;
}

export function optionalStringArray(payload: Payload, property: string): string[] | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) wrongType(property, "array", value);
  for (const item of value as unknown[]) {
    if (typeof item !== "string") wrongType(property, "string", item);
  }
  return value as string[];
}

/** A list of ids such as `{ members: [...] }` or `{ roles: [...] }`: required, and never empty. */
export function requiredIdList(payload: Payload, property: string): string[] {
  const value = optionalStringArray(payload, property);
  if (value === undefined) invalidPayload(`Missing required property: ${property}`);
  if (value.length === 0) invalidPayload("Array is too short (0), minimum 1", property);
  return value;
}

export function optionalEnum<T extends string>(
  payload: Payload,
  property: string,
  values: readonly T[],
): T | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    invalidPayload(`No enum match for: ${JSON.stringify(value)}`, property);
  }
  return value as T;
}

/**
 * Organization and client metadata: an object of string values. In an update a `null` value removes the
 * key, because Auth0 merges metadata on PATCH rather than replacing it.
 */
export function optionalStringMap(
  payload: Payload,
  property: string,
): Record<string, string | null> | undefined {
  const value = payload[property];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    wrongType(property, "object", value);
  }
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && typeof item !== "string") wrongType(`${property}.${key}`, "string", item);
  }
  return value as Record<string, string | null>;
}

/** Applies a metadata update: keys with a value are set, keys sent as `null` are removed. */
export function mergeStringMap(
  current: Record<string, string>,
  update: Record<string, string | null>,
): Record<string, string> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}
