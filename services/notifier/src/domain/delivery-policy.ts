/** The SMTP limits a delivery round works within (from the notifier's configuration). */
export interface SmtpLimits {
  attempts: number;
  backoffMs: number;
  connectionTimeoutMs: number;
  socketTimeoutMs: number;
}

/** The longest one SMTP try may take: connect, then greeting and replies each bounded by the socket timeout. */
export function tryDeadlineMs(limits: SmtpLimits): number {
  return limits.connectionTimeoutMs + 2 * limits.socketTimeoutMs;
}

/** Wait before try `attempt` (2, 3, …) of a round: the configured backoff, doubled each time. */
export function backoffBeforeTry(attempt: number, limits: SmtpLimits): number {
  return limits.backoffMs * 2 ** (attempt - 2);
}

/**
 * How long a claimed mail stays reserved for its sender: longer than a whole round can take, so a
 * live sender is never overtaken, while a sender that died hands the mail to the sweeper afterwards.
 */
export function sendingLeaseMs(limits: SmtpLimits): number {
  let backoffs = 0;
  for (let attempt = 2; attempt <= limits.attempts; attempt++) backoffs += backoffBeforeTry(attempt, limits);
  return limits.attempts * tryDeadlineMs(limits) + backoffs + 10_000;
}

const maxRoundDelayMs = 60 * 60 * 1000;

/** After `rounds` failed rounds, how long until the sweeper tries again: doubling, at most an hour. */
export function delayAfterFailedRound(rounds: number, sweepIntervalMs: number): number {
  return Math.min(maxRoundDelayMs, sweepIntervalMs * 2 ** Math.max(0, rounds - 1));
}
