import { describe, expect, it } from "vitest";
import { baseConfigSchema, ConfigError, parseConfig } from "./config.ts";

describe("config", () => {
  it("defaults to the local infrastructure on loopback", () => {
    const config = parseConfig(baseConfigSchema, {});
    expect(config.KAFKA_BROKERS).toEqual(["127.0.0.1:9092"]);
    expect(config.MONGO_URL).toBe("mongodb://127.0.0.1:27017/");
    expect(config.SCHEMA_REGISTRY_URL).toBe("http://127.0.0.1:8081/apis/ccompat/v7");
  });

  it("names the variable and the reason for a bad value", () => {
    const attempt = () =>
      parseConfig(baseConfigSchema, { KAFKA_TOPIC_PARTITIONS: "zero", MONGO_URL: "http://x" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const issues = (error as ConfigError).issues.join("\n");
      expect(issues).toMatch(/KAFKA_TOPIC_PARTITIONS: .*number/i);
      expect(issues).toMatch(/MONGO_URL: expected a mongodb:\/\/ URL/);
    }
  });
});
