import { consumerGroupId, type RunningWorker } from "@installhub/shared";
import { uniqueId, waitFor } from "@installhub/shared/testing";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installerCollections } from "../src/data-access/collections.ts";
import { startInstaller } from "../src/service.ts";
import { type Harness, installOf, startHarness, uninstallOf } from "./harness.ts";

let harness: Harness;
let installer: RunningWorker | undefined;
let admin: Admin;

beforeAll(async () => {
  harness = await startHarness("installer-lifecycle-replay");
  admin = harness.bus.kafka.admin();
  await admin.connect();
  installer = await startInstaller(harness.config);
});

afterAll(async () => {
  await installer?.stop();
  await admin?.disconnect();
  await harness?.close();
});

const topic = () => harness.config.INSTALL_EVENTS_TOPIC;
const groupId = () => consumerGroupId(harness.config, "installer");
const topicEnd = async () =>
  (await admin.fetchTopicOffsets(topic())).map(({ partition, high }) => ({ partition, high }));

async function groupCaughtUp(): Promise<boolean> {
  const end = await topicEnd();
  const [committed] = await admin.fetchOffsets({ groupId: groupId(), topics: [topic()] });
  return end.every(
    ({ partition, high }) =>
      high === "0" || committed?.partitions.find((entry) => entry.partition === partition)?.offset === high,
  );
}

/** Everything the installer keeps, whole documents. */
async function everything() {
  const all = async (collection: string) =>
    harness.db.collection(collection).find().sort({ _id: 1 }).toArray();
  return {
    artifacts: await all(installerCollections.tenantArtifacts),
    journals: await all(installerCollections.journal),
    installed: await all(installerCollections.installedPackages),
    waiting: await all(installerCollections.waitingUninstalls),
    records: await all("import_records"),
    audit: await all("import_audit_log"),
  };
}

describe("installer: replaying upgrades, uninstalls and cancels", () => {
  it("resetting the consumer group to the earliest offset changes nothing and emits nothing", async () => {
    const expense = harness.packageNamed("acme-expense-approvals");
    const tenantId = uniqueId("tenant");
    const first = installOf(expense, { tenantId, version: "2.1.0" });
    await harness.publishInstall(first);
    await harness.outcomeOf(first);
    await harness.edit(tenantId, "travel-report");
    // An upgrade and an uninstall together (the uninstall waits for the upgrade), then a cancelled install.
    const upgrade = installOf(expense, { tenantId, version: "3.0.0" });
    const uninstall = uninstallOf(expense, { tenantId });
    await harness.bus.publisher.publish([upgrade.requested, uninstall.requested]);
    await harness.bus.publisher.publish(harness.verdictFor(upgrade));
    await harness.outcomeOf(uninstall);
    const cancelled = installOf(expense, { tenantId, version: "3.0.0" });
    await harness.bus.publisher.publish(cancelled.requested);
    await harness.cancel(cancelled);
    await harness.bus.publisher.publish(harness.verdictFor(cancelled));
    await harness.outcomeOf(cancelled);

    await waitFor(groupCaughtUp, { timeoutMs: 60_000, what: "the installer to commit every event" });
    await installer?.stop();
    installer = undefined;
    const before = await everything();
    const endBefore = await topicEnd();
    expect(before.journals).toHaveLength(4);
    expect(before.waiting).toHaveLength(1);

    await admin.resetOffsets({ groupId: groupId(), topic: topic(), earliest: true });
    expect(await groupCaughtUp()).toBe(false);
    installer = await startInstaller(harness.config);
    await waitFor(groupCaughtUp, { timeoutMs: 90_000, what: "the installer to consume the topic again" });

    expect(await everything()).toEqual(before);
    expect(await topicEnd()).toEqual(endBefore);
  });
});
