import { baseConfigSchema, cdnDownloadConfigSchema } from "@installhub/shared";
import { z } from "zod";

export const installerConfigSchema = baseConfigSchema.extend({
  // The archive is downloaded again, as the scanner did: its CDN, cap, timeout and attempts.
  ...cdnDownloadConfigSchema.shape,
  /** Pause after each artifact write, to spread a large import's load on the tenant store. */
  INSTALL_ARTIFACT_THROTTLE_MS: z.coerce.number().int().min(0).default(0),
  /**
   * How often a running import records the artifacts it applied and publishes them ("3 of 5
   * installed"). A shorter import records everything once, at its end: fewer writes per install.
   */
  INSTALL_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(0).default(250),
  /**
   * How often a running import or uninstall asks whether it was cancelled, between artifacts (it also
   * asks before it starts and before it ends). 0: before every artifact.
   */
  INSTALL_CANCEL_CHECK_INTERVAL_MS: z.coerce.number().int().min(0).default(100),
});
export type InstallerConfig = z.infer<typeof installerConfigSchema>;
