import { afterAll, describe, expect, it } from "vitest";
import { connectMongo, ensureIndexes, type IndexPlan, isDuplicateKeyError } from "../src/index.ts";
import { isolatedConfig } from "../src/testing/index.ts";

const config = isolatedConfig("mongo");
const connection = await connectMongo(config.MONGO_URL, config.MONGO_DB);

describe("MongoDB index bootstrap", () => {
  it("is harmless when run twice, and the unique index it made holds", async () => {
    const plan: IndexPlan = {
      things: [
        { key: { tenantId: 1, key: 1 }, name: "tenant_key", unique: true },
        { key: { createdAt: -1 }, name: "created" },
      ],
    };
    await ensureIndexes(connection.db, plan);
    await ensureIndexes(connection.db, plan);
    const names = (await connection.db.collection("things").indexes()).map((index) => index.name);
    expect(names.filter((name) => name === "tenant_key")).toHaveLength(1);
    expect(names).toContain("created");

    await connection.db.collection("things").insertOne({ tenantId: "t", key: "k" });
    const duplicate = await connection.db
      .collection("things")
      .insertOne({ tenantId: "t", key: "k" })
      .catch((error) => error);
    expect(isDuplicateKeyError(duplicate)).toBe(true);
  });
});

afterAll(async () => {
  await connection.db.dropDatabase();
  await connection.close();
});
