import type { InstallEvent, InstallEventOf } from "../events/contracts.ts";

const sha = "a".repeat(64);

/** One valid event of every type for one install: contract tests and reducers start from these. */
export function exampleEvents(ids: { installId: string; tenantId: string; importId?: string }): {
  [T in InstallEvent["type"]]: InstallEventOf<T>;
} {
  const base = {
    installId: ids.installId,
    tenantId: ids.tenantId,
    packageId: "acme-invoice-workflows",
    version: "3.0.0",
    occurredAt: "2026-05-25T10:30:00.000Z",
  };
  const importId = ids.importId ?? "imp-f9a2c1e8-0000-4000-8000-000000000000";
  return {
    InstallRequested: {
      type: "InstallRequested",
      ...base,
      importId,
      packageName: "ACME Invoice Workflows",
      trustLevel: "Verified",
      archive: {
        path: "packages/acme-invoice-workflows/3.0.0.tgz",
        sha256: sha,
        sizeBytes: 2048,
        signature: "c2ln",
      },
      publisher: {
        id: "acme",
        name: "ACME Corp",
        publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
      },
      conflict: { defaultStrategy: "Skip", overrides: { "invoice-approval": "Overwrite" } },
      dryRun: false,
      artifactCount: 5,
      requestedBy: { userId: "user-1", email: "admin@tenant-abc123.example" },
    },
    SecurityScanStarted: { type: "SecurityScanStarted", ...base, phase: "Downloading" },
    SecurityScanCompleted: {
      type: "SecurityScanCompleted",
      ...base,
      verdict: "WARN",
      findings: [
        {
          ruleId: "url.plain-http",
          severity: "warning",
          file: "workflows/approve.json",
          message: "plain http URL",
        },
      ],
      archiveSha256: sha,
    },
    ImportStarted: { type: "ImportStarted", ...base, importId, total: 5, dryRun: false },
    ArtifactInstalled: {
      type: "ArtifactInstalled",
      ...base,
      importId,
      key: "invoice-approval",
      resultingKey: "invoice-approval",
      action: "Overwritten",
      index: 3,
      total: 5,
    },
    InstallSucceeded: {
      type: "InstallSucceeded",
      ...base,
      importId,
      artifactsInstalled: 5,
      conflictsResolved: 1,
      completedAt: "2026-05-25T10:31:00.000Z",
      dryRun: false,
    },
    InstallFailed: {
      type: "InstallFailed",
      ...base,
      stage: "SecurityScan",
      error: "SecurityScanFailed",
      message: "Package scan returned FAIL — installation blocked",
      rolledBack: true,
      details: { findings: 1 },
    },
    NotificationDelivered: {
      type: "NotificationDelivered",
      ...base,
      channel: "email",
      recipient: "admin@tenant-abc123.example",
      notificationId: "ntf-1",
      outcome: "delivered",
    },
    UninstallRequested: {
      type: "UninstallRequested",
      ...base,
      importId,
      packageName: "ACME Invoice Workflows",
      force: false,
      requestedBy: { userId: "user-1", email: "admin@tenant-abc123.example" },
    },
    UninstallStarted: { type: "UninstallStarted", ...base, importId, total: 4, kept: ["overdue-report"] },
    ArtifactRemoved: {
      type: "ArtifactRemoved",
      ...base,
      importId,
      key: "invoice-approval",
      resultingKey: "invoice-approval",
      index: 1,
      total: 4,
    },
    UninstallSucceeded: {
      type: "UninstallSucceeded",
      ...base,
      importId,
      artifactsRemoved: 4,
      kept: ["overdue-report"],
      completedAt: "2026-05-25T10:31:00.000Z",
    },
    UninstallFailed: {
      type: "UninstallFailed",
      ...base,
      importId,
      stage: "Uninstalling",
      error: "InstallCancelled",
      message: "Cancelled by user-1",
      rolledBack: true,
    },
    InstallCancelRequested: {
      type: "InstallCancelRequested",
      ...base,
      requestedBy: { userId: "user-1", email: "admin@tenant-abc123.example" },
    },
  };
}
