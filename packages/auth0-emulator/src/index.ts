// The emulator's public entry: everything a user of the package (Gatehouse's development start-up, its
// tests, a provisioning command) may rely on. Modules not re-exported here are the package's own.
export {
  startEmulator,
  RATE_LIMIT_PROFILE_NAMES,
  isRateLimitProfileName,
  type EmulatorOptions,
  type PostLoginHook,
  type RateLimitProfileName,
  type RunningEmulator,
} from "./server.js";
export type { Stats } from "./controls.js";
export {
  MANAGEMENT_API_SCOPES,
  type EmulatorSeed,
  type EmulatorSeedSource,
  type SeedApi,
  type SeedClient,
  type SeedClientGrant,
  type SeedOrganization,
  type SeedRole,
  type SeedTenant,
  type SeedUser,
} from "./seed.js";
export { runEmulatorCli, type EmulatorCliOptions } from "./cli.js";
