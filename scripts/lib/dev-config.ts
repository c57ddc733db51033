import { join } from "node:path";
import { baseConfigSchema, repositoryRoot } from "@installhub/shared";
import { z } from "zod";

/** Settings of the development helpers: the dev CDN and the example catalog it serves. */
export const devConfigSchema = baseConfigSchema.extend({
  DEV_CDN_HOST: z.string().default("127.0.0.1"),
  DEV_CDN_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  DEV_DATA_DIR: z.string().default(join(repositoryRoot, ".data")),
});
export type DevConfig = z.infer<typeof devConfigSchema>;

export const cdnRootOf = (config: DevConfig) => join(config.DEV_DATA_DIR, "cdn");
export const keysDirOf = (config: DevConfig) => join(config.DEV_DATA_DIR, "keys");
