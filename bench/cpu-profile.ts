/**
 * Where a CPU profile spent its time: self time by function and by package (or source folder), the hottest
 * first. `npx tsx bench/cpu-profile.ts <file.cpuprofile> [rows]`; `BENCH_CPU_PROF=<dir> npm run bench --
 * directory` writes the Gatehouse process's profile into <dir>, and `npm run bench -- alternatives` profiles
 * Gatehouse under load and prints this summary itself.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** Self time, in microseconds. */
  micros: number;
  share: number;
}

export interface ProfileSummary {
  /** Microseconds sampled. */
  total: number;
  byPlace: ProfileEntry[];
  byFunction: ProfileEntry[];
}

/** `pglite`, `graphql`, `src/store`, `(garbage collector)`, …: where a function's code lives. */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, "") || "native"})`;
  const packageName = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (packageName) return packageName;
  if (url.startsWith("node:")) return "node internals";
  const source = /\/((?:src|bench)\/[^/]+)/.exec(url)?.[1];
  return source ?? url;
}

export function summarizeProfile(profile: CpuProfile, rows = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
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
  const top = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([name, micros]) => ({ name, micros, share: micros / total }));
  return { total, byPlace: top(byPlace), byFunction: top(byFunction) };
}

export function printProfile(summary: ProfileSummary): void {
  for (const [title, entries] of [
    ["self time by package or source folder", summary.byPlace],
    ["self time by function", summary.byFunction],
  ] as const) {
    console.log(`\n${title}`);
    for (const { name, micros, share } of entries) {
      console.log(
        `${(share * 100).toFixed(1).padStart(5)}%  ${(micros / 1e6).toFixed(2).padStart(7)} s  ${name}`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, rowsArgument] = process.argv.slice(2);
  if (!file) {
    console.error("usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [rows]");
    process.exit(2);
  }
  const summary = summarizeProfile(
    JSON.parse(readFileSync(file, "utf8")) as CpuProfile,
    Number(rowsArgument ?? 25),
  );
  console.log(`${(summary.total / 1e6).toFixed(1)} s sampled in ${file}`);
  printProfile(summary);
}
