import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connectMongo, type InstallEvent } from "@installhub/shared";
import {
  configEnvironment,
  exampleEvents,
  isolatedConfig,
  startEventBus,
  uniqueId,
} from "@installhub/shared/testing";
import { afterAll, describe, expect, it } from "vitest";
import { installStatusStore } from "../services/gateway/src/data-access/install-status-store.ts";

const run = promisify(execFile);
const config = isolatedConfig("replay");
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
const bus = await startEventBus(config);

function lifecycle(tenantId: string, outcome: "success" | "failure" | "running"): InstallEvent[] {
  const e = exampleEvents({ installId: uniqueId("mkt-install"), tenantId });
  const started = [e.InstallRequested, e.SecurityScanStarted, e.SecurityScanCompleted, e.ImportStarted];
  const artifacts = [1, 2, 3].map((index) => ({
    ...e.ArtifactInstalled,
    index,
    key: `a${index}`,
    resultingKey: `a${index}`,
  }));
  if (outcome === "failure") return [e.InstallRequested, e.SecurityScanStarted, e.InstallFailed];
  if (outcome === "running") return [...started, ...artifacts];
  return [...started, ...artifacts, e.InstallSucceeded];
}

describe("pnpm ops replay-status", () => {
  it("rebuilds install_status from offset 0 into a new collection and swaps it in", async () => {
    const tenantId = uniqueId("tenant");
    const events = [
      ...lifecycle(tenantId, "success"),
      ...lifecycle(tenantId, "failure"),
      ...lifecycle(tenantId, "running"),
    ];
    await bus.publisher.publish(events);

    // What the live projector would have built; then damage it the ways an incident could.
    const store = installStatusStore(mongo.db);
    for (const event of events) await store.apply(event);
    const strip = ({ revision: _revision, ...rest }: Record<string, unknown>) => rest;
    const expected = (await mongo.db.collection("install_status").find().sort({ _id: 1 }).toArray()).map(
      strip,
    );
    expect(expected).toHaveLength(3);
    await mongo.db.collection("install_status").deleteOne({ _id: expected[0]!._id as never });
    await mongo.db
      .collection("install_status")
      .updateOne({ _id: expected[1]!._id as never }, { $set: { status: "InProgress" } });

    const { stdout, stderr } = await run(process.execPath, ["scripts/ops/main.ts", "replay-status"], {
      env: { ...process.env, ...configEnvironment(config) },
    });
    expect(stdout).toMatch(new RegExp(`rebuilt 3 install statuses from ${events.length} events`));
    expect(stderr).toMatch(/events\/s/);

    const rebuilt = (await mongo.db.collection("install_status").find().sort({ _id: 1 }).toArray()).map(
      strip,
    );
    expect(rebuilt).toEqual(expected);
    const collections = (await mongo.db.listCollections().toArray()).map((c) => c.name);
    expect(collections.filter((name) => name.startsWith("install_status"))).toEqual(["install_status"]);
  });
});

afterAll(async () => {
  await bus.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});
