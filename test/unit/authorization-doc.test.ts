import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTHORIZATION_DOC, renderAuthorizationMatrix } from "../../src/dev/authorization-matrix.js";
import { permissions } from "../../src/authz/permissions.js";

describe("docs/authorization.md", () => {
  it("is what the permission map and the seed produce now (run npm run docs:authorization if not)", async () => {
    const committed = readFileSync(join(import.meta.dirname, "../..", AUTHORIZATION_DOC), "utf8");
    expect(committed).toBe(await renderAuthorizationMatrix());
  });

  it("lists every field and mutation of the permission map", async () => {
    const markdown = await renderAuthorizationMatrix();
    for (const [type, fields] of Object.entries(permissions)) {
      const open = new RegExp(`^\`[A-Za-z]+\`(, \`[A-Za-z]+\`)*$`, "m").exec(markdown)?.[0] ?? "";
      if (open.split(", ").includes(`\`${type}\``)) continue;
      expect(markdown).toContain(`## ${type}\n`);
      for (const field of Object.keys(fields))
        expect(markdown).toMatch(new RegExp(`^\\| \`${field}\` \\|`, "m"));
    }
  });
});
