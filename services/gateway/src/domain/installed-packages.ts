import { type InstallEvent, LifecycleOperation, OwnedArtifact } from "@installhub/shared";
import { z } from "zod";

/**
 * One package in one tenant, as `GET /api/tenants/{tenantId}/packages` shows it (docs/lifecycle.md):
 * the version installed, when and by whom, the install that put it there, every artifact it owns
 * (its key in the tenant and the versionId its install wrote) and whether an upgrade or uninstall is
 * under way. An uninstalled package stays as `NotInstalled` (not listed), so a replayed install of it
 * cannot bring it back (see `reduceInstalledPackage`).
 */
export interface InstalledPackageState {
  tenantId: string;
  packageId: string;
  state: "Installed" | "Upgrading" | "Uninstalling" | "NotInstalled";
  version: string | null;
  installedAt: string | null;
  installedBy: { userId: string; email: string } | null;
  installId: string | null;
  importId: string | null;
  artifacts: OwnedArtifact[];
  /** The upgrade, downgrade, reinstall or uninstall under way. */
  pending: { installId: string; operation: LifecycleOperation; version: string } | null;
}

/**
 * A package as installed in a tenant, as `GET /api/tenants/{tenantId}/packages[/{packageId}]` shows it
 * (`installedPackageView`): the one definition of that shape (the routes' OpenAPI schema derives from it).
 */
export const InstalledPackageView = z.object({
  tenantId: z.string(),
  packageId: z.string(),
  version: z.string(),
  state: z.enum(["Installed", "Upgrading", "Uninstalling"]),
  installedAt: z.string().nullable(),
  installedBy: z.object({ userId: z.string(), email: z.string() }).nullable(),
  installId: z.string().nullable().describe("The install that put this version there"),
  importId: z.string().nullable(),
  artifacts: z
    .array(OwnedArtifact)
    .describe(
      "Every artifact the package owns in the tenant: its manifest key, its key in the tenant, and the versionId its install wrote (a different versionId in the tenant means the tenant changed it since)",
    ),
  pending: z
    .object({ installId: z.string(), operation: LifecycleOperation, version: z.string() })
    .nullable()
    .describe("The upgrade, downgrade, reinstall or uninstall under way"),
});
export type InstalledPackageView = z.infer<typeof InstalledPackageView>;

/** What the API shows of a package the tenant has (the projection never serves a `NotInstalled` one). */
export function installedPackageView(state: InstalledPackageState): InstalledPackageView {
  const { state: packageState, version, ...rest } = state;
  return {
    ...rest,
    version: version ?? "",
    state: packageState as InstalledPackageView["state"],
  };
}

/**
 * The installed-packages projection's reducer: pure, applied to one tenant's events in the order of
 * its partition (its store skips an event at or before the last position it applied, so redelivery
 * and a reset to the earliest offset change nothing). Unlike the status reducer it depends on order —
 * an install and an uninstall of one package do not commute — which the partition gives.
 * Returns `state` itself when the event changes nothing.
 *
 * - `InstallSucceeded` (not a dry run, with the artifacts the installer reports) → Installed at its version;
 * - `ImportStarted` of an upgrade, downgrade or reinstall → Upgrading, until it succeeds or fails;
 * - `UninstallStarted` → Uninstalling; `UninstallSucceeded` → NotInstalled; `UninstallFailed` → back.
 */
export function reduceInstalledPackage(
  state: InstalledPackageState | undefined,
  event: InstallEvent,
): InstalledPackageState | undefined {
  const installed = state !== undefined && state.state !== "NotInstalled";
  switch (event.type) {
    case "InstallSucceeded": {
      if (event.dryRun || !event.artifacts) return state;
      return {
        tenantId: event.tenantId,
        packageId: event.packageId,
        state: "Installed",
        version: event.version,
        installedAt: event.completedAt,
        installedBy: event.requestedBy ?? null,
        installId: event.installId,
        importId: event.importId,
        artifacts: event.artifacts,
        pending: null,
      };
    }
    case "ImportStarted": {
      const changing = event.operation && event.operation !== "Install" && event.operation !== "Uninstall";
      if (!installed || event.dryRun || !changing || !event.operation) return state;
      return {
        ...state,
        state: "Upgrading",
        pending: { installId: event.installId, operation: event.operation, version: event.version },
      };
    }
    case "UninstallStarted":
      if (!installed) return state;
      return {
        ...state,
        state: "Uninstalling",
        pending: { installId: event.installId, operation: "Uninstall", version: event.version },
      };
    case "UninstallSucceeded":
      if (!state) return state;
      return {
        ...state,
        state: "NotInstalled",
        version: null,
        installedAt: null,
        installedBy: null,
        installId: null,
        importId: null,
        artifacts: [],
        pending: null,
      };
    case "InstallFailed":
    case "UninstallFailed":
      if (!state || state.pending?.installId !== event.installId) return state;
      return { ...state, state: "Installed", pending: null };
    default:
      return state;
  }
}
