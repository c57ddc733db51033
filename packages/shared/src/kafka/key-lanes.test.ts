import { describe, expect, it } from "vitest";
import { CommittableOffset, lanesByKey, runLanes } from "./key-lanes.ts";

const message = (key: string | null, offset: string) => ({
  key: key === null ? null : Buffer.from(key),
  offset,
});

describe("lanesByKey", () => {
  it("keeps each key's messages in offset order, lanes in order of first appearance, null keys together", () => {
    const lanes = lanesByKey([
      message("b", "1"),
      message("a", "2"),
      message(null, "3"),
      message("b", "4"),
      message(null, "5"),
      message("a", "6"),
    ]);
    expect(lanes.map((lane) => lane.map((m) => m.offset))).toEqual([
      ["1", "4"],
      ["2", "6"],
      ["3", "5"],
    ]);
  });

  it("tells keys apart byte for byte, also keys that are not valid UTF-8", () => {
    const bytes = (...values: number[]) => ({ key: Buffer.from(values), offset: values.join() });
    // 0xff and 0xfe both decode to U+FFFD as UTF-8: read as text they would share a lane
    const lanes = lanesByKey([bytes(0xff), bytes(0xfe), bytes(0xff)]);
    expect(lanes.map((lane) => lane.length)).toEqual([2, 1]);
  });

  it("gives no lanes for no messages", () => {
    expect(lanesByKey([])).toEqual([]);
  });
});

describe("CommittableOffset", () => {
  it("moves only over an unbroken run of finished offsets from the batch's start", () => {
    const tracker = new CommittableOffset(["5", "6", "7", "8"]);
    expect(tracker.finish("6")).toBeUndefined();
    expect(tracker.finish("8")).toBeUndefined();
    expect(tracker.complete).toBe(false);
    expect(tracker.finish("5")).toBe("6");
    expect(tracker.finish("7")).toBe("8");
    expect(tracker.complete).toBe(true);
  });

  it("ignores a repeated finish and an empty batch is complete", () => {
    const tracker = new CommittableOffset(["1", "2"]);
    expect(tracker.finish("1")).toBe("1");
    expect(tracker.finish("1")).toBeUndefined();
    expect(new CommittableOffset([]).complete).toBe(true);
  });
});

describe("runLanes", () => {
  it("runs at most `concurrency` lanes at once and every lane exactly once", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runLanes([1, 2, 3, 4, 5], 2, async (lane) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(lane);
      running--;
    });
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("rejects with the error that came first when lanes running together both fail", async () => {
    const failing = runLanes([20, 1], 2, async (ms) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      throw new Error(`failed after ${ms} ms`);
    });
    // (toMatchObject, not toThrow: vitest lets `rejects.toThrow(message)` pass for a rejection with `undefined`)
    await expect(failing).rejects.toMatchObject({ message: "failed after 1 ms" });
  });

  it("runs lanes one at a time for a concurrency below 1, and resolves for no lanes", async () => {
    const order: string[] = [];
    await runLanes(["a", "b"], 0, async (lane) => {
      order.push(`start ${lane}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
      order.push(`end ${lane}`);
    });
    expect(order).toEqual(["start a", "end a", "start b", "end b"]);
    await expect(runLanes([], 4, async () => {})).resolves.toBeUndefined();
  });

  it("rejects with the first error and starts no lane after it", async () => {
    const started: number[] = [];
    await expect(
      runLanes([1, 2, 3], 1, async (lane) => {
        started.push(lane);
        if (lane === 2) throw new Error("lane 2 failed");
      }),
    ).rejects.toMatchObject({ message: "lane 2 failed" });
    expect(started).toEqual([1, 2]);
  });
});
