import type { EventPublisher, Logger } from "@installhub/shared";
import type { Caller } from "../../auth/tokens.ts";
import type { TokenVerifier } from "../../auth/verifier.ts";
import type { GatewayConfig } from "../../config.ts";
import type { CatalogReads } from "../../data-access/catalog-reads.ts";
import type { IdempotencyStore } from "../../data-access/idempotency-store.ts";
import type { ImportReads } from "../../data-access/import-reads.ts";
import type { InstallStatusStore } from "../../data-access/install-status-store.ts";
import type { NotificationStore } from "../../data-access/notification-store.ts";
import type { CompletedInstall } from "../../domain/estimate.ts";
import type { InstallAccepted } from "./schemas.ts";

/** What the HTTP entry points need, wired once by the service. */
export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  verifyToken: TokenVerifier;
  publisher: EventPublisher;
  statuses: InstallStatusStore;
  /** Recently completed installs for the estimate; may be a little stale. */
  recentCompletions: () => Promise<CompletedInstall[]>;
  idempotency: IdempotencyStore<InstallAccepted>;
  catalog: CatalogReads;
  imports: ImportReads;
  notifications: NotificationStore;
  /** Readiness checks of /readyz. */
  readinessChecks: Record<string, () => Promise<void>>;
  now: () => Date;
}

/** Hono environment of the API routes: the authenticated caller travels in `c.var.caller`. */
export interface GatewayEnv {
  Variables: { caller: Caller };
}
