import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isAuthorizedDelivery } from "../directory/events.js";
import type { Entitlements } from "../plans/entitlements.js";
import type { PlanService } from "../services/plans.js";
import type { DirectoryReader } from "../store/directory.js";
import { FixedWindowLimiter, type FixedWindowLimits } from "./fixed-window-limiter.js";

/** Where an Auth0 post-login Action asks for a user's claims (docs/auth0-post-login-action.js). */
export const POST_LOGIN_CLAIMS_PATH = "/auth0/post-login";

/**
 * Gatehouse's custom claims are namespaced: Auth0 allows non-namespaced ones since 2022 but recommends a
 * namespace, and drops any claim that collides with one it reserves.
 */
export const CLAIM_NAMESPACE = "https://gatehouse/";

export interface PostLoginClaimsSettings {
  /** The bearer secret the Action sends (AUTH0_ACTION_SECRET). */
  secret: string;
  /**
   * Every login of every tenant goes through this endpoint, from Auth0's few egress addresses: the limits are
   * per instance, generous per source, and there to stop a leaked URL from being used to guess the secret or
   * to load the store.
   */
  limits: FixedWindowLimits;
  /** The limiter's clock (tests freeze it). */
  now?: () => number;
}

export const POST_LOGIN_LIMIT_DEFAULTS: FixedWindowLimits = {
  perSource: 600,
  overall: 3_000,
  windowMs: 60_000,
};

/** The body the Action sends: who logged in, through which organization. */
interface PostLoginRequest {
  user_id: string;
  organization_id: string;
}

const BODY_SCHEMA = {
  type: "object",
  required: ["user_id", "organization_id"],
  additionalProperties: false,
  properties: {
    // Auth0 user ids are `<provider>|<id>`, printable, at most a few hundred characters.
    user_id: { type: "string", minLength: 1, maxLength: 512, pattern: "^[\\x21-\\x7e]+$" },
    organization_id: { type: "string", minLength: 1, maxLength: 64, pattern: "^org_[A-Za-z0-9_-]+$" },
  },
} as const;

/**
 * The stable part of what a tenant may use, for the access token: its plan and features. Quotas' use and
 * licences' expiry are volatile and stay out; Gatehouse checks them on every request, whatever a token says.
 */
export function postLoginClaimsOf(entitlements: Entitlements): Record<string, unknown> {
  return {
    [`${CLAIM_NAMESPACE}plan`]: entitlements.plan,
    [`${CLAIM_NAMESPACE}features`]: [...entitlements.features].sort(),
  };
}

/**
 * `POST /auth0/post-login`: the claims of a user's login through an organization, read from Gatehouse's store
 * and directory only (no Auth0 call). Answers 200 `{ claims }` for a member of the organization, 404 when the
 * user, the organization or the membership is unknown (the same answer for each, and the Action then adds no
 * claims), 400 for a malformed body, 401 without the secret, 429 over the limits and 503 while the directory
 * is still importing.
 */
export function registerPostLoginClaims(
  app: FastifyInstance,
  settings: PostLoginClaimsSettings,
  sources: { plans: PlanService; directory: DirectoryReader; isReady: () => boolean },
): void {
  const limiter = new FixedWindowLimiter(settings.limits, settings.now);
  const admit = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header("cache-control", "no-store");
    // Limited before the secret is checked, so the limit also bounds guesses at it.
    const decision = limiter.take(request.ip);
    if (!decision.allowed) {
      return reply
        .code(429)
        .header("retry-after", String(decision.retryAfterSeconds))
        .send({ error: "too_many_requests" });
    }
    if (!isAuthorizedDelivery(request.headers.authorization, settings.secret)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="gatehouse-actions"')
        .send({ error: "unauthorized" });
    }
    if (!sources.isReady()) {
      return reply.code(503).header("retry-after", "5").send({ error: "directory importing" });
    }
  };

  app.post<{ Body: PostLoginRequest }>(
    POST_LOGIN_CLAIMS_PATH,
    { bodyLimit: 4_096, onRequest: admit, schema: { body: BODY_SCHEMA } },
    async (request, reply) => {
      const { user_id: userId, organization_id: tenantId } = request.body;
      const membership = await sources.directory.findMembership(tenantId, userId);
      if (!membership) return reply.code(404).send({ error: "not_a_member" });
      const claims = postLoginClaimsOf(await sources.plans.entitlements(tenantId));
      return reply.code(200).send({ claims });
    },
  );
}
