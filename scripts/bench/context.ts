// What every phase of a bench run shares.
import type { BaseConfig } from "@installhub/shared";
import type { Admin, Kafka } from "kafkajs";
import type { Db } from "mongodb";
import type { startRssSampler } from "./processes.ts";

/** How much each figure measures: the full run, and a quick one that exercises every path (CI). */
export interface Plan {
  /** One install at a time: how many (the figure is their p50). */
  sequential: number;
  /** Installs whose round trips are counted (started at once, one tenant each). */
  counted: number;
  /** (installs, tenants) started at once. */
  concurrent: [installs: number, tenants: number][];
  dbOperations: number;
  httpWarmUp: number;
  httpSequential: number;
  /** How long 32 clients POST. */
  httpSeconds: number;
  /** Waits fail once nothing has moved on the topic for this long (a hang, not a slow machine). */
  stallMs: number;
}

export const fullPlan: Plan = {
  sequential: 20,
  counted: 10,
  concurrent: [
    [40, 10],
    [400, 100],
  ],
  dbOperations: 500,
  httpWarmUp: 20,
  httpSequential: 300,
  httpSeconds: 10,
  stallMs: 3 * 60_000,
};

export const quickPlan: Plan = {
  sequential: 3,
  counted: 3,
  concurrent: [[4, 2]],
  dbOperations: 100,
  httpWarmUp: 5,
  httpSequential: 20,
  httpSeconds: 2,
  stallMs: 60_000,
};

export interface BenchRun {
  plan: Plan;
  /** Topics, consumer groups (`<topic>.<service>`) and database of this run only. */
  config: BaseConfig;
  /** Names of the floors' topics start with it. */
  prefix: string;
  /** Logs of every process the run starts. */
  runDir: string;
  kafka: Kafka;
  admin: Admin;
  /** The run's database (the pipeline's). */
  db: Db;
  rss: ReturnType<typeof startRssSampler>;
  log(message: string): void;
  /** What the run started: each is stopped when it ends, all at once. */
  cleanups: (() => Promise<unknown>)[];
  /** What the run made on the broker: deleted once everything has stopped. */
  made: { topics: Set<string>; groups: Set<string> };
}
