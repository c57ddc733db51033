import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createLogger, PermanentError, runConsumer } from "@installhub/shared";
import {
  configEnvironment,
  type EventBus,
  exampleEvents,
  isolatedConfig,
  startEventBus,
  uniqueId,
  waitFor,
} from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const config = isolatedConfig("ops");
const env = { ...process.env, ...configEnvironment(config) };
const ops = async (...args: string[]) =>
  (await run(process.execPath, ["scripts/ops/main.ts", ...args], { env })).stdout;
let bus: EventBus;
const installId = uniqueId("mkt-install");
const groupId = uniqueId("ops-group");

beforeAll(async () => {
  bus = await startEventBus(config);
  await bus.publisher.publish(exampleEvents({ installId, tenantId: uniqueId("tenant") }).ImportStarted);
  const admin = bus.kafka.admin();
  await admin.connect();
  // Twice, the second time after a reset to earliest and without a ledger: the DLQ then holds two
  // copies of one failure (same dlq_id), which the ops tool must treat as one letter.
  for (const round of [1, 2]) {
    if (round === 2)
      await admin.resetOffsets({ groupId, topic: config.INSTALL_EVENTS_TOPIC, earliest: true });
    const failing = await runConsumer({
      kafka: bus.kafka,
      codec: bus.codec,
      groupId,
      topic: config.INSTALL_EVENTS_TOPIC,
      dlqTopic: config.DLQ_TOPIC,
      logger: createLogger("ops-test", "silent"),
      handlers: {
        ImportStarted: async () => {
          throw new PermanentError("artifact store rejected the write");
        },
      },
    });
    await waitFor(
      async () => {
        const dlq = await admin.fetchTopicOffsets(config.DLQ_TOPIC);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [config.INSTALL_EVENTS_TOPIC] });
        return (
          dlq.reduce((sum, p) => sum + Number(p.high), 0) === round &&
          committed?.partitions.some((p) => p.offset !== "-1")
        );
      },
      { what: `dead letter ${round} and the failing group's commit past it` },
    );
    await failing.stop();
  }
  await admin.disconnect();
});

describe("pnpm ops", () => {
  it("lists dead letters with their error, group and attempts (copies of one failure as one), and redrives each at most once", async () => {
    const letters = JSON.parse(await ops("dlq", "list", "--json")) as {
      id: string;
      group: string;
      reason: string;
      error: string;
      installId: string;
      redrivenAt: string | null;
    }[];
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      group: groupId,
      reason: "permanent-error",
      installId,
      redrivenAt: null,
    });
    expect(letters[0]!.error).toContain("artifact store rejected the write");

    expect(await ops("dlq", "redrive", "all")).toContain(`redrove 1 dead letter(s): ${letters[0]!.id}`);
    await bus.waitForEvents(
      installId,
      (events) => events.filter((e) => e.type === "ImportStarted").length === 2,
    );
    expect(await ops("dlq", "redrive", "all")).toContain("redrove 0 dead letter(s)");
    const after = JSON.parse(await ops("dlq", "list", "--json")) as { redrivenAt: string | null }[];
    expect(after[0]!.redrivenAt).not.toBeNull();
  });

  it("describes the topics with offsets and each group's lag", async () => {
    const topics = JSON.parse(await ops("topics", "describe", "--json")) as Record<
      string,
      { partition: number; high: string; groups: Record<string, { lag: string }> }[]
    >;
    const events = topics[config.INSTALL_EVENTS_TOPIC]!;
    expect(events).toHaveLength(3);
    expect(events.reduce((sum, p) => sum + Number(p.high), 0)).toBeGreaterThanOrEqual(1);
    const withGroup = events.filter((p) => p.groups[groupId]);
    expect(withGroup.length).toBeGreaterThan(0);
    expect(topics[config.DLQ_TOPIC]!.reduce((sum, p) => sum + Number(p.high), 0)).toBe(2);
  });
});

afterAll(async () => {
  await bus.close();
});
