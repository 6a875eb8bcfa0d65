// The playground: a self-hosted GraphiQL at `GET /graphql` for browsers, the field-by-field access of the
// current caller, the authorization matrix, and — only with the embedded emulator, only over loopback — the
// seeded identities' tokens. Its assets are built from playground/ by `npm run build:playground`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { fieldAccessFor } from "../authz/explain.js";
import { permissions } from "../authz/permissions.js";
import type { Caller } from "../caller/caller.js";
import { isLoopback } from "../config.js";

/** The emulator refused an identity's login (a seeded user blocked or deleted since): a 502 to the page. */
export class IdentityLoginRefused extends Error {
  override name = "IdentityLoginRefused";
}

/**
 * The seeded identities and a way to get each one's token, given only where the embedded emulator runs
 * (src/dev/identities.ts makes it, in main.ts, next to the emulator: the server never imports the seed).
 */
export interface DevIdentities {
  list: readonly { id: string; label: string; kind: string }[];
  /**
   * A fresh `Authorization` value for an identity (null: Anonymous), undefined for an unknown id; rejects with
   * `IdentityLoginRefused` when the emulator refuses the login.
   */
  authorizationFor(id: string): Promise<string | null | undefined>;
}

export interface PlaygroundOptions {
  /** The Auth0 issuer (with its trailing slash) and the API's audience. */
  issuer: string;
  audience: string;
  /** Sign-in against a real tenant: the SPA client and, optionally, the organization to log in to. */
  spaClientId: string;
  organization?: string;
  /** Only when the embedded emulator runs: the seeded identities, whose tokens it gives. */
  devIdentities?: DevIdentities;
  /** Where the built assets are (default: playground/dist). */
  assetsDir?: string;
}

/** Resolves the caller of a request as `/graphql` does; answers the reply itself when it cannot. */
export type CallerOfRequest = (request: FastifyRequest, reply: FastifyReply) => Promise<Caller | undefined>;

const REPOSITORY = new URL("../../", import.meta.url).pathname;
const DEFAULT_ASSETS = join(REPOSITORY, "playground", "dist");
const AUTHORIZATION_DOC = join(REPOSITORY, "docs", "authorization.md");

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".ttf": "font/ttf",
  ".woff2": "font/woff2",
};

/** The built files by name, read once, on the first request for them (the bundle is a few megabytes). */
function assetCatalogue(directory: string) {
  const files = new Map<string, { type: string; body?: Buffer }>();
  if (existsSync(directory)) {
    for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const relative = join(entry.parentPath, entry.name).slice(directory.length + 1);
      const type = CONTENT_TYPES[extname(entry.name)];
      if (type) files.set(relative.split("\\").join("/"), { type });
    }
  }
  return {
    built: files.has("playground.js"),
    read(name: string) {
      const file = files.get(name);
      if (!file) return undefined;
      file.body ??= readFileSync(join(directory, name));
      return file as { type: string; body: Buffer };
    },
  };
}

/** Loopback by address and by name: a page on another site cannot reach these routes, even by DNS rebinding. */
function isLoopbackRequest(request: FastifyRequest): boolean {
  // The socket's own address: a forwarding header could be forged, and no proxy stands in front of dev.
  const address = request.socket.remoteAddress ?? "";
  const loopbackAddress = isLoopback(address);
  // An address or localhost, not a name that merely starts like one ("127.attacker.example" can resolve here).
  const loopbackName = isLoopback((request.headers.host ?? "").replace(/:\d+$/, ""));
  const origin = request.headers.origin;
  const sameOrigin = origin === undefined || origin === `http://${request.headers.host}`;
  return loopbackAddress && loopbackName && sameOrigin;
}

function html(config: Record<string, unknown>): string {
  // JSON in a non-executable script element: `<` escaped so no value can close the element.
  const json = JSON.stringify(config).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse playground</title>
<link rel="stylesheet" href="/graphql/assets/playground.css">
</head>
<body>
<div id="playground"></div>
<script id="gatehouse-playground" type="application/json">${json}</script>
<script type="module" src="/graphql/assets/playground.js"></script>
</body>
</html>`;
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Gatehouse playground</title>
<p>The playground is not built: run <code>npm run build:playground</code> (npm start does it) and reload.</p>`;

function wantsHtml(request: FastifyRequest): boolean {
  return request.method === "GET" && (request.headers.accept ?? "").includes("text/html");
}

/**
 * Registers the playground. `GET /graphql` answers the page to browsers (Accept: text/html) and leaves
 * everything else to the GraphQL route; the page talks only to this origin and to Auth0 (its CSP says so).
 */
export function registerPlayground(
  app: FastifyInstance,
  options: PlaygroundOptions,
  callerOf: CallerOfRequest,
): void {
  const assets = assetCatalogue(options.assetsDir ?? DEFAULT_ASSETS);
  const auth0Origin = new URL(options.issuer).origin;
  const contentSecurityPolicy = [
    "default-src 'self'",
    `connect-src 'self' ${auth0Origin}`,
    // Monaco (GraphiQL's editor) sets styles inline and loads its fonts from data: URLs in the stylesheet.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' data:",
    "img-src 'self' data:",
    "worker-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const page = html({
    endpoint: "/graphql",
    accessUrl: "/graphql/access",
    authorizationDocUrl: "/graphql/authorization.md",
    identitiesUrl: options.devIdentities ? "/__dev/identities" : null,
    auth0: {
      issuer: options.issuer,
      audience: options.audience,
      clientId: options.spaClientId,
      organization: options.organization ?? null,
      callbackPath: "/graphql/callback",
    },
  });

  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.url !== "/graphql" || !wantsHtml(request)) return;
    return reply
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", contentSecurityPolicy)
      .header("cache-control", "no-store")
      .send(assets.built ? page : NOT_BUILT);
  });

  app.get<{ Params: { "*": string } }>("/graphql/assets/*", async (request, reply) => {
    const file = assets.read(request.params["*"]);
    if (!file) return reply.code(404).send({ error: "no such asset" });
    return reply.header("content-type", file.type).header("cache-control", "no-cache").send(file.body);
  });

  // Where Universal Login returns in the sign-in window; the playground that opened it reads the code.
  app.get("/graphql/callback", async (_request, reply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'none'")
      .send('<!doctype html><meta charset="utf-8"><title>Signing in…</title><p>Signing in…</p>'),
  );

  app.get("/graphql/authorization.md", async (_request, reply) => {
    if (!existsSync(AUTHORIZATION_DOC)) return reply.code(404).send({ error: "not generated" });
    return reply.header("content-type", "text/plain; charset=utf-8").send(readFileSync(AUTHORIZATION_DOC));
  });

  // What the caller of this request may read and do, field by field, decided by the server's own rules.
  app.get("/graphql/access", async (request, reply) => {
    const caller = await callerOf(request, reply);
    if (!caller) return reply;
    return reply
      .header("cache-control", "no-store")
      .send({ kind: caller.kind, fields: await fieldAccessFor(permissions, caller) });
  });

  const { devIdentities } = options;
  if (!devIdentities) return;

  const loopbackOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isLoopbackRequest(request)) {
      return reply.code(403).send({ error: "the development identities answer only on this machine" });
    }
  };
  app.get("/__dev/identities", { onRequest: loopbackOnly }, async (_request, reply) =>
    reply.header("cache-control", "no-store").send({
      identities: devIdentities.list.map(({ id, label, kind }) => ({ id, label, kind })),
    }),
  );
  app.post<{ Params: { id: string } }>(
    "/__dev/identities/:id/token",
    { onRequest: loopbackOnly },
    async (request, reply) => {
      const { id } = request.params;
      try {
        const authorization = await devIdentities.authorizationFor(id);
        if (authorization === undefined) return reply.code(404).send({ error: "no such identity" });
        return reply.header("cache-control", "no-store").send({ id, authorization });
      } catch (error) {
        if (!(error instanceof IdentityLoginRefused)) throw error;
        return reply.code(502).send({ error: `the emulator refused the login: ${error.message}` });
      }
    },
  );
}
