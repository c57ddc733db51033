import { type Collection, MongoBulkWriteError, MongoNetworkError, MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { classifyFailure, TransientError } from "../failures.ts";
import { insertIfAbsent } from "./client.ts";

/** A collection whose insertMany answers with `outcome` (a result, or an error to throw). */
const collectionAnswering = (outcome: { insertedCount: number } | Error) =>
  ({
    insertMany: async () => {
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  }) as unknown as Collection<{ _id: string }>;

/** What the driver throws for an unordered insertMany: its write errors, or an error it wrapped. */
const bulkError = (
  fields: { message: string; code?: number; writeErrors?: { code: number }[] },
  insertedCount: number,
) => new MongoBulkWriteError(fields as never, { insertedCount } as never);

const documents = [{ _id: "a" }, { _id: "b" }, { _id: "c" }];

describe("insertIfAbsent", () => {
  it("inserts nothing for no documents, and counts what was inserted", async () => {
    expect(await insertIfAbsent(collectionAnswering(new Error("not called")), [])).toBe(0);
    expect(await insertIfAbsent(collectionAnswering({ insertedCount: 3 }), documents)).toBe(3);
  });

  it("takes documents already there as written, counting only the new ones", async () => {
    const someThere = bulkError({ message: "E11000", writeErrors: [{ code: 11000 }, { code: 11000 }] }, 1);
    expect(await insertIfAbsent(collectionAnswering(someThere), documents)).toBe(1);
    // A duplicate reported as the command's own error rather than as a write error.
    const asCode = bulkError({ message: "E11000", code: 11000 }, 0);
    expect(await insertIfAbsent(collectionAnswering(asCode), documents)).toBe(0);
    const single = new MongoServerError({ code: 11000, errmsg: "E11000" });
    expect(await insertIfAbsent(collectionAnswering(single), documents)).toBe(0);
  });

  it("throws a document the database refused for another reason", async () => {
    const refused = bulkError({ message: "bad", writeErrors: [{ code: 11000 }, { code: 2 }] }, 1);
    await expect(insertIfAbsent(collectionAnswering(refused), documents)).rejects.toBe(refused);
    const commandRefused = bulkError({ message: "InternalError", code: 1 }, 0);
    await expect(insertIfAbsent(collectionAnswering(commandRefused), documents)).rejects.toBe(commandRefused);
  });

  it("fails as a transient failure when the driver got no answer, never as 'all there'", async () => {
    // The driver wraps the error it met (no server, a broken connection) without a write error or code.
    const noAnswer = bulkError({ message: "connection 6 to 127.0.0.1:27017 closed" }, 0);
    const failure = await insertIfAbsent(collectionAnswering(noAnswer), documents).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).message).toBe(
      "the database did not answer the insert: connection 6 to 127.0.0.1:27017 closed",
    );
    expect((failure as TransientError).cause).toBe(noAnswer);
    expect(classifyFailure(failure)).toBe("transient");
    // Not wrapped: thrown as it is (already transient by its name).
    const broken = new MongoNetworkError("connection reset");
    await expect(insertIfAbsent(collectionAnswering(broken), documents)).rejects.toBe(broken);
  });
});
