import {
  type EventHandlers,
  type InstallEvent,
  installEventTypes,
  type Platform,
  type RunningConsumer,
  startServiceConsumer,
} from "@installhub/shared";
import type { GatewayConfig } from "../config.ts";
import type { LifecycleProjectionStore } from "../data-access/lifecycle-projection.ts";
import { isLifecycleEvent } from "../domain/package-history.ts";

/**
 * The lifecycle projector (consumer group `<topic>.gateway-lifecycle`): the installed packages and their
 * history, from the operations' requests, starts and outcomes (docs/lifecycle.md). A group of its own,
 * apart from the status projector, because the installed packages fold a tenant's events in partition
 * order and skip what they applied already by position, which only a per-event handler is told.
 */
export function startLifecycleProjector(options: {
  platform: Platform;
  config: GatewayConfig;
  store: LifecycleProjectionStore;
  groupId?: string;
}): Promise<RunningConsumer> {
  const handlers = Object.fromEntries(
    installEventTypes
      .filter((type) => isLifecycleEvent({ type } as InstallEvent))
      .map((type) => [
        type,
        (event: InstallEvent, context: { partition: number; offset: string }) =>
          options.store.apply(event, { partition: context.partition, offset: context.offset }),
      ]),
  ) as EventHandlers;
  return startServiceConsumer(options.platform, options.config, {
    groupName: "gateway-lifecycle",
    ...(options.groupId ? { groupId: options.groupId } : {}),
    handlers,
    component: "lifecycle-projector",
  });
}
