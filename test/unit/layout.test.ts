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
    // What production loads: every module reached from src/main.ts by static imports. The operator's tools
    // (src/provision/, run by `npm run provision`) and src/dev/ are entry points of their own.
    const loaded = new Set<string>();
    const pending = [join(ROOT, "src/main.ts")];
    const staticIntoDev: { file: string; specifier: string }[] = [];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (loaded.has(file)) continue;
      loaded.add(file);
      for (const { specifier, dynamic } of importsOf(file)) {
        if (!specifier.startsWith(".")) continue;
        const target = resolve(dirname(file), specifier).replace(/\.js$/, ".ts");
        const fromMainOnDemand = dynamic && relative(ROOT, file) === "src/main.ts";
        if (relative(ROOT, target).startsWith("src/dev/") && !fromMainOnDemand) {
          staticIntoDev.push({ file: relative(ROOT, file), specifier });
        }
        if (!dynamic && !relative(ROOT, target).startsWith("src/dev/")) pending.push(target);
      }
    }
    expect(loaded.size).toBeGreaterThan(50);
    expect([...loaded].filter((file) => relative(ROOT, file).startsWith("src/provision/"))).toEqual([]);
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
