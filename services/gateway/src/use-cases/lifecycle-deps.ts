import type { InstallEventOf, Logger } from "@installhub/shared";
import type { CancellationOutbox } from "../data-access/cancellation-outbox.ts";
import type { CatalogReads } from "../data-access/catalog-reads.ts";
import type { IdempotencyStore } from "../data-access/idempotency-store.ts";
import type { InstallOutbox, OperationRequest } from "../data-access/install-outbox.ts";
import type { InstallStatusStore } from "../data-access/install-status-store.ts";
import type { LifecycleProjectionStore } from "../data-access/lifecycle-projection.ts";
import type { EventRelay } from "./request-install.ts";

/** What the lifecycle use cases (docs/lifecycle.md) work with; `service.ts` wires them. */
export interface LifecycleDeps {
  settings: { acceptTimeoutMs: number };
  logger: Logger;
  catalog: CatalogReads;
  statuses: InstallStatusStore;
  /** Uninstalls are accepted into the install outbox, so a tenant's operations keep their order. */
  outbox: InstallOutbox;
  relay: EventRelay<OperationRequest>;
  cancellations: CancellationOutbox;
  cancelRelay: EventRelay<InstallEventOf<"InstallCancelRequested">>;
  /** The installed packages and their history. */
  lifecycle: LifecycleProjectionStore;
  /** Idempotency-Keys of uninstalls and cancels (the same keys as installs: one namespace per caller). */
  lifecycleIdempotency: IdempotencyStore<unknown>;
  now: () => Date;
}
