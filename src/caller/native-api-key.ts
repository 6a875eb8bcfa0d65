import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Gatehouse's own API keys: `gatehouse_` + a 16-character key id + a 32-character secret + a 6-character
 * CRC32 checksum, all base62. The prefix lets secret scanners (and people) recognise a leaked key; the
 * checksum lets Gatehouse refuse a mistyped or made-up key before it looks anything up; the key id names the
 * stored row, so checking a key is one lookup by primary key, never a scan of hashes.
 */
export const NATIVE_KEY_PREFIX = "gatehouse_";

/** The id a native key is known by in the API (`key_` + the id in the key), never an Auth0 client id. */
export const NATIVE_KEY_ID = /^key_[0-9A-Za-z]{16}$/;

const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const NATIVE_KEY = new RegExp(
  `^${NATIVE_KEY_PREFIX}([0-9A-Za-z]{${ID_LENGTH}})([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function randomBase62(length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 1) text += BASE62[randomInt(BASE62.length)];
  return text;
}

function checksumOf(body: string): string {
  let value = crc32(body);
  let text = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    text = BASE62[value % 62] + text;
    value = Math.floor(value / 62);
  }
  return text;
}

export interface MintedKey {
  /** The key's id in the API and the store. */
  id: string;
  /** The whole key, shown once. */
  key: string;
  /** What may be shown again: the prefix and the key id, no secret. */
  displayPrefix: string;
  /** SHA-256 of the secret part, hex: the only trace of the secret that is kept. */
  secretHash: string;
}

export interface ParsedKey {
  id: string;
  secret: string;
}

/**
 * SHA-256, not a slow password hash: the secret is 32 random base62 characters (190 bits), so no dictionary
 * or brute force can reach it however fast the hash, and a fast hash keeps verification cheap.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** A new key for the key id given (a rotation keeps the id), or for a new id. */
export function mintNativeKey(id?: string): MintedKey {
  const idPart = id ? id.slice("key_".length) : randomBase62(ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  const body = `${NATIVE_KEY_PREFIX}${idPart}${secret}`;
  return {
    id: `key_${idPart}`,
    key: `${body}${checksumOf(body)}`,
    displayPrefix: `${NATIVE_KEY_PREFIX}${idPart}`,
    secretHash: hashSecret(secret),
  };
}

/** Whether a credential claims to be a native key (it may still be a bad one). */
export function looksLikeNativeKey(text: string): boolean {
  return text.startsWith(NATIVE_KEY_PREFIX);
}

/** The key's id and secret, or null when it is malformed or its checksum is wrong: decided offline. */
export function parseNativeKey(text: string): ParsedKey | null {
  const match = NATIVE_KEY.exec(text);
  if (!match?.[1] || !match[2] || !match[3]) return null;
  if (checksumOf(`${NATIVE_KEY_PREFIX}${match[1]}${match[2]}`) !== match[3]) return null;
  return { id: `key_${match[1]}`, secret: match[2] };
}
