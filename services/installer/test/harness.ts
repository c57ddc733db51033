import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { join } from "node:path";
import {
  type ApprovedFile,
  type AuditEntryDocument,
  approvedFilesOf,
  auditLogOf,
  type ConflictStrategy,
  cancellationsOf,
  connectMongo,
  examplesRoot,
  type InstallEvent,
  type InstallEventOf,
  importRecordsOf,
  type PackageDocument,
  packFolder,
  parseConfig,
  type RunningWorker,
  readArchive,
  repositoryRoot,
  sha256Hex,
  type UpgradeType,
} from "@installhub/shared";
import {
  configEnvironment,
  isolatedConfig,
  startEventBus,
  startExampleMarketplace,
  uniqueId,
} from "@installhub/shared/testing";
import { expect } from "vitest";
import { type InstallerConfig, installerConfigSchema } from "../src/config.ts";
import { installerCollections } from "../src/data-access/collections.ts";
import { tenantArtifactsOf } from "../src/data-access/tenant-artifacts.ts";
import { type InstalledPackage, installedPackageId } from "../src/domain/installed-package.ts";
import type { ImportJournal } from "../src/domain/journal.ts";
import type { TenantArtifact } from "../src/domain/tenant-artifact.ts";
import { startInstaller } from "../src/service.ts";
import type { InstallerDeps } from "../src/use-cases/installer-deps.ts";

/**
 * What every installer test needs: its own topics and database, the example packages on a dev CDN,
 * a bus to publish requests and verdicts and record what the installer emits, and the environment a
 * child installer process would run with.
 */
export async function startHarness(prefix: string, extraEnv: Record<string, string> = {}) {
  const base = isolatedConfig(prefix);
  const mongo = await connectMongo(base.MONGO_URL, base.MONGO_DB);
  const marketplace = await startExampleMarketplace(mongo.db);
  const env = { ...configEnvironment(base), PUBLICHUB_CDN_URL: marketplace.cdn.url, ...extraEnv };
  const config: InstallerConfig = parseConfig(installerConfigSchema, env);
  const bus = await startEventBus(config);
  const db = mongo.db;
  const packageNamed = (id: string) => {
    const found = marketplace.packages.find((pkg) => pkg._id === id);
    if (!found) throw new Error(`no example package ${id}`);
    return found;
  };
  const approved = await approvedExampleFiles(marketplace.packages);
  const children: ChildProcess[] = [];

  return {
    config,
    env,
    db,
    bus,
    marketplace,
    packageNamed,

    /** The verdict the scanner gives an example package's catalog bytes, approving the files it read. */
    verdictFor(install: ExampleInstall, verdict: "PASS" | "WARN" | "FAIL" = "PASS") {
      const { packageId, version } = install.requested;
      return verdictOf(
        install,
        verdict,
        verdict === "FAIL" ? undefined : approved.get(`${packageId}@${version}`),
      );
    },

    /** Publishes the request and a PASS verdict for the bytes the catalog describes. */
    async publishInstall(install: ExampleInstall, verdict: "PASS" | "WARN" | "FAIL" = "PASS") {
      await bus.publisher.publish([install.requested, this.verdictFor(install, verdict)]);
    },

    /**
     * Waits (up to `timeoutMs`, default the bus's 60 s) for the operation's terminal event and returns
     * every installer event of it, in order.
     */
    async outcomeOf(install: { installId: string }, timeoutMs?: number): Promise<InstallEvent[]> {
      const events = await bus.waitForEvents(install.installId, (all) => all.some(isTerminal), timeoutMs);
      return events.filter((event) => installerEventTypes.has(event.type));
    },

    /**
     * Installs acme-expense-approvals 2.1.0 for the tenant (manifest order: approval, policy, reminder,
     * dashboard, legacy-export, travel-report) and expects it to succeed within `timeoutMs`.
     */
    async installedExpense21(tenantId: string, timeoutMs?: number): Promise<ExampleInstall> {
      const install = installOf(packageNamed("acme-expense-approvals"), { tenantId, version: "2.1.0" });
      await this.publishInstall(install);
      const events = await this.outcomeOf(install, timeoutMs);
      expect(events.at(-1)).toMatchObject({
        type: "InstallSucceeded",
        operation: "Install",
        artifactsInstalled: 6,
      });
      return install;
    },

    /**
     * The state an upgrade starts from: acme-expense-approvals 2.1.0 installed (installedExpense21) and
     * then `editedKey` edited by the tenant. Returns the tenant's artifacts and its installed-package
     * record at that point, which a rolled-back upgrade must restore exactly.
     */
    async editedExpense21(tenantId: string, editedKey: string, timeoutMs?: number) {
      await this.installedExpense21(tenantId, timeoutMs);
      await this.edit(tenantId, editedKey);
      return {
        before: await this.snapshot(tenantId),
        recordBefore: await this.installed(tenantId, "acme-expense-approvals"),
      };
    },

    /** Seeds a tenant artifact the tenant made itself, as it would be before any import. */
    async seed(tenantId: string, key: string): Promise<TenantArtifact> {
      const artifact: Omit<TenantArtifact, "_id"> = {
        tenantId,
        key,
        type: "workflow",
        name: `Tenant's own ${key}`,
        content: `{"owner":"${tenantId}","key":"${key}"}`,
        sha256: "f".repeat(64),
        versionId: `seed-${randomUUID()}`,
        source: null,
        updatedAt: "2026-01-01T00:00:00.000Z",
      };
      await tenantArtifactsOf(db).insertOne(artifact);
      return artifact;
    },

    /** An administrator changes an artifact in the tenant: a new version that no import wrote. */
    async edit(tenantId: string, key: string): Promise<string> {
      const versionId = `tenant-edit-${randomUUID()}`;
      const { matchedCount } = await tenantArtifactsOf(db).updateOne(
        { tenantId, key },
        { $set: { content: `{"editedBy":"${tenantId}"}`, sha256: "e".repeat(64), versionId, source: null } },
      );
      if (matchedCount !== 1) throw new Error(`no artifact ${key} in ${tenantId} to edit`);
      return versionId;
    },

    /** What the gateway records when it accepts a cancel of `installId` (the scanner and installer read it). */
    async cancel(operation: {
      installId: string;
      tenantId: string;
      requested: { packageId: string; version: string };
    }) {
      const event = {
        type: "InstallCancelRequested" as const,
        installId: operation.installId,
        tenantId: operation.tenantId,
        packageId: operation.requested.packageId,
        version: operation.requested.version,
        occurredAt: new Date().toISOString(),
        requestedBy: { userId: "canceller-1", email: "canceller@example.test" },
      };
      await cancellationsOf(db).insertOne({
        _id: event.installId,
        tenantId: event.tenantId,
        requestedAt: event.occurredAt,
        requestJson: JSON.stringify(event),
        published: false,
      });
      await bus.publisher.publish(event);
    },

    /** A new tenant that already has its own artifacts `keys` (seeded in that order), and its snapshot. */
    async seededTenant(...keys: string[]) {
      const tenantId = uniqueId("tenant");
      for (const key of keys) await this.seed(tenantId, key);
      return { tenantId, before: await this.snapshot(tenantId) };
    },

    /** The installer's journal of one import (null before the installer has started it). */
    journal: (importId: string) =>
      db.collection<ImportJournal>(installerCollections.journal).findOne({ _id: importId }),

    /** The installer's record of what the tenant has installed. */
    installed: (tenantId: string, packageId: string) =>
      db
        .collection<InstalledPackage>(installerCollections.installedPackages)
        .findOne({ _id: installedPackageId(tenantId, packageId) }),

    /** Every artifact of the tenant, whole documents (with _id), by key. */
    snapshot: (tenantId: string) => tenantArtifactsOf(db).find({ tenantId }).sort({ key: 1 }).toArray(),
    record: (importId: string) => importRecordsOf(db).findOne({ _id: importId }),
    auditLog: (importId: string): Promise<AuditEntryDocument[]> =>
      auditLogOf(db).find({ importId }).sort({ seq: 1 }).toArray(),

    /**
     * An installer process on these topics and this database (`script`: the installer's main, or a
     * variant of it); what it prints is kept (and never blocks it). close() kills it if still running.
     */
    spawnInstaller(
      childEnv: Record<string, string> = {},
      script = "services/installer/src/main.ts",
    ): ChildProcess & { printed: () => string } {
      const child = spawn(process.execPath, [script], {
        cwd: repositoryRoot,
        env: { ...process.env, ...env, ...childEnv },
        stdio: ["ignore", "pipe", "inherit"],
      });
      let printed = "";
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        printed += chunk;
      });
      children.push(child);
      return Object.assign(child, { printed: () => printed });
    },

    async close() {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await bus.close();
      await marketplace.close();
      await mongo.close();
    },
  };
}
export type Harness = Awaited<ReturnType<typeof startHarness>>;

/** Sends `signal` to a spawned installer and resolves once it has exited. */
export async function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

/** What a test may do before each artifact write of an in-process installer: hold it, or throw to fail it. */
export type BeforeApply = (...args: Parameters<InstallerDeps["artifacts"]["apply"]>) => Promise<void>;

/**
 * startHarness and an installer in this process on its config. `beforeApply`, when given, runs before
 * each write of the real artifact store. close() stops the installer, then the harness.
 */
export async function startHarnessWithInstaller(
  prefix: string,
  options: { env?: Record<string, string>; beforeApply?: BeforeApply } = {},
): Promise<Harness & { installer: RunningWorker }> {
  const harness = await startHarness(prefix, options.env);
  const { beforeApply } = options;
  let installer: RunningWorker;
  try {
    installer = await startInstaller(harness.config, undefined, {
      adapt: beforeApply
        ? (deps) => ({
            ...deps,
            artifacts: {
              ...deps.artifacts,
              apply: async (step, written) => {
                await beforeApply(step, written);
                return deps.artifacts.apply(step, written);
              },
            },
          })
        : undefined,
    });
  } catch (error) {
    await harness.close();
    throw error;
  }
  return {
    ...harness,
    installer,
    async close() {
      await installer.stop();
      await harness.close();
    },
  };
}

export interface ExampleInstall {
  installId: string;
  importId: string;
  tenantId: string;
  requested: InstallEventOf<"InstallRequested">;
}

/** An InstallRequested for an example package, as the gateway would publish it. */
export function installOf(
  pkg: PackageDocument,
  options: {
    tenantId: string;
    version?: string;
    defaultStrategy?: ConflictStrategy;
    overrides?: Record<string, ConflictStrategy>;
    dryRun?: boolean;
    upgradeType?: UpgradeType;
    allowDowngrade?: boolean;
  },
): ExampleInstall {
  const version = pkg.versions.find(
    (entry) => entry.version === (options.version ?? pkg.versions[0]?.version),
  );
  if (!version) throw new Error(`no version ${options.version} of ${pkg._id}`);
  const installId = uniqueId("mkt-install");
  const importId = `imp-${randomUUID()}`;
  return {
    installId,
    importId,
    tenantId: options.tenantId,
    requested: {
      type: "InstallRequested",
      installId,
      tenantId: options.tenantId,
      packageId: pkg._id,
      version: version.version,
      occurredAt: new Date().toISOString(),
      importId,
      packageName: pkg.name,
      trustLevel: pkg.trustLevel,
      archive: {
        path: version.archivePath,
        sha256: version.sha256,
        sizeBytes: version.sizeBytes,
        signature: version.signature,
      },
      publisher: { id: pkg.publisherId, name: pkg.publisherId, publicKey: null },
      conflict: { defaultStrategy: options.defaultStrategy ?? "Skip", overrides: options.overrides ?? {} },
      dryRun: options.dryRun ?? false,
      artifactCount: version.artifactCount,
      requestedBy: { userId: "user-1", email: "admin@example.test" },
      ...(options.upgradeType ? { upgradeType: options.upgradeType } : {}),
      ...(options.allowDowngrade !== undefined ? { allowDowngrade: options.allowDowngrade } : {}),
    },
  };
}

export interface ExampleUninstall {
  installId: string;
  importId: string;
  tenantId: string;
  requested: InstallEventOf<"UninstallRequested">;
}

/** An UninstallRequested, as the gateway would publish it. */
export function uninstallOf(
  pkg: PackageDocument,
  options: { tenantId: string; version?: string; force?: boolean },
): ExampleUninstall {
  const installId = uniqueId("mkt-install");
  const importId = `imp-${randomUUID()}`;
  return {
    installId,
    importId,
    tenantId: options.tenantId,
    requested: {
      type: "UninstallRequested",
      installId,
      tenantId: options.tenantId,
      packageId: pkg._id,
      version: options.version ?? pkg.versions[0]!.version,
      occurredAt: new Date().toISOString(),
      importId,
      packageName: pkg.name,
      force: options.force ?? false,
      requestedBy: { userId: "user-1", email: "admin@example.test" },
    },
  };
}

/** A verdict for the request's digest; without `approvedFiles` it is one from before that list existed. */
export function verdictOf(
  install: ExampleInstall,
  verdict: "PASS" | "WARN" | "FAIL",
  approvedFiles?: ApprovedFile[],
): InstallEventOf<"SecurityScanCompleted"> {
  const { installId, tenantId, packageId, version } = install.requested;
  return {
    type: "SecurityScanCompleted",
    installId,
    tenantId,
    packageId,
    version,
    occurredAt: new Date().toISOString(),
    verdict,
    findings: [],
    archiveSha256: install.requested.archive.sha256,
    ...(approvedFiles ? { approvedFiles } : {}),
  };
}

/**
 * What the scanner approves for each example version: the files the one archive reader reads from the
 * catalog's bytes (packed again from examples/, which gives the same bytes: the digest is checked).
 */
async function approvedExampleFiles(packages: PackageDocument[]): Promise<Map<string, ApprovedFile[]>> {
  const approved = new Map<string, ApprovedFile[]>();
  for (const pkg of packages) {
    for (const { version, sha256 } of pkg.versions) {
      const bytes = await packFolder(join(examplesRoot, "packages", pkg._id, version));
      if (sha256Hex(bytes) !== sha256) throw new Error(`${pkg._id}@${version} packs to other bytes`);
      const { files } = await readArchive(bytes, {
        maxEntries: 1000,
        maxUnpackedBytes: 64 * 1024 * 1024,
        maxCompressionRatio: 200,
      });
      approved.set(`${pkg._id}@${version}`, approvedFilesOf(files));
    }
  }
  return approved;
}

const installerEventTypes = new Set([
  "ImportStarted",
  "ArtifactInstalled",
  "InstallSucceeded",
  "InstallFailed",
  "UninstallStarted",
  "ArtifactRemoved",
  "UninstallSucceeded",
  "UninstallFailed",
]);

export function isTerminal(event: InstallEvent): boolean {
  return (
    event.type === "InstallSucceeded" ||
    event.type === "InstallFailed" ||
    event.type === "UninstallSucceeded" ||
    event.type === "UninstallFailed"
  );
}

export function ofType<T extends InstallEvent["type"]>(events: InstallEvent[], type: T): InstallEventOf<T>[] {
  return events.filter((event): event is InstallEventOf<T> => event.type === type);
}
