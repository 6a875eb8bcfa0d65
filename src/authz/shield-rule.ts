import type { and, rule } from "graphql-shield";

/** A graphql-shield rule, simple or composed (the package does not export the union from its entry point). */
export type ShieldRule = ReturnType<ReturnType<typeof rule>> | ReturnType<typeof and>;
