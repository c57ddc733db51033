import { consumerGroupId, type RunningWorker } from "@installhub/shared";
import { uniqueId, waitFor } from "@installhub/shared/testing";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstaller } from "../src/service.ts";
import { type ExampleInstall, type Harness, installOf, ofType, startHarness } from "./harness.ts";

let harness: Harness;
let installer: RunningWorker | undefined;
let admin: Admin;
let groupId: string;

beforeAll(async () => {
  harness = await startHarness("installer-ordering");
  admin = harness.bus.kafka.admin();
  await admin.connect();
  installer = await startInstaller(harness.config);
  groupId = consumerGroupId(harness.config, "installer");
});

afterAll(async () => {
  await installer?.stop();
  await admin?.disconnect();
  await harness?.close();
});

/** Two installs whose artifact keys overlap: the second renames what the first installed. */
function overlappingInstalls(tenantId: string): [ExampleInstall, ExampleInstall] {
  return [
    installOf(harness.packageNamed("acme-invoice-workflows"), { tenantId, version: "3.0.0" }),
    installOf(harness.packageNamed("acme-reporting-pack"), { tenantId, defaultStrategy: "Rename" }),
  ];
}

async function tenantContents(tenantId: string) {
  return (await harness.snapshot(tenantId)).map(({ key, name, content, source }) => ({
    key,
    name,
    content,
    packageId: source?.packageId,
  }));
}

const topicEnd = async () =>
  (await admin.fetchTopicOffsets(harness.config.INSTALL_EVENTS_TOPIC)).map(({ partition, high }) => ({
    partition,
    high,
  }));

async function groupCaughtUp(): Promise<boolean> {
  const end = await topicEnd();
  const [committed] = await admin.fetchOffsets({ groupId, topics: [harness.config.INSTALL_EVENTS_TOPIC] });
  return end.every(
    ({ partition, high }) =>
      high === "0" || committed?.partitions.find((entry) => entry.partition === partition)?.offset === high,
  );
}

const sequentialTenant = uniqueId("tenant-seq");
const overlappingTenant = uniqueId("tenant-overlap");

describe("installer: one tenant's installs apply one after the other", () => {
  it("two overlapping installs end as if run in sequence", async () => {
    for (const install of overlappingInstalls(sequentialTenant)) {
      await harness.publishInstall(install);
      await harness.outcomeOf(install);
    }

    const [first, second] = overlappingInstalls(overlappingTenant);
    await harness.bus.publisher.publish([
      first.requested,
      second.requested,
      harness.verdictFor(first),
      harness.verdictFor(second),
    ]);
    const firstEvents = await harness.outcomeOf(first);
    const secondEvents = await harness.outcomeOf(second);

    expect(await tenantContents(overlappingTenant)).toEqual(await tenantContents(sequentialTenant));
    expect(
      ofType(secondEvents, "ArtifactInstalled").map((event) => [event.action, event.resultingKey]),
    ).toEqual([
      ["Renamed", "invoice-dashboard-2"],
      ["Renamed", "overdue-report-2"],
      ["Renamed", "invoice-approval-2"],
      ["Created", "reporting-schedule"],
    ]);
    const order = harness.bus.events;
    const firstDone = order.indexOf(ofType(firstEvents, "InstallSucceeded")[0]!);
    const secondStarted = order.indexOf(ofType(secondEvents, "ImportStarted")[0]!);
    expect(firstDone).toBeLessThan(secondStarted);
  });
});

describe("installer: replay", () => {
  it("resetting the consumer group to the earliest offset changes nothing and emits nothing", async () => {
    await waitFor(groupCaughtUp, { timeoutMs: 60_000, what: "the installer to commit every event" });
    await installer?.stop();
    installer = undefined;

    const importIds = (await harness.db.collection("import_records").find().toArray()).map(
      (record) => record._id,
    );
    const before = {
      sequential: await harness.snapshot(sequentialTenant),
      overlapping: await harness.snapshot(overlappingTenant),
      records: await harness.db.collection("import_records").find().sort({ _id: 1 }).toArray(),
      audit: await harness.db.collection("import_audit_log").find().sort({ _id: 1 }).toArray(),
      topicEnd: await topicEnd(),
    };
    expect(importIds).toHaveLength(4);

    await admin.resetOffsets({ groupId, topic: harness.config.INSTALL_EVENTS_TOPIC, earliest: true });
    expect(await groupCaughtUp()).toBe(false);
    installer = await startInstaller(harness.config);
    groupId = consumerGroupId(harness.config, "installer");
    await waitFor(groupCaughtUp, { timeoutMs: 60_000, what: "the installer to consume the topic again" });

    expect(await harness.snapshot(sequentialTenant)).toEqual(before.sequential);
    expect(await harness.snapshot(overlappingTenant)).toEqual(before.overlapping);
    expect(await harness.db.collection("import_records").find().sort({ _id: 1 }).toArray()).toEqual(
      before.records,
    );
    expect(await harness.db.collection("import_audit_log").find().sort({ _id: 1 }).toArray()).toEqual(
      before.audit,
    );
    expect(await topicEnd()).toEqual(before.topicEnd);
  });
});
