import { baseConfigSchema } from "@installhub/shared";
import type { z } from "zod";

export const scannerConfigSchema = baseConfigSchema.extend({});
export type ScannerConfig = z.infer<typeof scannerConfigSchema>;
