import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const shared = resolve(import.meta.dirname, "packages/shared/src");

/**
 * The fast tier: unit tests beside the code (`src/**\/*.test.ts`), no global setup, no Kafka,
 * registry or MongoDB. `pnpm test:unit` runs it in seconds; Stryker runs it for every mutant.
 */
export default defineConfig({
  // The workspace package by path, not through node_modules: Stryker's sandbox links node_modules to
  // this checkout, so a link would load the unmutated @installhub/shared instead of the sandbox's copy.
  resolve: {
    alias: [
      { find: /^@installhub\/shared$/, replacement: `${shared}/index.ts` },
      { find: /^@installhub\/shared\/testing$/, replacement: `${shared}/testing/index.ts` },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"],
    // A fresh VM context per test file in reused workers: isolated like the default pool, but modules
    // from node_modules load once per worker, which makes the tier (and each Stryker mutant) several
    // times faster. Objects made by Node's own modules belong to another realm there: compare values,
    // not prototypes, in these tests.
    pool: "vmThreads",
    // Seconds on an idle machine; the margin is for a busy one, and for Stryker's instrumented code.
    testTimeout: 30_000,
    reporters: ["default"],
  },
});
