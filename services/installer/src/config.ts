import { baseConfigSchema } from "@installhub/shared";
import { z } from "zod";

export const installerConfigSchema = baseConfigSchema.extend({
  /** Base URL of the PublicHub CDN; the installer re-downloads the scanned archive from it. */
  PUBLICHUB_CDN_URL: z.url().default("http://127.0.0.1:8090/"),
  DOWNLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  /** Per download attempt: connecting and receiving the whole archive. */
  DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
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
