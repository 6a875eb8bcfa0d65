// docs/authorization.md, computed: every field and mutation of the permission map with its rule in words and,
// for each seeded role and caller kind, what the real rules decide. `npm run docs:authorization` writes it; a
// test fails when the committed file differs, and another checks it against what HTTP callers observe.
import { ANONYMOUS_CALLER, type Caller } from "../caller/caller.js";
import { describeRule, judgeRule, type Verdict } from "../authz/explain.js";
import { permissions, type PermissionMap } from "../authz/permissions.js";
import type { ShieldRule } from "../authz/shield-rule.js";
import { seedFacts } from "./identities.js";

export const AUTHORIZATION_DOC = "docs/authorization.md";

/** A column of the matrix: a caller as the seed makes it, and the seeded identity that plays it. */
export interface MatrixCaller {
  column: string;
  /** The playground's identity (`src/dev/identities.ts`) that is this caller. */
  identityId: string | null;
  caller: Caller;
  note: string;
}

function user(permissionNames: string[], tenantId: string | null, userId: string): Caller {
  return {
    kind: "USER",
    subject: userId,
    userId,
    clientId: "gatehouse-spa",
    tenantId,
    permissions: new Set(permissionNames),
    denial: null,
  };
}

/** One caller per seeded role (as an Acme member, or in no tenant for the platform's role), and per kind. */
export function matrixCallers(): MatrixCaller[] {
  const seed = seedFacts();
  const permissionsOfRoles = (names: string[]) =>
    seed.roles.filter((role) => names.includes(role.name)).flatMap((role) => role.permissions);
  const playedBy: Record<string, { identityId: string; email: string }> = {
    member: { identityId: "mia-member", email: "member@acme.test" },
    "user-manager": { identityId: "max-manager", email: "manager@acme.test" },
    "tenant-admin": { identityId: "ada-admin", email: "admin@acme.test" },
    "platform-operator": { identityId: "olga-operator", email: "operator@gatehouse.test" },
  };
  const roles = seed.roles.map((role): MatrixCaller => {
    const player = playedBy[role.name];
    if (!player) throw new Error(`the seeded role ${role.name} has no seeded user playing it in the matrix`);
    const userId = seed.userIdOf(player.email);
    const tenantId = role.permissions.includes("manage:tenants") ? null : "org_acme";
    if (!seed.rolesOf(userId, tenantId).includes(role.name)) {
      throw new Error(`${player.email} no longer holds ${role.name} in the seed`);
    }
    return {
      column: role.name,
      identityId: player.identityId,
      caller: user(role.permissions, tenantId, userId),
      note: `a user holding the role ${tenantId ? "as a member of Acme" : "in no tenant"} (${role.description})`,
    };
  });
  const miaId = seed.userIdOf("member@acme.test");
  const partnerScopes = seed.grantedScopes("initech-cms");
  const miaHolds = new Set(permissionsOfRoles(seed.rolesOf(miaId, "org_acme")));
  return [
    { column: "anonymous", identityId: "anonymous", caller: ANONYMOUS_CALLER, note: "no credentials" },
    ...roles,
    {
      column: "API key",
      identityId: "acme-backend",
      caller: {
        kind: "TENANT_APP",
        subject: "acme-backend@clients",
        userId: null,
        clientId: "acme-backend",
        tenantId: "org_acme",
        permissions: new Set(seed.grantedScopes("acme-backend")),
        denial: null,
      },
      note: `${seed.clientName("acme-backend")}: a tenant's back end with the scopes of its client grant`,
    },
    {
      column: "partner",
      identityId: "initech-for-mia",
      caller: {
        kind: "PARTNER",
        subject: miaId,
        userId: miaId,
        clientId: "initech-cms",
        tenantId: "org_acme",
        // Token scopes ∩ the user's permissions ∩ the integration's scopes (enabled with all it may ask for).
        permissions: new Set(partnerScopes.filter((scope) => miaHolds.has(scope))),
        denial: null,
      },
      note: `${seed.clientName("initech-cms")} acting for Mia (member), its integration enabled in Acme`,
    },
  ];
}

function cell(verdict: Verdict): string {
  switch (verdict.outcome) {
    case "allowed":
      return "✅";
    case "denied":
      return verdict.missingPermission ? `❌ ${verdict.missingPermission}` : "❌ sign in";
    case "depends":
      return `◐ ${verdict.condition}`;
  }
}

/** The whole matrix for one caller: `Type.field` → verdict. */
export async function verdictsFor(caller: Caller, map: PermissionMap = permissions) {
  const verdicts = new Map<string, Verdict>();
  for (const [type, fields] of Object.entries(map as unknown as Record<string, Record<string, ShieldRule>>)) {
    for (const [field, rule] of Object.entries(fields)) {
      verdicts.set(`${type}.${field}`, await judgeRule(rule, caller));
    }
  }
  return verdicts;
}

const escape = (text: string) => text.replace(/\|/g, "\\|");

export async function renderAuthorizationMatrix(map: PermissionMap = permissions) {
  const callers = matrixCallers();
  const verdicts = await Promise.all(callers.map((column) => verdictsFor(column.caller, map)));
  const lines = [
    "# Authorization matrix",
    "",
    "<!-- Generated by `npm run docs:authorization` from src/authz/permissions.ts and the emulator's seed. Do not",
    "     edit: a test fails when this file is stale. -->",
    "",
    "What each kind of caller may read and do, field by field, computed by running Gatehouse's own rules.",
    "✅ allowed · ❌ denied, with the permission that is missing · ◐ depends on the object or the arguments",
    "(the condition is shown; the server checks it per request and says why when it refuses).",
    "The playground (`GET /graphql` in a browser) shows the same verdicts for whoever you are signed in as.",
    "",
    "## Callers",
    "",
    "| column | kind | tenant | permissions | who |",
    "| --- | --- | --- | --- | --- |",
    ...callers.map(({ column, caller, note }) =>
      [
        "",
        ` ${column} `,
        ` ${caller.kind} `,
        ` ${caller.tenantId ?? "—"} `,
        ` ${[...caller.permissions].map((p) => `\`${p}\``).join(" ") || "—"} `,
        ` ${note} `,
        "",
      ].join("|"),
    ),
    "",
  ];
  const openTypes: string[] = [];
  for (const [type, fields] of Object.entries(map as unknown as Record<string, Record<string, ShieldRule>>)) {
    const rows = Object.entries(fields);
    if (
      type !== "Query" &&
      type !== "Mutation" &&
      rows.every(
        ([field]) =>
          verdicts.every((v) => v.get(`${type}.${field}`)?.outcome === "allowed") &&
          describeRule(fields[field] as ShieldRule) === "anyone",
      )
    ) {
      openTypes.push(type);
      continue;
    }
    lines.push(`## ${type}`, "");
    lines.push(`| field | rule | ${callers.map((c) => c.column).join(" | ")} |`);
    lines.push(`| --- | --- | ${callers.map(() => "---").join(" | ")} |`);
    for (const [field, rule] of rows) {
      const cells = verdicts.map((v) => escape(cell(v.get(`${type}.${field}`) as Verdict)));
      lines.push(`| \`${field}\` | ${escape(describeRule(rule))} | ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  lines.push(
    "## Types open to whoever reaches them",
    "",
    "Every field of these types is allowed; they are reached only through the fields above, which decide.",
    "",
    openTypes.map((type) => `\`${type}\``).join(", "),
    "",
  );
  return lines.join("\n");
}
