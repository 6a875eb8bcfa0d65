import type { KeyRing } from "./keys.js";
import type { EmulatorStore } from "./store.js";
import type { Controls } from "./controls.js";
import type { EventStreamDispatcher } from "./event-streams.js";
import type { RateLimitProfileName } from "./rate-limits.js";
import type { EmulatorSeedSource } from "./seed.js";

/**
 * Where the emulator asks for the custom claims of an organization login, as a post-login Action calling
 * Gatehouse's `POST /auth0/post-login` does in Auth0.
 */
export interface PostLoginHook {
  url: string;
  /** Sent as `Authorization: Bearer <secret>`. */
  secret: string;
  /** How long to wait for an answer before issuing the token without claims (default 2000 ms). */
  timeoutMs?: number;
}

export interface EmulatorOptions {
  /** 0 (default in tests) picks a free port. */
  port?: number;
  host?: string;
  /**
   * What the tenant starts with (and returns to on `POST /__emulator/reset`): a seed, or a function of the
   * emulator's issuer giving one. None: an empty tenant with only the Management API.
   */
  seed?: EmulatorSeedSource;
  /** With a folder, state and signing keys persist there across restarts. */
  dataDir?: string;
  /** Overrides every API's token lifetime, for tests of expiry. */
  tokenLifetimeSeconds?: number;
  /** How long a rotated-out signing key stays in the JWKS (default one hour). */
  keyGraceSeconds?: number;
  /** How long an authorization code stays valid (default 60 s, as Auth0). */
  authorizationCodeSeconds?: number;
  /**
   * The Management API's rate limit at start, and after `POST /__emulator/reset`: one of Auth0's tiers
   * (`free`, `essentials`, `enterprise`) or `off` (the default).
   */
  rateLimitProfile?: RateLimitProfileName;
  /** Event streams' first retry delay, doubled for each next one (default 1000 ms, as Auth0); tests shorten it. */
  eventRetryDelayMs?: number;
  /** How long a webhook may take to answer before the attempt counts as failed (default 10000 ms). */
  eventDeliveryTimeoutMs?: number;
  /** Called for every organization login's access token (authorization code and refresh); unset: none. */
  postLoginHook?: PostLoginHook;
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
  /** Publishes events to the event streams and delivers them. */
  events: EventStreamDispatcher;
  /** The post-login hook in force: the option at start, changed with `setPostLoginHook`. Never persisted. */
  postLoginHook: PostLoginHook | undefined;
  /** Short-lived state of the login flow; never persisted. */
  transactions: Map<string, unknown>;
}
