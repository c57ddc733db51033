import type { Logger } from "@installhub/shared";
import type { Caller } from "../../auth/tokens.ts";
import type { TokenVerifier } from "../../auth/verifier.ts";
import type { GatewayConfig } from "../../config.ts";
import type { ImportReads } from "../../data-access/import-reads.ts";
import type { LifecycleProjectionStore } from "../../data-access/lifecycle-projection.ts";
import type { NotificationStore } from "../../data-access/notification-store.ts";
import type { LifecycleDeps } from "../../use-cases/lifecycle-deps.ts";
import type { RequestInstallDeps } from "../../use-cases/request-install.ts";

/** What the HTTP entry points need, wired once by the service. */
export interface GatewayDeps extends RequestInstallDeps, LifecycleDeps {
  settings: RequestInstallDeps["settings"];
  lifecycle: LifecycleProjectionStore;
  config: GatewayConfig;
  logger: Logger;
  verifyToken: TokenVerifier;
  imports: ImportReads;
  notifications: NotificationStore;
  /** Readiness checks of /readyz. */
  readinessChecks: Record<string, () => Promise<void>>;
}

/** Hono environment of the API routes: the authenticated caller travels in `c.var.caller`. */
export interface GatewayEnv {
  Variables: { caller: Caller };
}
