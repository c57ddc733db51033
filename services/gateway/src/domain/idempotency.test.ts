import { describe, expect, it } from "vitest";
import { idempotencyWindowMs, keyOnRecord } from "./idempotency.ts";

const createdAt = new Date("2026-05-25T10:30:00.000Z");
const after = (ms: number) => new Date(createdAt.getTime() + ms);
const pending = { fingerprint: "f1", state: "pending" as const, createdAt };
const completed = { ...pending, state: "completed" as const };
const acceptTimeoutMs = 10_000;

describe("keyOnRecord", () => {
  it("remembers a key for 24 h: forgotten at exactly 24 h, whatever it was", () => {
    expect(idempotencyWindowMs).toBe(86_400_000);
    expect(keyOnRecord(completed, "f1", after(idempotencyWindowMs - 1), acceptTimeoutMs)).toBe("replay");
    expect(keyOnRecord(completed, "f1", after(idempotencyWindowMs), acceptTimeoutMs)).toBe("expired");
    expect(keyOnRecord(pending, "other", after(idempotencyWindowMs), acceptTimeoutMs)).toBe("expired");
  });

  it("refuses the same key with another request before anything else, even while the first runs", () => {
    expect(keyOnRecord(pending, "f2", createdAt, acceptTimeoutMs)).toBe("mismatch");
    expect(keyOnRecord(completed, "f2", after(1), acceptTimeoutMs)).toBe("mismatch");
  });

  it("replays an accepted request at once, however young", () => {
    expect(keyOnRecord(completed, "f1", createdAt, acceptTimeoutMs)).toBe("replay");
  });

  it("waits for a pending request until a second past the accept timeout, then settles it", () => {
    expect(keyOnRecord(pending, "f1", createdAt, acceptTimeoutMs)).toBe("in-flight");
    expect(keyOnRecord(pending, "f1", after(acceptTimeoutMs + 1000), acceptTimeoutMs)).toBe("in-flight");
    expect(keyOnRecord(pending, "f1", after(acceptTimeoutMs + 1001), acceptTimeoutMs)).toBe("settle");
  });
});
