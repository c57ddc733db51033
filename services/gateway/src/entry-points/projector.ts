import {
  consumerGroupId,
  consumerRetryOf,
  deadLetterLedger,
  type EventHandlers,
  type InstallEvent,
  installEventTypes,
  type Platform,
  type RunningConsumer,
  runConsumer,
} from "@installhub/shared";
import type { GatewayConfig } from "../config.ts";
import type { InstallStatusStore } from "../data-access/install-status-store.ts";

/**
 * The status projector: every install event, of every type, folded into `install_status`. The fold is
 * idempotent, so redelivery and a reset of the group to the earliest offset rebuild the same documents.
 */
export function startProjector(options: {
  platform: Platform;
  config: GatewayConfig;
  store: InstallStatusStore;
  groupId?: string;
}): Promise<RunningConsumer> {
  const project = async (event: InstallEvent) => {
    await options.store.apply(event);
  };
  const handlers = Object.fromEntries(installEventTypes.map((type) => [type, project])) as EventHandlers;
  return runConsumer({
    kafka: options.platform.kafka,
    codec: options.platform.codec,
    topic: options.config.INSTALL_EVENTS_TOPIC,
    dlqTopic: options.config.DLQ_TOPIC,
    groupId: options.groupId ?? consumerGroupId(options.config, "gateway-projector"),
    handlers,
    batchHandler: (events) => options.store.applyMany(events),
    deadLetters: deadLetterLedger(options.platform.mongo.db),
    retry: consumerRetryOf(options.config),
    sessionTimeoutMs: options.config.KAFKA_SESSION_TIMEOUT_MS,
    logger: options.platform.logger.child({ component: "projector" }),
  });
}
