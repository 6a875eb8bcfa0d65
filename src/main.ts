import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createGatehouse } from "./app.js";
import { registerEventStream } from "./directory/event-stream.js";
import { serveMetrics } from "./http/metrics.js";
import { ConfigError, loadConfig, loadEnvFile, type Config } from "./config.js";
import { POST_LOGIN_CLAIMS_PATH } from "./http/post-login-claims.js";

/** Where the embedded emulator's organization logins ask for their custom claims (its post-login hook). */
type PostLoginHook = { url: string; secret: string };

/** Where Gatehouse talks to Auth0: the configured tenant, or an embedded emulator started here. */
async function auth0For(config: Config) {
  if (config.auth0Issuer && config.clientId && config.clientSecret) {
    return {
      issuer: config.auth0Issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      embedded: false,
      setPostLoginHook: (_hook: PostLoginHook) => {},
      devIdentities: undefined,
      close: async () => {},
    };
  }
  // The only place the server touches the emulator (a development dependency): `npm start` without a tenant.
  const { startDevelopmentEmulator } = await import("./dev/embedded-emulator.js");
  const { DEV_SERVER_CLIENT } = await import("./dev/demo-seed.js");
  const emulator = await startDevelopmentEmulator({
    port: config.emulatorPort,
    dataDir: join(config.dataDir, "emulator"),
    rateLimitProfile: config.emulatorRateLimit,
  });
  console.log(
    `Embedded Auth0 emulator at ${emulator.url} (state in ${join(config.dataDir, "emulator")}, ` +
      `Auth0's "${config.emulatorRateLimit}" rate limits)`,
  );
  const { devIdentities } = await import("./dev/identities.js");
  return {
    issuer: emulator.issuer,
    devIdentities: devIdentities({ issuer: emulator.issuer, audience: config.audience }),
    ...DEV_SERVER_CLIENT,
    embedded: true,
    setPostLoginHook: (hook: PostLoginHook) => emulator.setPostLoginHook(hook),
    close: () => emulator.close(),
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Gatehouse cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const auth0 = await auth0For(config);
  // The embedded emulator delivers events to this process over loopback, with a secret made for this run.
  const eventsToken =
    config.eventsToken ?? (auth0.embedded ? randomBytes(32).toString("base64url") : undefined);
  // Likewise its organization logins ask this process for their claims, as the post-login Action does in Auth0.
  const actionSecret =
    config.actionSecret ?? (auth0.embedded ? randomBytes(32).toString("base64url") : undefined);
  const gatehouse = await createGatehouse({
    issuer: auth0.issuer,
    audience: config.audience,
    clientId: auth0.clientId,
    clientSecret: auth0.clientSecret,
    cacheUrl: config.cacheUrl,
    corsOrigins: config.corsOrigins,
    spaClientIds: config.spaClientIds,
    eventsToken,
    ...(actionSecret ? { postLogin: { secret: actionSecret } } : {}),
    store: config.databaseUrl
      ? { databaseUrl: config.databaseUrl }
      : { dataDir: join(config.dataDir, "store") },
    playground: config.playground
      ? {
          issuer: auth0.issuer,
          audience: config.audience,
          spaClientId: config.spaClientIds[0] ?? "gatehouse-spa",
          organization: config.playgroundOrganization,
          // Tokens for the seeded identities exist only next to the embedded emulator.
          devIdentities: auth0.devIdentities,
        }
      : undefined,
    logger: { level: config.logLevel, pretty: config.environment !== "production" },
    introspection: config.graphqlIntrospection,
    rateLimits: config.rateLimits,
    metricsOnApiPort: config.metricsPort === undefined,
    directory: { rateLimitShare: config.directorySyncShare },
    audit: { retentionDays: config.auditRetentionDays },
  });
  // METRICS_PORT gives the metrics a server of their own, started once the API listens.
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  // SIGTERM (a container's stop, `kill`) and SIGINT (Ctrl-C) drain: requests in flight get the instance's
  // grace period to finish, then Gatehouse and the embedded emulator close and the process exits 0.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`${signal}: finishing the requests in flight, then stopping`);
      // Past the grace period connections are cut; this bounds whatever else closing may wait on.
      setTimeout(() => {
        console.error("Gatehouse did not stop within 15 s of the signal: exiting");
        process.exit(1);
      }, 15_000).unref();
      void gatehouse
        .close()
        .then(() => metricsServer?.close())
        .then(() => auth0.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(`Gatehouse did not stop cleanly: ${(error as Error).message}`);
            process.exit(1);
          },
        );
    });
  }
  const address = await gatehouse.app.listen({ port: config.port, host: config.host });
  if (auth0.embedded && actionSecret) {
    auth0.setPostLoginHook({
      url: new URL(POST_LOGIN_CLAIMS_PATH, address).toString(),
      secret: actionSecret,
    });
  }
  if (config.metricsPort !== undefined) {
    metricsServer = await serveMetrics(gatehouse.metrics, { port: config.metricsPort, host: config.host });
    console.log(`Prometheus metrics at ${metricsServer.address}/metrics`);
  }
  const webhookBase = auth0.embedded ? address : config.publicUrl;
  if (eventsToken && webhookBase) {
    await registerEventStream({
      issuer: auth0.issuer,
      token: gatehouse.managementToken,
      webhookUrl: new URL("/auth0/events", webhookBase).toString(),
      secret: eventsToken,
    }).then(
      (id) =>
        console.log(`Auth0 event stream ${id} delivers directory changes to ${webhookBase}/auth0/events`),
      (error: unknown) =>
        console.error(
          `The Auth0 event stream could not be registered (${(error as Error).message}); ` +
            "the directory follows Auth0 by reconciliation only",
        ),
    );
  }
  console.log(`Listening at ${address}; /readyz answers 200 once the directory is imported`);
  await gatehouse.ready;

  console.log(
    config.playground
      ? `Gatehouse GraphQL at ${address}/graphql — open it in a browser for the playground` +
          (auth0.embedded ? " (pick a seeded identity: Ada Admin, Mia Member, the Acme API key…)" : "")
      : `Gatehouse GraphQL at ${address}/graphql`,
  );
  if (!config.auth0Issuer) {
    const emulatorPort = new URL(auth0.issuer).port;
    const portHint = emulatorPort === "4010" ? "" : `EMULATOR_PORT=${emulatorPort} `;
    console.log(
      "Get a seeded user's token (logged in through their tenant's organization), then send it as " +
        "'Authorization: Bearer <token>':",
    );
    console.log(
      `  TOKEN=$(${portHint}npm run -s token -- admin@acme.test)   (npm run token -- --help for others)`,
    );
    console.log(
      `Or call as Acme's back end with its API key: curl -u acme-backend:acme-backend-secret ${address}/graphql …`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(`Gatehouse cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
