import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  connectMongo,
  consumerGroupId,
  type InstallEvent,
  type InstallEventOf,
  type MongoConnection,
  packagesOf,
  parseConfig,
  publishersOf,
  sha256Hex,
} from "@installhub/shared";
import {
  type EventBus,
  type ExampleMarketplace,
  isolatedConfig,
  startEventBus,
  startExampleMarketplace,
  uniqueId,
} from "@installhub/shared/testing";
import type { Db } from "mongodb";
import { type ScannerConfig, scannerConfigSchema } from "../src/config.ts";

export type InstallRequested = InstallEventOf<"InstallRequested">;

export interface Harness {
  config: ScannerConfig;
  mongo: MongoConnection;
  market: ExampleMarketplace;
  bus: EventBus;
  close(): Promise<void>;
}

/** Isolated topics and database, the example marketplace on a dev CDN, and a recorder of the topic. */
export async function startHarness(prefix: string, env: Record<string, string> = {}): Promise<Harness> {
  const base = isolatedConfig(prefix);
  const mongo = await connectMongo(base.MONGO_URL, base.MONGO_DB);
  const market = await startExampleMarketplace(mongo.db);
  const config: ScannerConfig = {
    // ClamAV only where a test asks for it: a CLAMD_URL in the environment names the clamd to use
    // (see clamd.ts), not one every scanner test should scan with.
    ...parseConfig(scannerConfigSchema, { ...process.env, CLAMD_URL: undefined, ...env }),
    ...base,
    PUBLICHUB_CDN_URL: market.cdn.url,
  };
  const bus = await startEventBus(config);
  return {
    config,
    mongo,
    market,
    bus,
    async close() {
      await bus.close();
      await market.close();
      await mongo.close();
    },
  };
}

/** An InstallRequested as the gateway builds it from the catalog. */
export async function requestFor(
  db: Db,
  tenantId: string,
  packageId: string,
  version: string,
): Promise<InstallRequested> {
  const pkg = await packagesOf(db).findOne({ _id: packageId });
  const entry = pkg?.versions.find((v) => v.version === version);
  if (!pkg || !entry) throw new Error(`${packageId}@${version} is not in the catalog`);
  const publisher = await publishersOf(db).findOne({ _id: pkg.publisherId });
  return {
    type: "InstallRequested",
    installId: uniqueId("mkt-install"),
    tenantId,
    packageId,
    version,
    occurredAt: new Date().toISOString(),
    importId: uniqueId("imp"),
    packageName: pkg.name,
    trustLevel: pkg.trustLevel,
    archive: {
      path: entry.archivePath,
      sha256: entry.sha256,
      sizeBytes: entry.sizeBytes,
      signature: entry.signature,
    },
    publisher: { id: pkg.publisherId, name: publisher?.name ?? "", publicKey: publisher?.publicKey ?? null },
    conflict: { defaultStrategy: "Skip", overrides: {} },
    dryRun: false,
    artifactCount: entry.artifactCount,
    requestedBy: { userId: "user-1", email: "admin@example.test" },
  };
}

/** Serves `bytes` from the CDN and points an unsigned Community request at them. */
export async function requestForArchive(
  market: ExampleMarketplace,
  tenantId: string,
  bytes: Buffer,
  packageId = "crafted-package",
): Promise<InstallRequested> {
  const path = `packages/crafted/${uniqueId(packageId)}.tgz`;
  await mkdir(dirname(join(market.cdnRoot, path)), { recursive: true });
  await writeFile(join(market.cdnRoot, path), bytes);
  return {
    type: "InstallRequested",
    installId: uniqueId("mkt-install"),
    tenantId,
    packageId,
    version: "1.0.0",
    occurredAt: new Date().toISOString(),
    importId: uniqueId("imp"),
    packageName: packageId,
    trustLevel: "Community",
    archive: { path, sha256: sha256Hex(bytes), sizeBytes: bytes.length, signature: null },
    publisher: { id: "test-publisher", name: "Test", publicKey: null },
    conflict: { defaultStrategy: "Skip", overrides: {} },
    dryRun: false,
    artifactCount: 1,
    requestedBy: { userId: "user-1", email: "admin@example.test" },
  };
}

export function ofType<T extends InstallEvent["type"]>(events: InstallEvent[], type: T): InstallEventOf<T>[] {
  return events.filter((event): event is InstallEventOf<T> => event.type === type);
}

/** Waits for the scanner's final word on an install: a verdict or a download failure. */
export function waitForOutcome(bus: EventBus, request: InstallRequested): Promise<InstallEvent[]> {
  return bus.waitForEvents(request.installId, (events) => {
    const completed = ofType(events, "SecurityScanCompleted")[0];
    const failed = ofType(events, "InstallFailed")[0];
    return completed?.verdict === "FAIL"
      ? failed !== undefined
      : completed !== undefined || failed !== undefined;
  });
}

/**
 * Waits until the scanner's group has handled (and committed) everything on the topic so far, then
 * until the bus has read everything the scanner published meanwhile: what a test counts afterwards is
 * final, on every partition.
 */
export async function settle(harness: Harness): Promise<void> {
  await harness.bus.groupCaughtUp(scannerGroup(harness), 90_000);
  await harness.bus.caughtUp();
}

/** The consumer group every scanner of this harness joins. */
export const scannerGroup = (harness: Harness) => consumerGroupId(harness.config, "scanner");
