/**
 * Auth0's Management API rate limits, as the subscription tiers set them (Auth0 docs, _Rate Limit Policy_ and
 * _Rate Limit Configurations_: Free, Self Service, Enterprise). Auth0 keeps a token bucket per limit: its size
 * is the burst, its refill the sustained rate. A request is checked against the API-wide limit first, if the
 * tier has one, then against the bucket of its endpoint.
 */

export const RATE_LIMIT_PROFILE_NAMES = ["free", "essentials", "enterprise", "off"] as const;

/** `free`, `essentials` (Auth0's self-service tiers), `enterprise` (a production tenant), or `off`. */
export type RateLimitProfileName = (typeof RATE_LIMIT_PROFILE_NAMES)[number];

/** The profiles that limit anything. */
export type LimitingProfileName = Exclude<RateLimitProfileName, "off">;

export function isRateLimitProfileName(value: unknown): value is RateLimitProfileName {
  return (RATE_LIMIT_PROFILE_NAMES as readonly unknown[]).includes(value);
}

/** One token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface BucketLimit {
  /** The name stats and `GET /__emulator/rate-limit` use for it, e.g. `read users`. */
  name: string;
  burst: number;
  perSecond: number;
}

/** An endpoint bucket and the Management routes (Fastify's `/api/v2/users/:id` form) that fall into it. */
export interface EndpointBucket extends BucketLimit {
  routes: readonly string[];
}

/**
 * Auth0's entity limits (_Entity Limit Policy_): hard caps on how many of a kind of object a tenant may hold,
 * by subscription. Only the entities the emulator has are listed.
 */
export interface EntityLimits {
  /** Applications (clients) per tenant. */
  applications: number;
}

export interface RateLimitProfile {
  /** The tier's entity limits; none for a tier whose limits are contractual (Enterprise). */
  entities?: EntityLimits;
  /** The limit on the whole Management API, checked before the endpoint's own. */
  api?: BucketLimit;
  endpoints: readonly EndpointBucket[];
  /** Where requests to endpoints without a bucket of their own go (Self Service: "all other endpoints"). */
  otherEndpoints?: BucketLimit;
}

const perMinute = (requests: number) => requests / 60;

function endpoint(name: string, burst: number, perSecond: number, routes: string[]): EndpointBucket {
  return { name, burst, perSecond, routes };
}

const USERS = "/api/v2/users";
const USER = "/api/v2/users/:id";
const ORGANIZATIONS = "/api/v2/organizations";
const ORGANIZATION = "/api/v2/organizations/:id";
const MEMBERS = "/api/v2/organizations/:id/members";
const MEMBER_ROLES = "/api/v2/organizations/:id/members/:user_id/roles";
const ORGANIZATION_CLIENT_GRANTS = "/api/v2/organizations/:id/client-grants";

/** The organization endpoints' buckets the Self Service and Enterprise tables both list, with their numbers. */
function organizationMemberBuckets(): EndpointBucket[] {
  return [
    endpoint("read organization members", 40, perMinute(500), [`GET ${MEMBERS}`]),
    endpoint("write organization members", 20, perMinute(200), [`POST ${MEMBERS}`, `DELETE ${MEMBERS}`]),
    endpoint("read organization member roles", 20, perMinute(200), [`GET ${MEMBER_ROLES}`]),
    endpoint("write organization member roles", 20, perMinute(200), [
      `POST ${MEMBER_ROLES}`,
      `DELETE ${MEMBER_ROLES}`,
    ]),
    endpoint("read organization client grants", 10, perMinute(100), [`GET ${ORGANIZATION_CLIENT_GRANTS}`]),
    endpoint("write organization client grants", 5, perMinute(150), [`POST ${ORGANIZATION_CLIENT_GRANTS}`]),
  ];
}

export const RATE_LIMIT_PROFILES: Record<LimitingProfileName, RateLimitProfile> = {
  // Free: "Management | 2 | 2/second" for the whole API. Its endpoint rows (custom domains, signing keys,
  // email templates, …) are endpoints the emulator does not have.
  // Free subscription limits: 10 applications.
  free: {
    entities: { applications: 10 },
    api: { name: "management api", burst: 2, perSecond: 2 },
    endpoints: [],
  },
  // Self Service: no API-wide row; each listed endpoint has its bucket, "All other Endpoints Combined" the rest.
  // Self-Service paid subscription limits: 100 applications.
  essentials: {
    entities: { applications: 100 },
    endpoints: [
      // The docs' "Read Users" links GET /users; GET /users/{id} is counted with it (a guess, see the README).
      endpoint("read users", 40, perMinute(500), [`GET ${USERS}`, `GET ${USER}`]),
      endpoint("write users", 20, perMinute(200), [`POST ${USERS}`, `PATCH ${USER}`]),
      endpoint("delete users", 20, perMinute(200), [`DELETE ${USER}`]),
      endpoint("read organizations", 5, perMinute(50), [`GET ${ORGANIZATIONS}`]),
      endpoint("read organization by id", 20, perMinute(200), [`GET ${ORGANIZATION}`]),
      endpoint("read organization by name", 10, perMinute(100), ["GET /api/v2/organizations/name/:name"]),
      endpoint("write organizations", 5, perMinute(25), [
        `POST ${ORGANIZATIONS}`,
        `PATCH ${ORGANIZATION}`,
        `DELETE ${ORGANIZATION}`,
      ]),
      ...organizationMemberBuckets(),
      // Likewise "Read Clients" links GET /clients; GET /clients/{id} is counted with it (a guess).
      endpoint("read clients", 5, perMinute(100), ["GET /api/v2/clients", "GET /api/v2/clients/:id"]),
    ],
    otherEndpoints: { name: "all other endpoints", burst: 10, perSecond: perMinute(150) },
  },
  // Enterprise, production tenant: "Production | 50 | 16/second" for the API, then the endpoint rows.
  enterprise: {
    api: { name: "management api", burst: 50, perSecond: 16 },
    endpoints: [
      endpoint("read organization by name", 20, perMinute(200), ["GET /api/v2/organizations/name/:name"]),
      endpoint("write organizations", 5, perMinute(150), [
        `POST ${ORGANIZATIONS}`,
        `PATCH ${ORGANIZATION}`,
        `DELETE ${ORGANIZATION}`,
      ]),
      ...organizationMemberBuckets(),
    ],
  },
};

/** The endpoint bucket a request falls into under a profile, if it has one of its own. */
export function endpointBucketFor(
  profile: RateLimitProfile,
  method: string,
  route: string,
): BucketLimit | undefined {
  const key = `${method} ${route}`;
  return profile.endpoints.find((bucket) => bucket.routes.includes(key)) ?? profile.otherEndpoints;
}
