import { resolve } from "node:path";
import {
  isRateLimitProfileName,
  RATE_LIMIT_PROFILE_NAMES,
  type RateLimitProfileName,
} from "./rate-limits.js";
import type { EmulatorSeedSource } from "./seed.js";
import { startEmulator, type PostLoginHook, type RunningEmulator } from "./server.js";

export interface EmulatorCliOptions {
  /** What the tenant starts with; none: empty but for the Management API. */
  seed?: EmulatorSeedSource;
  /** Lines printed after the start line, e.g. how to log in as the seed's users. */
  banner?: (emulator: RunningEmulator) => string[];
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 4010;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`EMULATOR_PORT must be a port number (0-65535), got "${raw}"`);
    process.exit(1);
  }
  return port;
}

function parseRateLimitProfile(raw: string | undefined): RateLimitProfileName {
  if (raw === undefined || raw === "") return "off";
  if (!isRateLimitProfileName(raw)) {
    console.error(`EMULATOR_RATE_LIMIT must be one of ${RATE_LIMIT_PROFILE_NAMES.join(", ")}, got "${raw}"`);
    process.exit(1);
  }
  return raw;
}

/** EMULATOR_POST_LOGIN_URL and EMULATOR_POST_LOGIN_SECRET, both or neither. */
function parsePostLoginHook(url: string | undefined, secret: string | undefined): PostLoginHook | undefined {
  if (!url && !secret) return undefined;
  let valid: boolean;
  try {
    valid = /^https?:$/.test(new URL(url ?? "").protocol);
  } catch {
    valid = false;
  }
  if (!valid || !secret) {
    console.error(
      "EMULATOR_POST_LOGIN_URL (an http(s) URL) and EMULATOR_POST_LOGIN_SECRET go together, or neither is set",
    );
    process.exit(1);
  }
  return { url: url as string, secret };
}

/**
 * The emulator as a command: EMULATOR_PORT (default 4010; 0 picks one), EMULATOR_DATA_DIR (default
 * `.gatehouse/emulator`), EMULATOR_RATE_LIMIT (default `off`) and the post-login hook
 * (EMULATOR_POST_LOGIN_URL with EMULATOR_POST_LOGIN_SECRET); it stops on SIGINT or SIGTERM.
 */
export async function runEmulatorCli(options: EmulatorCliOptions = {}): Promise<RunningEmulator> {
  const port = parsePort(process.env.EMULATOR_PORT);
  const rateLimitProfile = parseRateLimitProfile(process.env.EMULATOR_RATE_LIMIT);
  const dataDir = resolve(process.env.EMULATOR_DATA_DIR ?? ".gatehouse/emulator");
  const postLoginHook = parsePostLoginHook(
    process.env.EMULATOR_POST_LOGIN_URL?.trim() || undefined,
    process.env.EMULATOR_POST_LOGIN_SECRET || undefined,
  );
  const emulator = await startEmulator({
    port,
    dataDir,
    rateLimitProfile,
    seed: options.seed,
    postLoginHook,
  }).catch((error: unknown) => {
    // A port in use or an unreadable state file: say which, without a stack trace to dig through.
    console.error(`The emulator did not start: ${(error as Error).message}`);
    process.exit(1);
  });

  console.log(
    `Local Auth0 emulator at ${emulator.url} (issuer ${emulator.issuer}), state in ${dataDir}, ` +
      `Management API rate limit: ${rateLimitProfile}`,
  );
  for (const line of options.banner?.(emulator) ?? []) console.log(line);
  if (postLoginHook) {
    console.log(`Organization logins ask ${postLoginHook.url} for their access tokens' custom claims`);
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void emulator.close().then(() => process.exit(0));
    });
  }
  return emulator;
}
