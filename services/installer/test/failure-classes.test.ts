import { uniqueId } from "@installhub/shared/testing";
import { MongoNetworkError, MongoServerError } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, installOf, startHarnessWithInstaller } from "./harness.ts";

/**
 * A store failure is either waited out (the store is away) or ends the install (the store refuses the
 * document): never a message in the DLQ with the install left InProgress (docs/design.md §8).
 */
let harness: Harness;
/** Tenants whose third artifact write fails, and how. */
const failing = new Map<string, { kind: "refused" | "away"; remaining: number }>();

beforeAll(async () => {
  harness = await startHarnessWithInstaller("installer-failures", {
    env: { CONSUMER_MAX_BACKOFF_MS: "300", LOG_LEVEL: "silent" },
    beforeApply: async (step, written) => {
      const failure = failing.get(written.tenantId);
      if (failure && step.index === 3 && failure.remaining > 0) {
        failure.remaining--;
        if (failure.kind === "refused") {
          throw new MongoServerError({
            code: 2,
            errmsg: "invalid key: \"$where\" (key must not start with '$')",
          });
        }
        throw new MongoNetworkError("connection to the store was reset");
      }
    },
  });
});

afterAll(async () => {
  await harness?.close();
});

describe("installer: failure classes", () => {
  it("ends an import the store refuses with InstallFailed InternalError, rolled back, and goes on", async () => {
    const tenantId = uniqueId("tenant");
    failing.set(tenantId, { kind: "refused", remaining: Number.POSITIVE_INFINITY });
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), { tenantId, version: "3.0.0" });
    await harness.publishInstall(install);

    const events = await harness.outcomeOf(install);
    expect(events.at(-1)).toMatchObject({
      type: "InstallFailed",
      stage: "Installing",
      error: "InternalError",
      rolledBack: true,
      details: { reason: expect.stringContaining("$where") },
    });
    // The two artifacts written before the refusal were rolled back: the tenant is as it was.
    expect(await harness.snapshot(tenantId)).toEqual([]);
    expect(await harness.record(install.importId)).toMatchObject({
      status: "Failed",
      error: { code: "InternalError" },
      rolledBack: true,
    });

    // The installer goes on: the next install of another tenant succeeds.
    const next = installOf(harness.packageNamed("acme-invoice-workflows"), {
      tenantId: uniqueId("tenant"),
      version: "3.0.0",
    });
    await harness.publishInstall(next);
    expect((await harness.outcomeOf(next)).at(-1)?.type).toBe("InstallSucceeded");
  });

  it("waits out a store that is away, however many tries it takes, and then succeeds", async () => {
    const tenantId = uniqueId("tenant");
    // More failures than a deterministic failure is ever tried: only waiting gets past them.
    failing.set(tenantId, { kind: "away", remaining: 6 });
    const install = installOf(harness.packageNamed("acme-invoice-workflows"), { tenantId, version: "3.0.0" });
    await harness.publishInstall(install);

    const events = await harness.outcomeOf(install);
    expect(events.at(-1)).toMatchObject({ type: "InstallSucceeded", artifactsInstalled: 5 });
    expect(failing.get(tenantId)?.remaining).toBe(0);
    expect((await harness.snapshot(tenantId)).map((artifact) => artifact.key)).toHaveLength(5);
  });
});
