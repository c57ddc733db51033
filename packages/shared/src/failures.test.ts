import { MongoNetworkError, MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  classifyFailure,
  describeError,
  isDatabaseUnavailable,
  PermanentError,
  TransientError,
} from "./failures.ts";

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

describe("isDatabaseUnavailable", () => {
  it.each([
    ["a broken connection", new MongoNetworkError("connection 6 to 127.0.0.1:27017 closed")],
    ["no server to select", withName("MongoServerSelectionError")],
    ["a timed-out connection", withName("MongoNetworkTimeoutError")],
    // What a database frozen or killed under load gave the gateway's operations (the chaos run):
    ["a pool cleared under the operation", withName("MongoPoolClearedError")],
    [
      "a pool cleared because the monitor timed out",
      withName("PoolClearedOnNetworkError", { cause: withName("MongoNetworkTimeoutError") }),
    ],
    ["a closed client", withName("MongoTopologyClosedError")],
    ["a server shutting down", new MongoServerError({ code: 91, errmsg: "shutdown in progress" })],
    [
      "a write the server says to retry",
      new MongoServerError({ code: 1, errmsg: "x", errorLabels: ["RetryableWriteError"] }),
    ],
  ])("is true for %s", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ["a duplicate key (the database answered)", new MongoServerError({ code: 11000, errmsg: "E11000" })],
    ["a document refused", new MongoServerError({ code: 2, errmsg: "bad" })],
    ["a broker away (not the database)", withName("KafkaJSConnectionError")],
    ["a socket refused outside the driver", Object.assign(new Error("refused"), { code: "ECONNREFUSED" })],
    ["a timeout outside the driver", withName("TimeoutError")],
    ["a bug", new TypeError("x is undefined")],
    ["nothing", undefined],
    ["null", null],
  ])("is false for %s", (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
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

describe("classifyFailure, entry by entry of its lists", () => {
  it.each([
    "TransientError",
    "AbortError",
    "TimeoutError",
    "DeadlineExceeded",
    "MongoNetworkError",
    "MongoNetworkTimeoutError",
    "MongoServerSelectionError",
    "MongoNotConnectedError",
    "MongoTopologyClosedError",
    "MongoPoolClearedError",
    "PoolClearedOnNetworkError",
    "MongoOperationTimeoutError",
    "MongoWaitQueueTimeoutError",
    "KafkaJSConnectionError",
    "KafkaJSConnectionClosedError",
    "KafkaJSRequestTimeoutError",
    "KafkaJSNumberOfRetriesExceeded",
    "KafkaJSBrokerNotFound",
    "KafkaJSLockTimeout",
    "KafkaJSMetadataNotLoaded",
    "KafkaJSTopicMetadataNotLoaded",
    "KafkaJSStaleTopicMetadataAssignment",
    "KafkaJSServerDoesNotSupportApiKey",
  ])("counts an error named %s as transient", (name) => {
    expect(classifyFailure(withName(name))).toBe("transient");
  });

  it.each([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 63, 150, 134])(
    "counts MongoDB server code %i as transient, and only from a Mongo error",
    (code) => {
      expect(classifyFailure(withName("MongoServerError", { code }))).toBe("transient");
      expect(classifyFailure(withName("Error", { code }))).toBe("deterministic");
    },
  );

  it.each([
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EPIPE",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "ENETDOWN",
    "EAI_AGAIN",
    "ECONNABORTED",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_SOCKET",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_BODY_TIMEOUT",
  ])("counts socket error code %s as transient", (code) => {
    expect(classifyFailure(withName("Error", { code }))).toBe("transient");
  });

  it("reads each half of FerretDB's busy message and both MongoDB retry labels", () => {
    expect(classifyFailure(withName("MongoServerError", { message: "database is locked" }))).toBe(
      "transient",
    );
    expect(classifyFailure(withName("MongoServerError", { message: "SQLITE_BUSY" }))).toBe("transient");
    const labelled = (label: string) =>
      withName("MongoServerError", { code: 2, hasErrorLabel: (asked: string) => asked === label });
    expect(classifyFailure(labelled("TransientTransactionError"))).toBe("transient");
    expect(classifyFailure(labelled("RetryableWriteError"))).toBe("transient");
    expect(classifyFailure(labelled("NoWritesPerformed"))).toBe("deterministic");
  });

  it("keeps a Mongo or Kafka error deterministic unless its own rules say otherwise", () => {
    // a socket code or a 503 on such an error does not count: the driver's own classification does
    expect(classifyFailure(withName("MongoServerError", { code: "ECONNREFUSED" }))).toBe("deterministic");
    expect(classifyFailure(withName("MongoServerError", { code: "6" }))).toBe("deterministic");
    expect(classifyFailure(withName("KafkaJSProtocolError", { code: "ECONNRESET" }))).toBe("deterministic");
    expect(classifyFailure(withName("KafkaJSProtocolError", { status: 503 }))).toBe("deterministic");
  });

  it("counts no other socket code as transient, and reads null as nothing", () => {
    expect(classifyFailure(withName("Error", { code: "ENOENT" }))).toBe("deterministic");
    expect(classifyFailure(null)).toBe("deterministic");
  });

  it("counts 5xx from 500 and 429 as transient, and nothing just below them", () => {
    const status = (value: unknown) => classifyFailure(withName("Error", { status: value }));
    expect([500, 599, 429].map(status)).toEqual(["transient", "transient", "transient"]);
    expect([499, 428, 430, "503"].map(status)).toEqual([
      "deterministic",
      "deterministic",
      "deterministic",
      "deterministic",
    ]);
  });

  it("counts fetch's own failure as transient, but no other TypeError nor that message on another error", () => {
    expect(classifyFailure(new TypeError("fetch failed"))).toBe("transient");
    expect(classifyFailure(new TypeError("fetch failed badly"))).toBe("deterministic");
    expect(classifyFailure(new Error("fetch failed"))).toBe("deterministic");
    expect(classifyFailure(withName(42 as unknown as string, { code: "ECONNRESET" }))).toBe("transient");
  });

  it("classifies a ZodError or PermanentError as deterministic even with a transient cause", () => {
    const cause = withName("KafkaJSConnectionError");
    expect(classifyFailure(new PermanentError("no", { cause }))).toBe("deterministic");
    expect(classifyFailure(Object.assign(new z.ZodError([]), { cause }))).toBe("deterministic");
    expect(classifyFailure(new Error("wrapper", { cause }))).toBe("transient");
  });
});

describe("describeError, exactly", () => {
  it("joins a zod error's lines with '; ' and names other errors", () => {
    const zod = z.object({ a: z.string(), b: z.number() }).safeParse({});
    expect(describeError(zod.error)).toBe(
      `schema-invalid: ${z.prettifyError(zod.error!).split("\n").join("; ")}`,
    );
    expect(describeError(zod.error)).not.toContain("\n");
    expect(describeError(new TransientError("away"))).toBe("TransientError: away");
    expect(describeError(undefined)).toBe("undefined");
  });
});
