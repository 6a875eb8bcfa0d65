// `npm run emulator`: the Auth0 emulator alone, seeded with Gatehouse's development tenant, for running
// Gatehouse (or anything else) against it; with `-- --empty`, a tenant with nothing of Gatehouse's in it but
// the application `npm run provision` logs in with, to set it up from. EMULATOR_PORT, EMULATOR_DATA_DIR and EMULATOR_RATE_LIMIT as in
// the emulator's package (packages/auth0-emulator/README.md).
import { loadEmulator } from "./embedded-emulator.js";
import { SEED_PASSWORD } from "./demo-seed.js";
import { emulatorSeed } from "./emulator-seed.js";
import { DEV_PROVISIONER, emptyTenantSeed } from "./empty-tenant.js";

const { runEmulatorCli } = await loadEmulator();
if (process.argv.includes("--empty")) {
  await runEmulatorCli({
    seed: emptyTenantSeed(),
    banner: (emulator) => [
      "An empty tenant: set it up with",
      `  AUTH0_PROVISION_CLIENT_ID=${DEV_PROVISIONER.clientId} AUTH0_PROVISION_CLIENT_SECRET=${DEV_PROVISIONER.clientSecret} \\`,
      `  npm run provision -- --domain ${emulator.url} --apply --demo`,
    ],
  });
} else {
  await runEmulatorCli({
    seed: emulatorSeed(),
    banner: (emulator) => [
      `Seeded users sign in with password ${SEED_PASSWORD}, through their tenant's organization: ` +
        "TOKEN=$(npm run -s token -- admin@acme.test). A machine token for acme's back end:",
      `  curl -s ${emulator.url}/oauth/token -d grant_type=client_credentials -d client_id=acme-backend ` +
        `-d client_secret=acme-backend-secret -d audience=https://api.gatehouse.local`,
    ],
  });
}
