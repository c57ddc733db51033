import { join } from "node:path";
import { baseConfigSchema, repositoryRoot } from "@installhub/shared";
import { z } from "zod";
import { gatewayConfigSchema } from "../../services/gateway/src/config.ts";

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * Settings of the development helpers (the dev CDN with the example catalog, the mail sink) and the
 * ports `npm start` runs its processes on — each one a setting, so two stacks can run side by side
 * (with INFRA_*_PORT for the infrastructure, see infra/infra.sh).
 */
export const devConfigSchema = baseConfigSchema.extend({
  /** The gateway's own setting; `npm start` also derives the URLs it prints from it. */
  GATEWAY_PORT: gatewayConfigSchema.shape.GATEWAY_PORT,
  DEV_CDN_HOST: z.string().default("127.0.0.1"),
  DEV_CDN_PORT: port(8090),
  DEV_DATA_DIR: z.string().default(join(repositoryRoot, ".data")),
  /** The dev mail sink: SMTP, and the page that shows what it caught. */
  DEV_SMTP_PORT: port(1025),
  DEV_MAIL_WEB_PORT: port(8025),
  /** /healthz, /readyz and /metrics of the scanner; the installer and the notifier take the next two. */
  DEV_OPS_PORT: port(9101),
});
export type DevConfig = z.infer<typeof devConfigSchema>;

export const cdnRootOf = (config: DevConfig) => join(config.DEV_DATA_DIR, "cdn");
export const keysDirOf = (config: DevConfig) => join(config.DEV_DATA_DIR, "keys");

/**
 * Where `npm start`'s processes listen, all on loopback.
 *
 * @example
 * devStackAddresses(loadConfig(devConfigSchema)).gateway // "http://127.0.0.1:8080"
 */
export function devStackAddresses(config: DevConfig) {
  return {
    gateway: `http://127.0.0.1:${config.GATEWAY_PORT}`,
    cdn: `http://${config.DEV_CDN_HOST}:${config.DEV_CDN_PORT}/`,
    smtp: `smtp://127.0.0.1:${config.DEV_SMTP_PORT}`,
    mail: `http://127.0.0.1:${config.DEV_MAIL_WEB_PORT}`,
    opsPorts: {
      scanner: config.DEV_OPS_PORT,
      installer: config.DEV_OPS_PORT + 1,
      notifier: config.DEV_OPS_PORT + 2,
    },
  };
}
