import { MongoNetworkError, MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { classifyFailure, describeError, PermanentError, TransientError } from "./failures.ts";

const withName = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });

describe("classifyFailure", () => {
  it.each([
    ["a store that cannot be reached", withName("MongoServerSelectionError")],
    ["a store connection that broke", new MongoNetworkError("connection reset")],
    ["a store that timed out", withName("MongoNetworkTimeoutError")],
    [
      "FerretDB's busy SQLite database",
      new MongoServerError({ code: 1, errmsg: "[collection.go:135] database is locked (5) (SQLITE_BUSY)" }),
    ],
    ["a primary stepping down", new MongoServerError({ code: 189, errmsg: "stepped down" })],
    ["a store shutting down", new MongoServerError({ code: 91, errmsg: "shutdown in progress" })],
    [
      "a retryable write",
      new MongoServerError({ code: 1, errmsg: "x", errorLabels: ["RetryableWriteError"] }),
    ],
    ["a broker that cannot be reached", withName("KafkaJSConnectionError")],
    ["a broker that timed out", withName("KafkaJSRequestTimeoutError")],
    ["a broker's exhausted retries", withName("KafkaJSNumberOfRetriesExceeded")],
    ["a retriable broker error", withName("KafkaJSProtocolError", { retriable: true })],
    ["a refused socket", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
    ["a reset socket", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })],
    [
      "an unreachable registry via fetch",
      Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
    ],
    ["a registry answering 503", Object.assign(new Error("Service Unavailable"), { status: 503 })],
    ["an overloaded peer (429)", Object.assign(new Error("Too Many Requests"), { status: 429 })],
    ["a timeout", withName("TimeoutError")],
    ["our own transient error", new TransientError("the CDN is restarting")],
    [
      "a transient cause under a wrapper",
      new Error("publish failed", { cause: withName("KafkaJSConnectionError") }),
    ],
  ])("waits out %s", (_, error) => {
    expect(classifyFailure(error)).toBe("transient");
  });

  it.each([
    ["a store refusing a document", new MongoServerError({ code: 2, errmsg: 'invalid key: "$where"' })],
    ["a duplicate key", new MongoServerError({ code: 11000, errmsg: "E11000" })],
    ["a non-retriable broker error", withName("KafkaJSProtocolError", { retriable: false })],
    ["invalid data", new z.ZodError([])],
    ["our own permanent error", new PermanentError("no request on record")],
    ["a bug", new TypeError("Cannot read properties of undefined")],
    ["a registry answering 404", Object.assign(new Error("Not Found"), { status: 404 })],
    ["something unknown", new Error("what is this")],
    ["a string", "boom"],
    ["nothing", undefined],
  ])("ends the work for %s", (_, error) => {
    expect(classifyFailure(error)).toBe("deterministic");
  });

  it("survives a cause chain that loops", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyFailure(a)).toBe("deterministic");
  });
});

describe("describeError", () => {
  it("names the error and keeps it on one line for zod errors", () => {
    expect(describeError(new PermanentError("no request"))).toBe("PermanentError: no request");
    const zod = z.object({ a: z.string(), b: z.number() }).safeParse({});
    expect(describeError(zod.error)).toMatch(/^schema-invalid: .+; .+/);
    expect(describeError(42)).toBe("42");
  });
});
