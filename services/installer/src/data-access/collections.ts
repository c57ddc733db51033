import { type IndexPlan, importIndexes } from "@installhub/shared";

export const installerCollections = {
  requests: "install_requests",
  journal: "import_journal",
  tenantArtifacts: "tenant_artifacts",
  installedPackages: "installed_packages",
} as const;

export const installerIndexes: IndexPlan = {
  ...importIndexes,
  [installerCollections.tenantArtifacts]: [
    { key: { tenantId: 1, key: 1 }, name: "tenant_key", unique: true },
  ],
};
