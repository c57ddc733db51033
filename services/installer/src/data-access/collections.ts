import { type IndexPlan, importIndexes } from "@installhub/shared";

export const installerCollections = {
  requests: "install_requests",
  journal: "import_journal",
  tenantArtifacts: "tenant_artifacts",
  installedPackages: "installed_packages",
  waitingUninstalls: "waiting_uninstalls",
} as const;

export const installerIndexes: IndexPlan = {
  ...importIndexes,
  [installerCollections.tenantArtifacts]: [
    { key: { tenantId: 1, key: 1 }, name: "tenant_key", unique: true },
  ],
  // An uninstall asks which of its tenant's installs are still on their way (docs/lifecycle.md).
  [installerCollections.requests]: [{ key: { tenantId: 1 }, name: "tenant" }],
  [installerCollections.waitingUninstalls]: [
    { key: { tenantId: 1, state: 1, position: 1 }, name: "tenant_state_position" },
  ],
};
