import type { RunningWorker } from "@installhub/shared";
import { uniqueId } from "@installhub/shared/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startScanner } from "../src/service.ts";
import { startClamd } from "./clamd.ts";
import { type Harness, ofType, requestFor, startHarness, waitForOutcome } from "./harness.ts";

let harness: Harness;
let scanner: RunningWorker;

beforeAll(async () => {
  const clamdUrl = await startClamd();
  harness = await startHarness("scanner-clamav", { CLAMD_URL: clamdUrl, OPS_PORT: "0" });
  scanner = await startScanner(harness.config);
}, 300_000);

afterAll(async () => {
  await scanner?.stop();
  await harness?.close();
});

it("checks clamd in /readyz and adds ClamAV's detections to the findings", async () => {
  const ready = await fetch(`http://127.0.0.1:${scanner.opsPort}/readyz`);
  expect(ready.status).toBe(200);
  expect(JSON.stringify(await ready.json())).toContain("clamd");

  const shady = await requestFor(harness.mongo.db, uniqueId("tenant"), "shady-toolkit", "1.0.0");
  const clean = await requestFor(harness.mongo.db, uniqueId("tenant"), "acme-invoice-workflows", "3.0.0");
  await harness.bus.publisher.publish([shady, clean]);

  const blocked = ofType(await waitForOutcome(harness.bus, shady), "SecurityScanCompleted")[0];
  expect(blocked?.verdict).toBe("FAIL");
  expect(blocked?.findings.map((f) => [f.ruleId, f.file])).toEqual([
    ["malware.eicar", "artifacts/cleanup-helper.txt"],
    ["clamav.detection", "artifacts/cleanup-helper.txt"],
  ]);
  const passed = ofType(await waitForOutcome(harness.bus, clean), "SecurityScanCompleted")[0];
  expect(passed).toMatchObject({ verdict: "PASS", findings: [] });
});
