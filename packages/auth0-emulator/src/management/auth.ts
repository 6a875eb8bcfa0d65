import type { FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { errors, jwtVerify } from "jose";
import type { EmulatorContext } from "../context.js";
import { ManagementError } from "../errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified Management API token's claims. */
    managementToken?: { sub: string; azp?: string; scope: string[] };
  }
}

function unauthorized(message: string): ManagementError {
  return new ManagementError(401, message);
}

async function verifyManagementToken(ctx: EmulatorContext, request: FastifyRequest): Promise<string[]> {
  const header = request.headers.authorization;
  if (!header) throw unauthorized("Missing authentication");
  const match = /^Bearer (\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized("Bad HTTP authentication header format");
  try {
    const { payload } = await jwtVerify(match[1], ctx.keys.keySet(), {
      issuer: ctx.issuer,
      algorithms: ["RS256"],
      requiredClaims: ["exp"],
    });
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(ctx.managementAudience))
      throw unauthorized(`Bad audience: ${audiences.join(" ")}`);
    const scope = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
    request.managementToken = { sub: String(payload.sub), azp: payload.azp as string | undefined, scope };
    return scope;
  } catch (error) {
    if (error instanceof ManagementError) throw error;
    if (error instanceof errors.JWTExpired)
      throw unauthorized("Expired token received for JSON Web Token validation");
    throw unauthorized("Invalid token");
  }
}

/**
 * The Management API's token check: signature, issuer, audience, expiry, then one of the scopes the
 * endpoint accepts, with Auth0's 401 and `insufficient_scope` 403.
 */
export function requireScopes(ctx: EmulatorContext, ...anyOf: string[]): preHandlerAsyncHookHandler {
  return async (request) => {
    const scope = await verifyManagementToken(ctx, request);
    if (!anyOf.some((wanted) => scope.includes(wanted))) {
      throw new ManagementError(
        403,
        `Insufficient scope, expected any of: ${anyOf.join(",")}`,
        "insufficient_scope",
      );
    }
  };
}
