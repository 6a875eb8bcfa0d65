import type { FastifyInstance } from "fastify";
import { jwtVerify } from "jose";
import type { EmulatorContext } from "../context.js";
import { profileClaims } from "./id-token.js";

/**
 * `GET /userinfo`: the signed-in user's claims for an access token whose audience includes
 * `<issuer>userinfo` (a token requested with `openid`). Auth0 answers a bad token with a bare 401.
 */
export function registerUserInfo(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get("/userinfo", async (request, reply) => {
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? "");
    try {
      if (!match?.[1]) throw new Error("no bearer token");
      const { payload } = await jwtVerify(match[1], ctx.keys.keySet(), {
        issuer: ctx.issuer,
        audience: `${ctx.issuer}userinfo`,
        algorithms: ["RS256"],
      });
      const user = ctx.store.data.users[String(payload.sub)];
      if (!user) throw new Error("no such user");
      const scope = typeof payload.scope === "string" ? payload.scope.split(" ") : [];
      return { sub: user.user_id, ...profileClaims(user, scope) };
    } catch {
      return reply
        .code(401)
        .header("www-authenticate", 'Bearer error="invalid_token"')
        .type("text/plain")
        .send("Unauthorized");
    }
  });
}
