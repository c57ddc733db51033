import { baseConfigSchema } from "@installhub/shared";
import type { z } from "zod";

export const installerConfigSchema = baseConfigSchema.extend({});
export type InstallerConfig = z.infer<typeof installerConfigSchema>;
