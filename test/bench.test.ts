// The pure parts of `pnpm bench` (scripts/bench): what the Kafka floor replays, how round trips are read
// from /metrics, how a CPU profile is cut to a window, how a ratio is told. `pnpm bench --quick` in CI
// runs the rest against the real stack.
import { metricsRegistry, roundTripMetrics } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { parseRoundTrips, roundTripsBetween } from "../scripts/bench/counters.ts";
import { locationOf, selfTimes } from "../scripts/bench/profile.ts";
import { patternOf, type ReadRecord } from "../scripts/bench/publish-pattern.ts";
import { figure, markdownTable, percentile } from "../scripts/bench/report.ts";

const record = (batch: string, source: string, type: string, value = type): ReadRecord => ({
  batch,
  message: {
    value: Buffer.from(value),
    headers: {
      ce_source: Buffer.from(`installhub/${source}`),
      ce_type: Buffer.from(type),
      ce_subject: Buffer.from("i-1"),
    },
  },
});

describe("the publish pattern the Kafka floor replays", () => {
  it("groups one install's messages into sends by record batch and stages by service and trigger", () => {
    const pattern = patternOf([
      record("0:0", "gateway", "InstallRequested", "x".repeat(900)),
      record("0:1", "scanner", "SecurityScanStarted"),
      record("0:2", "scanner", "SecurityScanStarted"),
      record("0:3", "scanner", "SecurityScanCompleted"),
      record("0:4", "installer", "ImportStarted"),
      record("0:5", "installer", "ArtifactInstalled"),
      record("0:5", "installer", "ArtifactInstalled"), // one send of two events
      record("0:7", "installer", "InstallSucceeded"),
      record("0:8", "notifier", "NotificationDelivered"),
      record("0:9", "notifier", "NotificationDelivered"),
    ]);
    expect(pattern.accepted.map((send) => send.map((m) => m.type))).toEqual([["InstallRequested"]]);
    expect(pattern.accepted[0]![0]!.value.length).toBe(900);
    expect(pattern.accepted[0]![0]!.headers.ce_type!.toString()).toBe("InstallRequested");
    expect(pattern.stages.map((s) => [s.service, s.trigger, s.sends.map((send) => send.length)])).toEqual([
      ["scanner", "InstallRequested", [1, 1, 1]],
      ["installer", "SecurityScanCompleted", [1, 2, 1]],
      ["notifier", "InstallSucceeded", [1, 1]],
    ]);
  });

  it("refuses an install whose first event is not the gateway's", () => {
    expect(() => patternOf([record("0:0", "scanner", "SecurityScanStarted")])).toThrow(/not the gateway/);
  });
});

describe("round trips read from /metrics", () => {
  it("reads back what the shared round-trip metrics export, and subtracts two readings", async () => {
    const before = parseRoundTrips(await metricsRegistry.metrics());
    const { mongoCommands, mongoCommandDuration, kafkaRequestDuration } = roundTripMetrics();
    mongoCommands.inc({ command: "find" }, 3);
    mongoCommandDuration.observe({ command: "find" }, 0.25);
    kafkaRequestDuration.observe({ api: "Produce" }, 0.01);
    kafkaRequestDuration.observe({ api: "Produce" }, 0.01);
    kafkaRequestDuration.observe({ api: "OffsetCommit" }, 0.01);
    const between = roundTripsBetween(before, parseRoundTrips(await metricsRegistry.metrics()));
    expect(between.mongo).toEqual({ find: 3 });
    expect(between.kafka).toEqual({ Produce: 2, OffsetCommit: 1 });
    expect(between.mongoReplies).toBe(1);
    expect(between.mongoSeconds).toBeCloseTo(0.25);
  });
});

describe("CPU profile summary", () => {
  it("names a function's module and file, ours by repository path", () => {
    const url =
      "file:///work/x/node_modules/.pnpm/kafkajs@2.2.4/node_modules/kafkajs/src/network/connection.js";
    expect(locationOf(url, "send")).toEqual({ module: "kafkajs", file: "kafkajs/src/network/connection.js" });
    expect(locationOf("", "(garbage collector)").module).toBe("(garbage collector)");
    expect(locationOf("node:net", "write").module).toBe("node:net");
  });

  it("counts only the samples inside the window, each for the time until the next sample", () => {
    const frame = (functionName: string) => ({ functionName, url: "", lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(idle)") },
        { id: 2, callFrame: frame("work") },
      ],
      startTime: 1000,
      endTime: 1400,
      samples: [2, 2, 1, 2],
      timeDeltas: [100, 100, 100, 100], // samples at 1100, 1200, 1300, 1400
    };
    const { functions, total } = selfTimes(profile, 1150, 1350);
    expect(Object.fromEntries(functions)).toEqual({ work: 100, "(idle)": 100 });
    expect(total).toBe(200);
  });
});

describe("figures", () => {
  it("divide by the floor, print throughput as a share of it and times as a multiple", () => {
    const slow = figure({
      figure: "latency",
      value: 600,
      unit: "ms",
      floor: 40,
      better: "lower",
      floorIs: "x",
    });
    const rate = figure({
      figure: "rate",
      value: 72,
      unit: "installs/min",
      floor: 2880,
      better: "higher",
      floorIs: "x",
    });
    const none = figure({
      figure: "commands",
      value: 38,
      unit: "commands",
      floor: 0,
      better: "lower",
      floorIs: "x",
    });
    expect([slow.ratio, rate.ratio, none.ratio]).toEqual([15, 0.025, null]);
    const table = markdownTable([slow, rate, none]);
    expect(table).toContain("15.0×");
    expect(table).toContain("2.5 % of floor");
    expect(table).toContain("— (floor 0)");
  });

  it("take percentiles by nearest rank", () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNaN();
  });
});
