import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { repositoryRoot } from "@installhub/shared";
import { configEnvironment, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scanVerdictsCollection } from "../src/data-access/scan-verdicts.ts";
import {
  type Harness,
  ofType,
  requestFor,
  scannerGroup,
  settle,
  startHarness,
  waitForOutcome,
} from "./harness.ts";

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

/** The request's offset, and how far the scanner group has committed its partition. */
async function requestCommit(request: { installId: string }) {
  const position = await waitFor(() => harness.bus.positionOf(request.installId, "InstallRequested"), {
    what: "the request on the bus",
  });
  const committed = (await harness.bus.committedOffsets(scannerGroup(harness))).get(position.partition) ?? 0n;
  return { request: position.offset, committed };
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
  // Killed while handling the request: the group has not committed past it, so it comes again.
  const killed = await requestCommit(request);
  expect(killed.committed).toBeLessThanOrEqual(killed.request);

  const second = spawnScanner();
  const events = await waitForOutcome(harness.bus, request);
  expect(ofType(events, "SecurityScanCompleted")[0]).toMatchObject({
    verdict: "PASS",
    archiveSha256: request.archive.sha256,
  });

  await settle(harness);
  const restarted = await requestCommit(request);
  expect(restarted.committed).toBeGreaterThan(restarted.request);
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
