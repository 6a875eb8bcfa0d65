import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

// A low scrypt cost: this is a development emulator, and tests create many users.
const SCRYPT_OPTIONS = { N: 1024, r: 8, p: 1 } as const;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, SCRYPT_OPTIONS);
  return `${salt.toString("hex")}:${hash.toString("hex")}`;
}

export function verifyPassword(password: string, stored: string | undefined): boolean {
  if (!stored) return false;
  const [saltHex, hashHex] = stored.split(":");
  if (!saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, "hex");
  const actual = scryptSync(password, Buffer.from(saltHex, "hex"), expected.length, SCRYPT_OPTIONS);
  return timingSafeEqual(actual, expected);
}

/**
 * Auth0's "fair" password policy (the default for new databases): at least 8 characters with three of
 * lower case, upper case, digits and special characters.
 */
export function passwordPolicyError(password: string): string | undefined {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  if (password.length < 8 || classes < 3) {
    return "PasswordStrengthError: Password is too weak";
  }
  return undefined;
}
