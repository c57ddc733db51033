import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Paths whose values never reach a log line: bearer tokens, authorization headers, secrets. */
export const redactedPaths = [
  "authorization",
  "token",
  "password",
  "*.authorization",
  "*.token",
  "*.password",
  "*.headers.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "request.headers.authorization",
  "*.smtpUrl",
];

/**
 * @example
 * const logger = createLogger("scanner", "info");
 * logger.info({ installId, tenantId, eventId }, "scan started");
 */
export function createLogger(service: string, level = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
