import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file starts its own emulator on an ephemeral port, so files run in parallel safely.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
