import { baseConfigSchema } from "@installhub/shared";
import { z } from "zod";

const milliseconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const notifierConfigSchema = baseConfigSchema.extend({
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "expected an smtp:// or smtps:// URL")
    .default("smtp://127.0.0.1:1025"),
  MAIL_FROM: z.string().min(3).default("InstallHub <notifications@installhub.local>"),
  /** Where users reach the gateway: e-mail links are this plus the gateway's import / audit-log path. */
  PUBLIC_BASE_URL: z
    .url()
    .default("http://127.0.0.1:8080")
    .transform((url) => url.replace(/\/+$/, "")),
  /** Tries per delivery round (the first included) before a mail is recorded as failed. */
  SMTP_ATTEMPTS: z.coerce.number().int().min(1).default(4),
  /** Backoff before the second try of a round; doubled for each further try. */
  SMTP_BACKOFF_MS: milliseconds(500),
  SMTP_CONNECTION_TIMEOUT_MS: milliseconds(5_000),
  /** Also bounds the wait for the greeting and for each reply: a slow server counts as a failed try. */
  SMTP_SOCKET_TIMEOUT_MS: milliseconds(15_000),
  /** How often the outbox sweeper retries failed mails and takes over ones whose sender died. */
  OUTBOX_SWEEP_INTERVAL_MS: milliseconds(30_000),
  /** How long after its first round a failed mail is still retried by the sweeper. */
  OUTBOX_RETRY_WINDOW_MS: milliseconds(24 * 60 * 60 * 1000),
});
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
