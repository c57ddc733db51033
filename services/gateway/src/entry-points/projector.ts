import {
  type EventHandlers,
  type InstallEvent,
  installEventTypes,
  type Platform,
  type RunningConsumer,
  startServiceConsumer,
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
  return startServiceConsumer(options.platform, options.config, {
    groupName: "gateway-projector",
    ...(options.groupId ? { groupId: options.groupId } : {}),
    handlers,
    batchHandler: (events) => options.store.applyMany(events),
    component: "projector",
  });
}
