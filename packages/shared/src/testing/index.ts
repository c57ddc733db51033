export * from "./collector.ts";
export * from "./events.ts";
export * from "./marketplace.ts";
export * from "./smtp-sink.ts";
export * from "./tar-fixtures.ts";

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type BaseConfig, baseConfigSchema, parseConfig } from "../config.ts";

/** A short id, unique per call: tests use it for tenants, topics and groups so they never share state. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, or fails after the deadline
 * with the last value seen. Tests synchronise with this, never with a fixed sleep.
 *
 * @example
 * const status = await waitFor(async () => (await getStatus(id)).status === "Success" || undefined);
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `; last error: ${lastError.message}` : "";
      throw new Error(`timed out waiting for ${options.what ?? "condition"}${reason}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/**
 * The configuration tests run with: the infrastructure the global setup chose (it exports
 * KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MONGO_URL), with per-test topics and database when asked.
 */
export function testConfig(overrides: Partial<Record<keyof BaseConfig, string>> = {}): BaseConfig {
  return parseConfig(baseConfigSchema, {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    ...overrides,
  });
}

/** Topic names and a database of their own for one test file. */
export function isolatedConfig(prefix: string): BaseConfig {
  const id = uniqueId(prefix);
  return testConfig({
    INSTALL_EVENTS_TOPIC: `${id}.install-events`,
    DLQ_TOPIC: `${id}.install-events.dlq`,
    KAFKA_TOPIC_PARTITIONS: "3",
    MONGO_DB: id.replaceAll(".", "_"),
  });
}

/**
 * The environment variables that reproduce a test config, for a service or command started as its own
 * process (crash tests, `pnpm ops`): the same brokers, registry, database and topics.
 */
export function configEnvironment(config: BaseConfig): Record<string, string> {
  return {
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(","),
    SCHEMA_REGISTRY_URL: config.SCHEMA_REGISTRY_URL,
    MONGO_URL: config.MONGO_URL,
    MONGO_DB: config.MONGO_DB,
    INSTALL_EVENTS_TOPIC: config.INSTALL_EVENTS_TOPIC,
    DLQ_TOPIC: config.DLQ_TOPIC,
    KAFKA_TOPIC_PARTITIONS: String(config.KAFKA_TOPIC_PARTITIONS),
    LOG_LEVEL: config.LOG_LEVEL,
  };
}
export * from "./tcp-proxy.ts";
