/**
 * Where a `--cpu-prof` profile spent its time: self time by function and by package (or source folder), the
 * hottest first. `npx tsx bench/cpu-profile.ts <file.cpuprofile> [rows]`; `BENCH_CPU_PROF=<dir> npm run bench
 * -- directory` writes the Gatehouse process's profile into <dir>.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArgument] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [rows]");
  process.exit(2);
}
const rows = Number(rowsArgument ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));

/** `pglite`, `graphql`, `src/store`, `(garbage collector)`, …: where a function's code lives. */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, "") || "native"})`;
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName) return packageName;
  if (url.startsWith("node:")) return "node internals";
  const source = /\/((?:src|bench)\/[^/]+)/.exec(url)?.[1];
  return source ?? url;
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, index) => {
  const node = nodes.get(id);
  const micros = profile.timeDeltas[index] ?? 0;
  if (!node) return;
  total += micros;
  const { functionName, url, lineNumber } = node.callFrame;
  const place = placeOf(url, functionName);
  const name = `${functionName || "(anonymous)"} ${place}${url ? `:${lineNumber + 1}` : ""}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
});

function table(title: string, entries: Map<string, number>) {
  console.log(`\n${title}`);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(
      `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(7)} s  ${name}`,
    );
  }
}

console.log(`${(total / 1e6).toFixed(1)} s sampled in ${file}`);
table("self time by package or source folder", byPlace);
table("self time by function", byFunction);
