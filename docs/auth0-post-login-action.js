/**
 * Gatehouse claims for Auth0 access tokens: an Auth0 post-login Action, ready to paste.
 *
 * In the Auth0 Dashboard: Actions → Triggers → post-login → Create Action (Node 22), paste this file, and add
 * two secrets:
 *   GATEHOUSE_URL            where Auth0 reaches Gatehouse, e.g. https://gatehouse.example.com
 *   GATEHOUSE_ACTION_SECRET  the value of Gatehouse's AUTH0_ACTION_SECRET (at least 32 random characters)
 * Deploy it and drag it into the post-login flow.
 *
 * For a login through an organization (a Gatehouse tenant), it asks Gatehouse for the user's stable,
 * licence-derived claims in that tenant and puts them in the access token, namespaced:
 *   "https://gatehouse/plan": "pro", "https://gatehouse/features": ["api_keys", "audit_log", …]
 * Auth0 runs it on every login and on every refresh-token exchange, so a refreshed token has them as they are
 * then. They are for clients to read (what to show); Gatehouse never trusts them and checks plans, licences
 * and quotas on every request.
 *
 * Fallback: if Gatehouse refuses, fails, answers 404 (the user is not a member Gatehouse knows of yet) or takes
 * longer than two seconds, the login goes on and the access token has no Gatehouse claims. Nothing here can
 * make a login fail.
 */
const TIMEOUT_MS = 2000;

exports.onExecutePostLogin = async (event, api) => {
  // Only an organization login has a tenant whose claims Gatehouse can give.
  if (!event.organization) return;
  let claims;
  try {
    const response = await fetch(new URL("/auth0/post-login", event.secrets.GATEHOUSE_URL), {
      method: "POST",
      headers: {
        authorization: `Bearer ${event.secrets.GATEHOUSE_ACTION_SECRET}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ user_id: event.user.user_id, organization_id: event.organization.id }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status !== 200) {
      console.log(`Gatehouse claims left out: Gatehouse answered ${response.status}`);
      return;
    }
    claims = (await response.json()).claims;
  } catch (error) {
    console.log(`Gatehouse claims left out: ${error && error.name}`);
    return;
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) return;
  for (const [name, value] of Object.entries(claims)) {
    api.accessToken.setCustomClaim(name, value);
  }
};
