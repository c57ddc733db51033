import { emailAddressProblem, type Logger, retryTransientForever } from "@installhub/shared";
import {
  claimMail,
  enqueueClaimedMail,
  findMail,
  findRetryableMailIds,
  markFailed,
  markSent,
  type OutboxMail,
} from "../data-access/email-outbox.ts";
import { delayAfterFailedRound, sendingLeaseMs } from "../domain/delivery-policy.ts";
import { outcomeMessageId, renderEmail } from "../domain/email-content.ts";
import type { InstallOutcome, InstallRequest, OutcomeMessage } from "../domain/outcome-message.ts";
import type { DeliveryDeps } from "./delivery-deps.ts";
import { type DeliveryReport, installRefOf, reportDeliveries } from "./report-deliveries.ts";

export const outboxIdOf = (outcome: InstallOutcome) => `${outcome.installId}:${outcome.type}`;

/**
 * Puts the outcome's e-mail in the outbox (once, whatever the replays) and sends it if it was never
 * tried. Returns what to report on the e-mail channel; the caller reports it with the in-app channel's.
 */
export async function notifyByEmail(
  deps: DeliveryDeps,
  request: InstallRequest,
  outcome: InstallOutcome,
  message: OutcomeMessage,
  logger: Logger,
): Promise<DeliveryReport | undefined> {
  const install = installRefOf(outcome);
  const id = outboxIdOf(outcome);
  const to = request.requestedBy.email;
  // Checked here as well as at the gateway: an event on the topic may come from anywhere, and one
  // address with a line break or a comma in it would reach a second mailbox.
  const problem = emailAddressProblem(to);
  if (problem) {
    const error = `the requester's e-mail address ${JSON.stringify(to.slice(0, 100))} is refused: ${problem}`;
    logger.warn({ error }, "no e-mail sent");
    return { install, channel: "email", recipient: "", notificationId: id, outcome: "failed", error };
  }
  const now = deps.now();
  const claimed = await enqueueClaimedMail(
    deps.db,
    {
      _id: id,
      install,
      to,
      messageId: outcomeMessageId(outcome, deps.config.MAIL_FROM),
      ...renderEmail(message, deps.config.PUBLIC_BASE_URL),
      retryUntil: new Date(now.getTime() + deps.config.OUTBOX_RETRY_WINDOW_MS),
    },
    { now, leaseMs: sendingLeaseMs(deps.smtp.limits) },
  );
  // A replayed outcome: a mail never tried is sent now; one tried already is reported as it stands.
  if (!claimed) return deliverOutboxMail(deps, id, { first: true, logger });
  return sendRound(deps, claimed, logger);
}

/**
 * One delivery round for an outbox mail: claim it, try SMTP with bounded backoff, record the result.
 * Returns what to report (nothing when the mail is another sender's now). A mail that cannot be sent
 * is recorded failed; this never throws for SMTP trouble, so the caller's other work goes on.
 */
export async function deliverOutboxMail(
  deps: DeliveryDeps,
  id: string,
  options: { first: boolean; logger: Logger },
): Promise<DeliveryReport | undefined> {
  const before = await claimMail(deps.db, id, {
    now: deps.now(),
    leaseMs: sendingLeaseMs(deps.smtp.limits),
    first: options.first,
  });
  if (!before) return options.first ? settledReport(deps, id) : undefined;
  if (before.state === "sending") {
    options.logger.warn(
      { installId: before.install.installId, messageId: before.messageId },
      "taking over a mail whose sender stopped while sending; if the server had accepted it, it arrives twice",
    );
  }
  return sendRound(deps, before, options.logger);
}

/** Sends a mail this sender holds the claim on, and records the result. */
async function sendRound(deps: DeliveryDeps, mail: OutboxMail, logger: Logger): Promise<DeliveryReport> {
  const id = mail._id;
  const log = logger.child({
    installId: mail.install.installId,
    tenantId: mail.install.tenantId,
    messageId: mail.messageId,
  });
  const result = await deps.smtp.send(mail, (attempt, error) =>
    log.warn({ attempt, error }, "SMTP try failed; trying again"),
  );
  const report = { install: mail.install, channel: "email", recipient: mail.to, notificationId: id } as const;
  if (result.sent) {
    // Recorded however long the store takes: a mail left "sending" would be sent again by the sweeper.
    await untilRecorded(() => markSent(deps.db, id, result.attempts));
    log.info({ attempts: result.attempts }, "e-mail sent");
    return { ...report, outcome: "delivered" };
  }
  const delay = delayAfterFailedRound(mail.failedRounds + 1, deps.config.OUTBOX_SWEEP_INTERVAL_MS);
  const nextAttemptAt = new Date(deps.now().getTime() + delay);
  await untilRecorded(() =>
    markFailed(deps.db, id, { attempts: result.attempts, error: result.error, nextAttemptAt }),
  );
  log.error(
    {
      error: result.error,
      attempts: result.attempts,
      retryAt: nextAttemptAt < mail.retryUntil ? nextAttemptAt.toISOString() : null,
    },
    "e-mail could not be sent; recorded as failed",
  );
  return { ...report, outcome: "failed", error: result.error };
}

/** Writes the result of an SMTP round, waiting out a store that is away (never a second send). */
function untilRecorded(write: () => Promise<void>): Promise<void> {
  return retryTransientForever(write, {
    deterministicAttempts: 3,
    initialBackoffMs: 100,
    maxBackoffMs: 2_000,
  });
}

/**
 * A replayed outcome whose mail was already settled: its report again, which changes nothing unless
 * the sender died between recording the result and reporting it.
 */
async function settledReport(deps: DeliveryDeps, id: string): Promise<DeliveryReport | undefined> {
  const mail = await findMail(deps.db, id);
  if (mail?.state !== "sent" && mail?.state !== "failed") return undefined;
  return {
    install: mail.install,
    channel: "email",
    recipient: mail.to,
    notificationId: id,
    ...(mail.state === "sent"
      ? { outcome: "delivered" }
      : { outcome: "failed", error: mail.lastError ?? "" }),
  };
}

/** How many due mails one sweep takes on. */
const mailsPerSweep = 50;

/**
 * One sweep of the e-mail outbox: gives failed mails whose retry is due another round, and takes over
 * mails whose sender died while sending (their claim expired), reporting each result. Stops between
 * mails once `stopping()` says so.
 */
export async function retryDueMails(deps: DeliveryDeps, stopping: () => boolean): Promise<void> {
  const ids = await findRetryableMailIds(deps.db, deps.now(), mailsPerSweep);
  for (const id of ids) {
    if (stopping()) return;
    await reportDeliveries(deps, [await deliverOutboxMail(deps, id, { first: false, logger: deps.logger })]);
  }
}
