import type * as Emulator from "@gatehouse/auth0-emulator";
import type { EmulatorOptions, RunningEmulator } from "@gatehouse/auth0-emulator";
import { emulatorSeed } from "./emulator-seed.js";

export type { PostLoginHook } from "@gatehouse/auth0-emulator";

/**
 * The one place the server loads the emulator: development start-up (`npm start` without AUTH0_DOMAIN,
 * `npm run emulator`). The package is a development dependency, absent from a production install, so it is
 * imported here, on demand, and never by a module production loads.
 */
export async function loadEmulator(): Promise<typeof Emulator> {
  try {
    return await import("@gatehouse/auth0-emulator");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNKNOWN_FILE_EXTENSION") {
      throw new Error(
        "the embedded Auth0 emulator is a development tool: it needs the development install (npm ci) " +
          "and npm start; in production set AUTH0_DOMAIN, AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET",
        { cause: error },
      );
    }
    throw error;
  }
}

/** Starts the emulator seeded with Gatehouse's development tenant. */
export async function startDevelopmentEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const { startEmulator } = await loadEmulator();
  return startEmulator({ seed: emulatorSeed(), ...options });
}
