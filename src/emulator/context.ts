import type { KeyRing } from "./keys.js";
import type { EmulatorStore } from "./store.js";
import type { Controls } from "./controls.js";

export interface EmulatorOptions {
  /** 0 (default in tests) picks a free port. */
  port?: number;
  host?: string;
  /** With a folder, state and signing keys persist there across restarts. */
  dataDir?: string;
  /** Overrides every API's token lifetime, for tests of expiry. */
  tokenLifetimeSeconds?: number;
  /** How long a rotated-out signing key stays in the JWKS (default one hour). */
  keyGraceSeconds?: number;
  /** How long an authorization code stays valid (default 60 s, as Auth0). */
  authorizationCodeSeconds?: number;
}

/** What every route of the emulator works with. */
export interface EmulatorContext {
  options: EmulatorOptions;
  /** `http://127.0.0.1:<port>/`, with the trailing slash Auth0 writes. */
  issuer: string;
  /** `<issuer>api/v2/`. */
  managementAudience: string;
  store: EmulatorStore;
  keys: KeyRing;
  controls: Controls;
  /** Short-lived state of the login flow; never persisted. */
  transactions: Map<string, unknown>;
}
