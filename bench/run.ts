/**
 * `npm run bench` runs every scenario, `npm run bench -- alternatives` (or `directory`) one, each in a process
 * of its own so that one's memory and JIT state do not colour the next.
 */
import { fork } from "node:child_process";
import { once } from "node:events";

const SCENARIOS = ["alternatives", "directory", "native-key"] as const;

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; there are: ${SCENARIOS.join(", ")}`);
  process.exit(2);
}

for (const scenario of asked.length > 0 ? asked : SCENARIOS) {
  console.log(`\n== ${scenario} ==`);
  const child = fork(new URL(`./${scenario}.ts`, import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: "inherit",
  });
  const stop = () => child.pid !== undefined && process.kill(child.pid, "SIGTERM");
  process.once("SIGINT", stop);
  const [code] = (await once(child, "exit")) as [number | null];
  process.off("SIGINT", stop);
  if (code !== 0) {
    console.error(`the ${scenario} benchmark failed (exit ${String(code)})`);
    process.exit(1);
  }
}
