import { afterAll, describe, expect, it } from "vitest";
import { connectPlatform, createLogger, metricsRegistry, type Platform } from "../src/index.ts";
import { exampleEvents, isolatedConfig, uniqueId } from "../src/testing/index.ts";

/** The value of one sample on /metrics, e.g. `installhub_mongo_commands_total{command="find"}`. */
async function sample(name: string, labels: string): Promise<number> {
  const text = await metricsRegistry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}`));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

const platforms: Platform[] = [];

describe("round-trip counters (INSTALLHUB_BENCH_COUNTERS)", () => {
  it("count each MongoDB command and each Kafka produce request of a platform that turns them on", async () => {
    const config = { ...isolatedConfig("round-trips"), INSTALLHUB_BENCH_COUNTERS: true };
    const platform = await connectPlatform("round-trips", config, createLogger("test", "silent"));
    platforms.push(platform);
    const findsBefore = await sample("installhub_mongo_commands_total", 'command="find"');
    const producesBefore = await sample("installhub_kafka_request_duration_seconds_count", 'api="Produce"');

    const things = platform.mongo.db.collection<{ _id: string }>("things");
    for (let i = 0; i < 3; i++) await things.findOne({ _id: `thing-${i}` });
    const event = exampleEvents({ installId: uniqueId("mkt-install"), tenantId: "t1" }).InstallRequested;
    await platform.publisher.publish(event);
    await platform.publisher.publish([event, event]); // one send, so one request

    expect((await sample("installhub_mongo_commands_total", 'command="find"')) - findsBefore).toBe(3);
    expect(
      (await sample("installhub_kafka_request_duration_seconds_count", 'api="Produce"')) - producesBefore,
    ).toBe(2);
    expect(await sample("installhub_mongo_command_duration_seconds_count", 'command="find"')).toBeGreaterThan(
      0,
    );
  });

  it("attach no command listener when off", async () => {
    const config = isolatedConfig("no-round-trips");
    expect(config.INSTALLHUB_BENCH_COUNTERS).toBe(false);
    const platform = await connectPlatform("no-round-trips", config, createLogger("test", "silent"));
    platforms.push(platform);
    expect(platform.mongo.client.listenerCount("commandStarted")).toBe(0);
  });
});

afterAll(async () => {
  for (const platform of platforms) {
    await platform.mongo.db.dropDatabase();
    await platform.close();
  }
});
