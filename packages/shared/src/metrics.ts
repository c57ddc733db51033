import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

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
