/**
 * Mutation testing of the modules that decide (issue 17), run on the fast tier (vitest.unit.config.ts):
 * `pnpm test:mutation`. Scores per module are printed and kept in reports/mutation/ (git-ignored).
 * To bring another module under mutation testing, add its glob to `modules`.
 */
const modules = [
  // Every domain/ folder: the status reducer (gateway install-status), the request fingerprint, the
  // Idempotency-Key rules, the installer's journal transitions and plan, the notifier's delivery policy.
  "services/gateway/src/domain/*.ts",
  "services/installer/src/domain/*.ts",
  "services/notifier/src/domain/*.ts",
  "services/scanner/src/domain/*.ts",
  // The consumer runner's decisions: which offset may be committed, retry or dead-letter.
  "packages/shared/src/kafka/key-lanes.ts",
  "packages/shared/src/failures.ts",
  "packages/shared/src/retry.ts",
  // What the scanner and installer read from a package, and e-mail address rules.
  "packages/shared/src/packages/*.ts",
  "packages/shared/src/mail/email-address.ts",
];

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  // By resolved path: with pnpm the plugin is not beside @stryker-mutator/core, where Stryker looks.
  plugins: [import.meta.resolve("@stryker-mutator/vitest-runner")],
  mutate: [...modules, "!**/*.test.ts"],
  testRunner: "vitest",
  vitest: { configFile: "vitest.unit.config.ts", pool: "vmThreads" },
  coverageAnalysis: "perTest",
  concurrency: 2,
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  reporters: ["clear-text", "html", "json", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: true },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
};
