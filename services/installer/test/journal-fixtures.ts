/**
 * Fixtures for the installer's journal unit tests (domain/journal, journal-outputs, lifecycle): one
 * import journal and one plan step, each overridable field by field. Kept under test/, not beside the
 * domain modules, so Stryker (which mutates src/domain/*.ts) never mutates them.
 */
import type { ImportJournal } from "../src/domain/journal.ts";
import type { PlanStep } from "../src/domain/plan.ts";

/**
 * Step `index` of import `imp-1` with the given action: key `key-<index>` kept as is, a conflict unless
 * the step creates, nothing in the tenant before, a version written unless skipped or failed, neither
 * applied nor undone. `extra` overrides any field.
 */
export const planStep = (
  index: number,
  action: PlanStep["action"],
  extra: Partial<PlanStep> = {},
): PlanStep => ({
  index,
  key: `key-${index}`,
  type: "workflow",
  resultingKey: `key-${index}`,
  resultingName: `Key ${index}`,
  action,
  conflict: action !== "Created",
  before: null,
  afterVersionId: action === "Skipped" || action === "Fail" ? null : `imp-1/${index}`,
  appliedAt: null,
  undoneAt: null,
  ...extra,
});

/**
 * Import `imp-1` of acme@1.0.0 (install `mkt-install-1`, tenant `tenant-a`), started at "t0", with the
 * given plan (`null`: not planned yet), no failure, no outcome and no events published. `extra`
 * overrides any field.
 */
export const importJournal = (
  steps: PlanStep[] | null,
  extra: Partial<ImportJournal> = {},
): ImportJournal => ({
  _id: "imp-1",
  installId: "mkt-install-1",
  tenantId: "tenant-a",
  packageId: "acme",
  version: "1.0.0",
  dryRun: false,
  requestedBy: { userId: "u", email: "u@example.test" },
  archiveSha256: "a".repeat(64),
  startedAt: "t0",
  steps,
  failure: null,
  outcome: null,
  eventsPublished: 0,
  ...extra,
});
