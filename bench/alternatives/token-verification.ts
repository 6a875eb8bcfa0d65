// What verifying the caller's token costs per request: Gatehouse's verifier meeting a token for the first time
// (signature and claims checked with jose), meeting it again (remembered by the token's hash), and jose alone
// on every request as the usual setup does. Measured in this process, before any load, against the emulator's
// signing key (its JWKS is fetched once).
import { performance } from "node:perf_hooks";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { AccessTokenVerifier } from "../../src/caller/access-token-verifier.js";
import type { RunningEmulator } from "@gatehouse/auth0-emulator";
import { AUDIENCE } from "../support.js";

export interface TokenVerification {
  /** Microseconds per verification, the median of BATCHES batches. */
  firstSightMicros: number;
  repeatedMicros: number;
  joseEveryRequestMicros: number;
  distinctTokens: number;
  repeats: number;
}

const DISTINCT_TOKENS = 500;
const REPEATS = 100_000;
/** Each figure is the median of this many batches, so that a burst of other work on the machine does not make it. */
const BATCHES = 5;

async function timePerCall(times: number, call: (index: number) => Promise<unknown>): Promise<number> {
  const perBatch = Math.floor(times / BATCHES);
  const batches: number[] = [];
  for (let batch = 0; batch < BATCHES; batch += 1) {
    const started = performance.now();
    for (let index = batch * perBatch; index < (batch + 1) * perBatch; index += 1) await call(index);
    batches.push(((performance.now() - started) * 1000) / perBatch);
  }
  return batches.sort((a, b) => a - b)[Math.floor(BATCHES / 2)] ?? NaN;
}

export async function measureTokenVerification(emulator: RunningEmulator): Promise<TokenVerification> {
  const now = Math.floor(Date.now() / 1000);
  // Shaped like an admin's token from an organization login; each one different, as every user's are.
  const sign = (index: number) =>
    emulator.context.keys.sign({
      iss: emulator.issuer,
      sub: `auth0|bench-token-${index}`,
      aud: AUDIENCE,
      azp: "gatehouse-spa",
      org_id: "org_acme",
      scope: "openid",
      permissions: ["read:users", "read:roles", "update:users", "read:tenant"],
      iat: now,
      exp: now + 3600,
      jti: `bench-${index}`,
    });
  const tokens = await Promise.all(Array.from({ length: DISTINCT_TOKENS + 100 }, (_, index) => sign(index)));
  const warmUp = tokens.slice(DISTINCT_TOKENS);
  const measured = tokens.slice(0, DISTINCT_TOKENS);

  const verifier = new AccessTokenVerifier({ issuer: emulator.issuer, audience: AUDIENCE });
  for (const token of warmUp) await verifier.verify(token);
  const firstSightMicros = await timePerCall(DISTINCT_TOKENS, (index) =>
    verifier.verify(measured[index] as string),
  );
  const repeated = measured[0] as string;
  const repeatedMicros = await timePerCall(REPEATS, () => verifier.verify(repeated));

  const keys = createRemoteJWKSet(new URL(`${emulator.issuer}.well-known/jwks.json`));
  const options = { issuer: emulator.issuer, audience: AUDIENCE, algorithms: ["RS256"] };
  for (const token of warmUp) await jwtVerify(token, keys, options);
  const joseEveryRequestMicros = await timePerCall(DISTINCT_TOKENS, () => jwtVerify(repeated, keys, options));

  return {
    firstSightMicros,
    repeatedMicros,
    joseEveryRequestMicros,
    distinctTokens: DISTINCT_TOKENS,
    repeats: REPEATS,
  };
}
