// Builds the playground's browser assets into playground/dist with esbuild: the page's bundle (GraphiQL,
// React, Monaco) and the three Monaco workers, each a file Gatehouse serves itself, so the page needs no CDN.
// About two seconds; `npm start` runs it first, and the browser test builds before it opens the page.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const outdir = `${root}dist`;

export async function buildPlayground(): Promise<void> {
  const common = {
    bundle: true,
    minify: true,
    legalComments: "none" as const,
    logLevel: "warning" as const,
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"' },
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: { playground: `${root}src/main.tsx` },
      outdir,
      format: "esm",
      jsx: "automatic",
      loader: { ".ttf": "dataurl", ".woff2": "dataurl" },
    }),
    build({
      ...common,
      entryPoints: {
        "workers/editor": "monaco-editor/esm/vs/editor/editor.worker.js",
        "workers/json": "monaco-editor/esm/vs/language/json/json.worker.js",
        "workers/graphql": "monaco-graphql/esm/graphql.worker.js",
      },
      outdir,
      format: "iife",
    }),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildPlayground();
  process.stdout.write(`playground built into ${outdir} in ${Date.now() - started} ms\n`);
}
