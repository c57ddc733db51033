import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "services/*/src/**/*.test.ts",
      "services/*/test/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    // Four workers even on CI's two cores, files in a random order (the seed is printed; rerun one
    // with --sequence.seed=<n>): every file brings its own tenants, topics, consumer groups, databases,
    // ports and temp folders, and none needs another's leftovers (issue 17).
    maxWorkers: 4,
    sequence: { shuffle: { files: true, tests: false } },
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
