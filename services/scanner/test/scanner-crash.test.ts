import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { repositoryRoot } from "@installhub/shared";
import { configEnvironment, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scanVerdictsCollection } from "../src/data-access/scan-verdicts.ts";
import { type Harness, ofType, requestFor, settle, startHarness, waitForOutcome } from "./harness.ts";

let harness: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  harness = await startHarness("scanner-crash");
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await harness?.close();
});

/** The scanner as its own process, exactly as `npm start` runs it, on this file's topics and database. */
function spawnScanner(): ChildProcess {
  const { config } = harness;
  const child = spawn(process.execPath, [join(repositoryRoot, "services/scanner/src/main.ts")], {
    cwd: join(repositoryRoot, "services/scanner"),
    env: {
      ...process.env,
      ...configEnvironment(config),
      PUBLICHUB_CDN_URL: config.PUBLICHUB_CDN_URL,
      // The killed member's partitions move to the restarted one once its session expires.
      KAFKA_SESSION_TIMEOUT_MS: "10000",
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

it("brings an install to exactly one verdict when the scanner is SIGKILLed mid-download and restarted", async () => {
  const tenantId = uniqueId("tenant");
  const request = await requestFor(harness.mongo.db, tenantId, "acme-invoice-workflows", "3.0.0");
  harness.market.cdn.setFault((incoming) => incoming.url?.endsWith(request.archive.path) ?? false);

  const first = spawnScanner();
  await harness.bus.publisher.publish(request);
  await waitFor(() => harness.market.cdn.requests.includes(request.archive.path), {
    timeoutMs: 60_000,
    what: "the scanner's download request",
  });
  first.kill("SIGKILL");
  await once(first, "exit");
  harness.market.cdn.setFault(undefined);

  const second = spawnScanner();
  const events = await waitForOutcome(harness.bus, request);
  expect(ofType(events, "SecurityScanCompleted")[0]).toMatchObject({
    verdict: "PASS",
    archiveSha256: request.archive.sha256,
  });

  // A later install of the same tenant shares the partition: once its verdict is out, nothing more
  // about the first install is still on its way.
  await settle(harness, tenantId);
  expect(ofType(harness.bus.eventsOf(request.installId), "SecurityScanCompleted")).toHaveLength(1);
  expect(ofType(harness.bus.eventsOf(request.installId), "InstallFailed")).toEqual([]);
  expect(
    await harness.mongo.db
      .collection(scanVerdictsCollection)
      .countDocuments({ _id: request.installId as never }),
  ).toBe(1);

  second.kill("SIGTERM");
  const [code] = await once(second, "exit");
  expect(code).toBe(0);
}, 240_000);
