import { baseConfigSchema } from "@installhub/shared";
import type { z } from "zod";

export const notifierConfigSchema = baseConfigSchema.extend({});
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
