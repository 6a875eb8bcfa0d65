import type { EmulatorSeed, EmulatorSeedSource } from "@gatehouse/auth0-emulator";
import { DEMO_PROVISIONING_SCOPES, PROVISIONING_SCOPES } from "../provision/provision.js";

/** The machine application an operator authorises on a new tenant for `npm run provision` (development). */
export const DEV_PROVISIONER = {
  clientId: "gatehouse-provisioner",
  clientSecret: "gatehouse-provisioner-secret",
};

/**
 * `seed` plus the provisioning application, granted on the Management API exactly the scopes the
 * provisioner documents (so a run against it proves the list suffices).
 */
export function withProvisioner(seed: EmulatorSeedSource = {}): EmulatorSeedSource {
  return (tenant): EmulatorSeed => {
    const base = typeof seed === "function" ? seed(tenant) : seed;
    return {
      ...base,
      clients: [
        ...(base.clients ?? []),
        {
          client_id: DEV_PROVISIONER.clientId,
          client_secret: DEV_PROVISIONER.clientSecret,
          name: "Gatehouse provisioner",
          app_type: "non_interactive",
        },
      ],
      clientGrants: [
        ...(base.clientGrants ?? []),
        {
          id: "cgr_gatehouse_provisioner",
          client_id: DEV_PROVISIONER.clientId,
          audience: tenant.managementAudience,
          scope: [...PROVISIONING_SCOPES, ...DEMO_PROVISIONING_SCOPES],
        },
      ],
    };
  };
}

/** A tenant as Auth0 hands out a new one, with nothing of Gatehouse's in it: only the provisioning application. */
export function emptyTenantSeed(): EmulatorSeedSource {
  return withProvisioner({});
}
