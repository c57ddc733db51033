import { describe, expect, it } from "vitest";
import { admissionQueue, DeadlineExceeded } from "../src/deadline.ts";

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};

describe("admissionQueue", () => {
  it("runs at most `limit` at once and the rest first come first served", async () => {
    const admit = admissionQueue(2);
    const started: number[] = [];
    const gates = [gate(), gate(), gate(), gate()];
    const far = Date.now() + 60_000;
    const runs = gates.map((g, i) =>
      admit(far, async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    gates[1]!.open();
    await runs[1];
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    await runs[0];
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!.open();
    gates[3]!.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  });

  it("refuses work still in line at its deadline without starting it, and frees no slot twice", async () => {
    const admit = admissionQueue(1);
    const holder = gate();
    const held = admit(Date.now() + 60_000, () => holder.opened);
    let ran = false;
    await expect(
      admit(Date.now() + 20, async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(ran).toBe(false);
    holder.open();
    await held;
    // The slot is free again, exactly one: two more run one after the other.
    const order: string[] = [];
    const slow = gate();
    const a = admit(Date.now() + 60_000, async () => {
      order.push("a");
      await slow.opened;
    });
    const b = admit(Date.now() + 60_000, async () => {
      order.push("b");
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["a"]);
    slow.open();
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "b"]);
  });

  it("frees the slot when the work throws", async () => {
    const admit = admissionQueue(1);
    await expect(admit(Date.now() + 1000, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await admit(Date.now() + 1000, async () => "next")).toBe("next");
  });
});
