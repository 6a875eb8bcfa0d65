// `npm run emulator`: the Auth0 emulator alone, seeded with Gatehouse's development tenant, for running
// Gatehouse (or anything else) against it. EMULATOR_PORT, EMULATOR_DATA_DIR and EMULATOR_RATE_LIMIT as in
// the emulator's package (packages/auth0-emulator/README.md).
import { loadEmulator } from "./embedded-emulator.js";
import { SEED_PASSWORD } from "./demo-seed.js";
import { emulatorSeed } from "./emulator-seed.js";

const { runEmulatorCli } = await loadEmulator();
await runEmulatorCli({
  seed: emulatorSeed(),
  banner: (emulator) => [
    `Seeded users sign in with password ${SEED_PASSWORD}, through their tenant's organization: ` +
      "TOKEN=$(npm run -s token -- admin@acme.test). A machine token for acme's back end:",
    `  curl -s ${emulator.url}/oauth/token -d grant_type=client_credentials -d client_id=acme-backend ` +
      `-d client_secret=acme-backend-secret -d audience=https://api.gatehouse.local`,
  ],
});
