import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createGatehouse } from "./app.js";
import { registerEventStream } from "./directory/event-stream.js";
import { serveMetrics } from "./http/metrics.js";
import { ConfigError, loadConfig, type Config } from "./config.js";

/** Where Gatehouse talks to Auth0: the configured tenant, or an embedded emulator started here. */
async function auth0For(config: Config) {
  if (config.auth0Issuer && config.clientId && config.clientSecret) {
    return {
      issuer: config.auth0Issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      embedded: false,
      close: async () => {},
    };
  }
  // The only place the server touches the emulator: the zero-configuration default of `npm start`.
  const { startEmulator } = await import("./emulator/server.js");
  const emulator = await startEmulator({
    port: config.emulatorPort,
    dataDir: join(config.dataDir, "emulator"),
    rateLimitProfile: config.emulatorRateLimit,
  });
  console.log(
    `Embedded Auth0 emulator at ${emulator.url} (state in ${join(config.dataDir, "emulator")}, ` +
      `Auth0's "${config.emulatorRateLimit}" rate limits)`,
  );
  return {
    issuer: emulator.issuer,
    clientId: "gatehouse-server",
    clientSecret: "gatehouse-server-secret",
    embedded: true,
    close: () => emulator.close(),
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
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
  const gatehouse = await createGatehouse({
    issuer: auth0.issuer,
    audience: config.audience,
    clientId: auth0.clientId,
    clientSecret: auth0.clientSecret,
    cacheUrl: config.cacheUrl,
    corsOrigins: config.corsOrigins,
    spaClientIds: config.spaClientIds,
    eventsToken,
    store: config.databaseUrl
      ? { databaseUrl: config.databaseUrl }
      : { dataDir: join(config.dataDir, "store") },
    landingPage: !config.auth0Issuer,
    logger: { level: config.logLevel, pretty: !config.production },
    introspection: config.graphqlIntrospection,
    rateLimits: config.rateLimits,
    metricsOnApiPort: config.metricsPort === undefined,
    directory: { rateLimitShare: config.directorySyncShare },
    audit: { retentionDays: config.auditRetentionDays },
  });
  const address = await gatehouse.app.listen({ port: config.port, host: config.host });
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await serveMetrics(gatehouse.metrics, { port: config.metricsPort, host: config.host });
  if (metricsServer) console.log(`Prometheus metrics at ${metricsServer.address}/metrics`);
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

  console.log(`Gatehouse GraphQL at ${address}/graphql (open it in a browser for Apollo Sandbox)`);
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

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void gatehouse
        .close()
        .then(() => metricsServer?.close())
        .then(() => auth0.close())
        .then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(`Gatehouse cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
