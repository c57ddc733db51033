import type { InstallEvent } from "@installhub/shared";
import { ensureIndexes } from "@installhub/shared";
import { exampleEvents, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installStatusIndexes, installStatusStore } from "../src/data-access/install-status-store.ts";
import { startProjector } from "../src/entry-points/projector.ts";
import { installPath, startTestGateway, type TestGateway } from "./harness.ts";

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway("gateway-projector");
});
afterAll(async () => {
  await t?.close();
});

/** Documents without the concurrency token, which counts writes rather than describing the install. */
async function snapshot(collection: string) {
  const documents = await t.gateway.platform.mongo.db
    .collection(collection)
    .find()
    .sort({ _id: 1 })
    .toArray();
  return documents.map(({ revision: _revision, ...document }) => document);
}

describe("status projector", () => {
  it("rebuilds identical documents when replayed from the earliest offset", async () => {
    const tenant = uniqueId("tenant");
    const token = await t.token({ tenants: [tenant] });
    const installIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = await t.call("POST", installPath("acme-invoice-workflows"), {
        token,
        body: { targetTenantId: tenant },
      });
      installIds.push(accepted.body.installId);
    }
    const [succeeding, failing] = installIds.map((installId) =>
      exampleEvents({ installId, tenantId: tenant }),
    );
    const lifecycle: InstallEvent[] = [
      { ...succeeding!.SecurityScanStarted, phase: "Scanning" },
      succeeding!.ImportStarted,
      ...[1, 2, 3, 4, 5].map((index) => ({ ...succeeding!.ArtifactInstalled, index })),
      succeeding!.InstallSucceeded,
      { ...succeeding!.ArtifactInstalled, index: 2 }, // a redelivered straggler
      succeeding!.NotificationDelivered,
      failing!.SecurityScanCompleted,
      failing!.InstallFailed,
      failing!.InstallFailed,
    ];
    await t.bus.publisher.publish(lifecycle);
    const statusOf = (installId: string) =>
      t.call("GET", `/api/marketplace/installs/${installId}/status`, { token });
    await waitFor(
      async () =>
        (await statusOf(installIds[0]!)).body.status === "Success" &&
        (await statusOf(installIds[1]!)).body.status === "Failed",
      { timeoutMs: 60_000, what: "live projection" },
    );

    // A second projector, in a fresh group (so from the earliest offset), into its own collection.
    const rebuilt = `install_status_rebuild_${uniqueId("r").replace("-", "_")}`;
    await ensureIndexes(t.gateway.platform.mongo.db, installStatusIndexes(rebuilt));
    const replay = await startProjector({
      platform: t.gateway.platform,
      config: t.config,
      store: installStatusStore(t.gateway.platform.mongo.db, rebuilt),
      groupId: uniqueId("projector-replay"),
    });
    try {
      const live = await snapshot("install_status");
      await waitFor(async () => (await snapshot(rebuilt)).length === live.length && true, {
        timeoutMs: 60_000,
        what: "the replay to catch up",
      });
      await waitFor(
        async () => {
          const replayed = await snapshot(rebuilt);
          return JSON.stringify(replayed) === JSON.stringify(live);
        },
        { timeoutMs: 60_000, what: "identical documents" },
      ).catch(async () => expect(await snapshot(rebuilt)).toEqual(live));
      expect(await snapshot(rebuilt)).toEqual(await snapshot("install_status"));
      expect(live.filter((document) => installIds.includes(String(document._id)))).toHaveLength(3);
    } finally {
      await replay.stop();
    }
  });
});
