import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const EMULATOR = join(ROOT, "packages/auth0-emulator");

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

interface Import {
  file: string;
  specifier: string;
  /** `import type …` / `export type …`: erased from the JavaScript. */
  typeOnly: boolean;
  dynamic: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const found: Import[] = [];
  for (const match of text.matchAll(/^(import|export)(\s+type)?\s[^;]*?\sfrom\s+"([^"]+)"/gms)) {
    found.push({ file, specifier: match[3] ?? "", typeOnly: Boolean(match[2]), dynamic: false });
  }
  for (const match of text.matchAll(/\bimport\("([^"]+)"\)/g)) {
    found.push({ file, specifier: match[1] ?? "", typeOnly: false, dynamic: true });
  }
  return found;
}

describe("the layout: a server and an emulator package", () => {
  it("the emulator package imports nothing of the server", () => {
    const escapes = typescriptFiles(EMULATOR)
      .filter((file) => !file.includes("node_modules"))
      .flatMap(importsOf)
      .filter(({ file, specifier }) =>
        specifier.startsWith(".")
          ? relative(EMULATOR, resolve(dirname(file), specifier)).startsWith("..")
          : specifier.startsWith("@gatehouse/") || specifier.startsWith("gatehouse"),
      );
    expect(escapes).toEqual([]);
  });

  it("the server loads the emulator only in its development start-up, on demand, through the package's name", () => {
    const serverImports = typescriptFiles(join(ROOT, "src")).flatMap(importsOf);
    const ofEmulator = serverImports.filter(
      ({ specifier }) => specifier.includes("auth0-emulator") || specifier.includes("emulator/"),
    );
    const loading = ofEmulator.filter((entry) => !entry.typeOnly);
    expect(
      loading.map(({ file, specifier, dynamic }) => ({ file: relative(ROOT, file), specifier, dynamic })),
    ).toEqual([
      { file: "src/dev/embedded-emulator.ts", specifier: "@gatehouse/auth0-emulator", dynamic: true },
    ]);
    // Type-only imports (erased at build) stay within the development code.
    for (const entry of ofEmulator) expect(relative(ROOT, entry.file)).toMatch(/^src\/dev\//);
  });

  it("no module production loads imports the development code, except main.ts on demand", () => {
    const staticIntoDev = typescriptFiles(join(ROOT, "src"))
      .filter((file) => !relative(ROOT, file).startsWith("src/dev/"))
      .flatMap(importsOf)
      .filter(({ file, specifier, dynamic }) => {
        if (!specifier.startsWith(".")) return false;
        const target = relative(ROOT, resolve(dirname(file), specifier));
        return target.startsWith("src/dev/") && !(dynamic && relative(ROOT, file) === "src/main.ts");
      });
    expect(staticIntoDev).toEqual([]);
  });

  it("the emulator is a development dependency of the server, and @fastify/formbody is the emulator's", () => {
    const server = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const emulator = JSON.parse(readFileSync(join(EMULATOR, "package.json"), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    expect(server.devDependencies).toHaveProperty(["@gatehouse/auth0-emulator"]);
    expect(server.dependencies).not.toHaveProperty(["@gatehouse/auth0-emulator"]);
    expect(server.dependencies).not.toHaveProperty(["@fastify/formbody"]);
    expect(emulator.dependencies).toHaveProperty(["@fastify/formbody"]);
  });
});
