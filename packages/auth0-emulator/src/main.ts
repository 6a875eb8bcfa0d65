import { resolve } from "node:path";
import { SEED_PASSWORD } from "./seed.js";
import {
  isRateLimitProfileName,
  RATE_LIMIT_PROFILE_NAMES,
  type RateLimitProfileName,
} from "./rate-limits.js";
import { startEmulator } from "./server.js";

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

const port = parsePort(process.env.EMULATOR_PORT);
const rateLimitProfile = parseRateLimitProfile(process.env.EMULATOR_RATE_LIMIT);
const dataDir = resolve(process.env.EMULATOR_DATA_DIR ?? ".gatehouse/emulator");
const emulator = await startEmulator({ port, dataDir, rateLimitProfile }).catch((error: unknown) => {
  // A port in use or an unreadable state file: say which, without a stack trace to dig through.
  console.error(`The emulator did not start: ${(error as Error).message}`);
  process.exit(1);
});

console.log(
  `Local Auth0 emulator at ${emulator.url} (issuer ${emulator.issuer}), state in ${dataDir}, ` +
    `Management API rate limit: ${rateLimitProfile}`,
);
console.log(
  `Seeded users sign in with password ${SEED_PASSWORD}, through their tenant's organization: ` +
    "TOKEN=$(npm run -s token -- admin@acme.test). A machine token for acme's back end:",
);
console.log(
  `  curl -s ${emulator.url}/oauth/token -d grant_type=client_credentials -d client_id=acme-backend ` +
    `-d client_secret=acme-backend-secret -d audience=https://api.gatehouse.local`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
