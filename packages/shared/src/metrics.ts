import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { InstallEvent } from "./events/contracts.ts";

/** One registry per process; every service exposes it on /metrics. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const handlerDuration = new Histogram({
  name: "installhub_handler_duration_seconds",
  help: "Time a Kafka event handler took, by consumer group, event type and outcome",
  labelNames: ["group", "type", "outcome"] as const,
  buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const dlqMessages = new Counter({
  name: "installhub_dlq_messages_total",
  help: "Messages sent to the dead-letter topic, by consumer group and reason",
  labelNames: ["group", "reason"] as const,
  registers: [metricsRegistry],
});

export const consumerWaiting = new Gauge({
  name: "installhub_consumer_waiting",
  help: "Messages whose handler is waiting for a dependency (store, broker, registry) to come back, by consumer group",
  labelNames: ["group"] as const,
  registers: [metricsRegistry],
});

export const handlerFailures = new Counter({
  name: "installhub_handler_failures_total",
  help: "Failed handler tries, by consumer group and failure class (transient: waited out; deterministic: the install is ended)",
  labelNames: ["group", "class"] as const,
  registers: [metricsRegistry],
});

export const lateAccepts = new Counter({
  name: "installhub_late_accepts_total",
  help: "Install records that landed after their request was answered 503, by what became of them (withdrawn: taken back; failed: never written)",
  labelNames: ["result"] as const,
  registers: [metricsRegistry],
});

export const consumerLag = new Gauge({
  name: "installhub_consumer_lag",
  help: "Messages behind the high watermark after the last batch, by consumer group, topic and partition",
  labelNames: ["group", "topic", "partition"] as const,
  registers: [metricsRegistry],
});

export const installOutcomes = new Counter({
  name: "installhub_installs_total",
  help: "Installs that reached a terminal event, by outcome and (for failures) the failing stage and error",
  labelNames: ["outcome", "stage", "error"] as const,
  registers: [metricsRegistry],
});

export const scanVerdictsPublished = new Counter({
  name: "installhub_scan_verdicts_total",
  help: "Security scan verdicts published, by verdict",
  labelNames: ["verdict"] as const,
  registers: [metricsRegistry],
});

export const artifactsApplied = new Counter({
  name: "installhub_artifacts_total",
  help: "Artifacts applied by the installer, by action",
  labelNames: ["action"] as const,
  registers: [metricsRegistry],
});

/** Counts what an event published by this process says about the pipeline. */
export function countPublished(event: InstallEvent): void {
  switch (event.type) {
    case "InstallSucceeded":
      installOutcomes.inc({ outcome: event.dryRun ? "dry-run" : "success", stage: "", error: "" });
      break;
    case "InstallFailed":
      installOutcomes.inc({ outcome: "failed", stage: event.stage, error: event.error });
      break;
    case "SecurityScanCompleted":
      scanVerdictsPublished.inc({ verdict: event.verdict });
      break;
    case "ArtifactInstalled":
      artifactsApplied.inc({ action: event.action });
      break;
  }
}

/** Round-trip counters (INSTALLHUB_BENCH_COUNTERS): what one install costs in database and Kafka requests. */
export interface RoundTripMetrics {
  /** MongoDB commands started, by command name (find, update, insert, …). */
  mongoCommands: Counter<"command">;
  /** Time from a command's start to its reply, by command name, in seconds. */
  mongoCommandDuration: Histogram<"command">;
  /** Kafka requests answered, by API (Produce, OffsetCommit, Fetch, Heartbeat, …), in seconds. */
  kafkaRequestDuration: Histogram<"api">;
}

let roundTrips: RoundTripMetrics | undefined;

/**
 * The round-trip metrics, registered on first use: a process that never asks for them exports
 * nothing extra. The Mongo and Kafka client factories call it only when INSTALLHUB_BENCH_COUNTERS is on.
 */
export function roundTripMetrics(): RoundTripMetrics {
  roundTrips ??= {
    mongoCommands: new Counter({
      name: "installhub_mongo_commands_total",
      help: "MongoDB commands this process started (driver command monitoring), by command name",
      labelNames: ["command"] as const,
      registers: [metricsRegistry],
    }),
    mongoCommandDuration: new Histogram({
      name: "installhub_mongo_command_duration_seconds",
      help: "MongoDB command round trips of this process, by command name",
      labelNames: ["command"] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [metricsRegistry],
    }),
    kafkaRequestDuration: new Histogram({
      name: "installhub_kafka_request_duration_seconds",
      help: "Kafka requests of this process's producers, consumers and admin clients, by API",
      labelNames: ["api"] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [metricsRegistry],
    }),
  };
  return roundTrips;
}
