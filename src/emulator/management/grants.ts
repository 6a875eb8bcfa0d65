import type { FastifyInstance } from "fastify";
import type { EmulatorContext } from "../context.js";

export function registerUserGrantRoutes(_app: FastifyInstance, _ctx: EmulatorContext): void {}
