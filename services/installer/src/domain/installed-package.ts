import type { LifecycleOperation, OwnedArtifact } from "@installhub/shared";
import semver from "semver";
import type { ImportJournal } from "./journal.ts";
import { installsArtifact } from "./journal.ts";

/**
 * What the installer has on record for one package in one tenant (`installed_packages`): the version
 * installed and every artifact the package owns there, with the versionId its install wrote — how an
 * upgrade tells the package's own artifacts from ones the tenant changed since. It changes only when an
 * import or uninstall succeeds, by compare-and-set on `revision`; an uninstall leaves it `NotInstalled`
 * rather than deleting it, so revisions never start over.
 */
export interface InstalledPackage {
  /** `installedPackageId(tenantId, packageId)`. */
  _id: string;
  tenantId: string;
  packageId: string;
  state: "Installed" | "NotInstalled";
  version: string | null;
  installId: string | null;
  importId: string | null;
  installedAt: string | null;
  installedBy: { userId: string; email: string } | null;
  artifacts: OwnedArtifact[];
  /** The import whose success wrote this revision. */
  lastImportId: string | null;
  revision: number;
}

/** Tenant ids and package ids hold no line breaks (package ids are manifest ids; tenants come from tokens). */
export const installedPackageId = (tenantId: string, packageId: string) => `${tenantId}\n${packageId}`;

export const isInstalled = (record: InstalledPackage | null | undefined): record is InstalledPackage =>
  record?.state === "Installed";

/**
 * What installing `version` is, given the record: a first `Install`, or (SemVer 2.0.0 precedence) an
 * `Upgrade`, `Downgrade` or `Reinstall`. A version that is not SemVer is an upgrade unless it is equal.
 */
export function installOperationOf(
  record: InstalledPackage | null | undefined,
  version: string,
): Exclude<LifecycleOperation, "Uninstall"> {
  if (!isInstalled(record) || record.version === null) return "Install";
  if (record.version === version) return "Reinstall";
  if (!semver.valid(record.version) || !semver.valid(version)) return "Upgrade";
  const order = semver.compare(version, record.version);
  return order > 0 ? "Upgrade" : order < 0 ? "Downgrade" : "Reinstall";
}

/**
 * The artifacts the package owns once the import succeeded: each it wrote (at the version it wrote)
 * and each it found unchanged (at the version it kept). Skipped, Removed and Kept artifacts are the
 * tenant's from then on.
 */
export function ownedAfter(journal: ImportJournal): OwnedArtifact[] {
  if (journal.operation === "Uninstall") return [];
  return (journal.steps ?? []).flatMap((step) => {
    if (installsArtifact(step) && step.afterVersionId !== null)
      return [{ key: step.key, resultingKey: step.resultingKey, versionId: step.afterVersionId }];
    if (step.action === "Unchanged" && step.before)
      return [{ key: step.key, resultingKey: step.resultingKey, versionId: step.before.versionId }];
    return [];
  });
}

/**
 * The record a successful, real (not dry-run) import or uninstall leaves, one revision after the
 * record it was planned on.
 */
export function recordAfter(journal: ImportJournal): InstalledPackage {
  const revision = (journal.installedBefore?.revision ?? 0) + 1;
  const common = {
    _id: installedPackageId(journal.tenantId, journal.packageId),
    tenantId: journal.tenantId,
    packageId: journal.packageId,
    lastImportId: journal._id,
    revision,
  };
  if (journal.operation === "Uninstall") {
    return {
      ...common,
      state: "NotInstalled",
      version: null,
      installId: null,
      importId: null,
      installedAt: null,
      installedBy: null,
      artifacts: [],
    };
  }
  return {
    ...common,
    state: "Installed",
    version: journal.version,
    installId: journal.installId,
    importId: journal._id,
    installedAt: journal.outcome?.completedAt ?? journal.startedAt,
    installedBy: journal.requestedBy,
    artifacts: ownedAfter(journal),
  };
}
