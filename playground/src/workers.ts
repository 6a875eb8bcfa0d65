// Monaco's language workers, built by playground/build.ts and served by Gatehouse: nothing from a CDN.
type MonacoEnvironment = { getWorker(workerId: string, label: string): Worker };

(globalThis as unknown as { MonacoEnvironment: MonacoEnvironment }).MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === "json" ? "json" : label === "graphql" ? "graphql" : "editor";
    return new Worker(`/graphql/assets/workers/${name}.js`);
  },
};
