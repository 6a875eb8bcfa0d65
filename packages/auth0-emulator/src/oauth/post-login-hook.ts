import type { EmulatorContext, PostLoginHook } from "../context.js";

/** How long the hook may take before the login goes on without its claims (the Action script's timeout). */
export const DEFAULT_POST_LOGIN_HOOK_TIMEOUT_MS = 2_000;

/**
 * Claims Auth0 does not let an Action set (its "General restrictions" for custom claims). Auth0 does not fail
 * the login for one; the claim is left out of the token, and so it is here.
 */
const RESTRICTED_CLAIMS = new Set(
  (
    "acr act active amr at_hash ath attest aud auth_time authorization_details azp c_hash client_id cnf cty " +
    "dest entitlements events exp groups gty htm htu iat internalService iss jcard jku jti jwe jwk kid " +
    "may_act mky nbf nonce object_id org_id org_name orig origid permissions roles rph s_hash sid sip_callid " +
    "sip_cseq_num sip_date sip_from_tag sip_via_branch sub sub_jwk toe txn typ uuid vot vtm x5t#S256 scope"
  ).split(" "),
);

/** Namespaces Auth0 keeps for itself. */
const RESERVED_NAMESPACE = /^https?:\/\/([^/]+\.)?(auth0\.com|webtask\.io|webtask\.run)(\/|$)/i;

function settable(claim: string): boolean {
  return !RESTRICTED_CLAIMS.has(claim) && !RESERVED_NAMESPACE.test(claim);
}

/**
 * What the documented post-login Action (docs/auth0-post-login-action.js) does, played by the emulator: asks
 * the configured endpoint for the claims of this organization login, with the same request, and answers the
 * ones `api.accessToken.setCustomClaim` would set. Any failure — refused, unreachable, slow, not JSON — gives
 * no claims and the login goes on, which is the Action's documented fallback.
 */
export async function postLoginClaims(
  ctx: EmulatorContext,
  login: { userId: string; orgId: string },
): Promise<Record<string, unknown>> {
  const hook: PostLoginHook | undefined = ctx.postLoginHook;
  if (!hook) return {};
  ctx.controls.countPostLoginCall();
  try {
    const response = await fetch(hook.url, {
      method: "POST",
      headers: { authorization: `Bearer ${hook.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ user_id: login.userId, organization_id: login.orgId }),
      signal: AbortSignal.timeout(hook.timeoutMs ?? DEFAULT_POST_LOGIN_HOOK_TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => null)) as { claims?: unknown } | null;
    const claims = body?.claims;
    if (response.status !== 200 || !claims || typeof claims !== "object" || Array.isArray(claims)) {
      ctx.controls.countPostLoginFailure();
      return {};
    }
    return Object.fromEntries(Object.entries(claims).filter(([name]) => settable(name)));
  } catch {
    ctx.controls.countPostLoginFailure();
    return {};
  }
}
