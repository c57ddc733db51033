import { isSingleEmailAddress, retry } from "@installhub/shared";
import nodemailer from "nodemailer";
import addressparser from "nodemailer/lib/addressparser/index.js";
import type { NotifierConfig } from "../config.ts";
import { type SmtpLimits, tryDeadlineMs } from "../domain/delivery-policy.ts";

export interface Mail {
  to: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
}

export type SendResult = { sent: true; attempts: number } | { sent: false; attempts: number; error: string };

export interface SmtpSender {
  limits: SmtpLimits;
  /** One round: up to `limits.attempts` tries with doubling backoff; never throws. */
  send(mail: Mail, onRetry: (attempt: number, error: string) => void): Promise<SendResult>;
  close(): void;
}

export function smtpLimitsOf(config: NotifierConfig): SmtpLimits {
  return {
    attempts: config.SMTP_ATTEMPTS,
    backoffMs: config.SMTP_BACKOFF_MS,
    connectionTimeoutMs: config.SMTP_CONNECTION_TIMEOUT_MS,
    socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS,
  };
}

/** The bare address of MAIL_FROM (`InstallHub <n@x>` → `n@x`), the envelope's MAIL FROM. */
export function envelopeSenderOf(mailFrom: string): string {
  const [first] = addressparser(mailFrom, { flatten: true });
  if (!first?.address) throw new Error(`MAIL_FROM holds no address: ${mailFrom}`);
  return first.address;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Sends mail through the configured SMTP server with bounded tries. Each try opens its own connection,
 * so a server that refused or hung up is asked afresh, and is cut off at a hard deadline.
 *
 * @example
 * const sender = createSmtpSender(config);
 * const result = await sender.send(mail, (attempt, error) => log.warn({ attempt, error }, "retrying"));
 */
export function createSmtpSender(config: NotifierConfig): SmtpSender {
  const limits = smtpLimitsOf(config);
  const envelopeFrom = envelopeSenderOf(config.MAIL_FROM);
  const transport = nodemailer.createTransport({
    url: config.SMTP_URL,
    connectionTimeout: limits.connectionTimeoutMs,
    greetingTimeout: limits.socketTimeoutMs,
    socketTimeout: limits.socketTimeoutMs,
  });

  const tryOnce = async (mail: Mail) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("SMTP try exceeded its deadline")), tryDeadlineMs(limits));
    });
    // The envelope is spelled out: nodemailer would otherwise parse `to` as an address list, and the
    // SMTP server delivers to the envelope, not to the headers. One recipient, always the stored one.
    const sending = transport.sendMail({
      from: config.MAIL_FROM,
      to: { name: "", address: mail.to },
      messageId: mail.messageId,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      envelope: { from: envelopeFrom, to: [mail.to] },
    });
    sending.catch(() => {}); // once the deadline wins, a late rejection has no one to tell
    try {
      await Promise.race([sending, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    limits,
    async send(mail, onRetry) {
      if (!isSingleEmailAddress(mail.to)) {
        return { sent: false, attempts: 0, error: `recipient refused: ${JSON.stringify(mail.to)}` };
      }
      let tries = 0;
      try {
        await retry(
          async (attempt) => {
            tries = attempt;
            await tryOnce(mail);
          },
          {
            // The waits delivery-policy.ts counts on for its lease: backoffMs, then doubling.
            policy: {
              attempts: limits.attempts,
              initialBackoffMs: limits.backoffMs,
              maxBackoffMs: Number.MAX_SAFE_INTEGER,
            },
            onRetry: (error, attempt) => onRetry(attempt + 1, describe(error)),
          },
        );
        return { sent: true, attempts: tries };
      } catch (error) {
        return { sent: false, attempts: tries, error: describe(error) };
      }
    },
    close: () => transport.close(),
  };
}
