import { type IndexPlan, insertIfAbsent } from "@installhub/shared";
import type { Collection, Db, Filter } from "mongodb";

/**
 * `pending`: written, never tried. `sending`: claimed by one sender until `leaseUntil`. `sent`: the SMTP
 * server accepted it (final). `failed`: a round of tries failed; the sweeper retries it from
 * `nextAttemptAt` until `retryUntil`.
 */
export type OutboxState = "pending" | "sending" | "sent" | "failed";

export interface OutboxMail {
  /** `${installId}:${outcome event type}`: one mail per install outcome. */
  _id: string;
  state: OutboxState;
  install: { installId: string; tenantId: string; packageId: string; version: string };
  to: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  /** SMTP tries so far, over all rounds. */
  attempts: number;
  /** Rounds that ended failed. */
  failedRounds: number;
  lastError: string | null;
  leaseUntil: Date | null;
  nextAttemptAt: Date | null;
  retryUntil: Date;
  createdAt: Date;
  sentAt: Date | null;
}

export type NewOutboxMail = Pick<
  OutboxMail,
  "_id" | "install" | "to" | "messageId" | "subject" | "text" | "html" | "retryUntil"
>;

export const emailOutboxCollection = "email_outbox";

export const emailOutboxIndexes: IndexPlan = {
  [emailOutboxCollection]: [
    { key: { state: 1, nextAttemptAt: 1 }, name: "state_next_attempt" },
    { key: { state: 1, leaseUntil: 1 }, name: "state_lease" },
  ],
};

function outboxOf(db: Db): Collection<OutboxMail> {
  return db.collection<OutboxMail>(emailOutboxCollection);
}

/** Failed mails whose retry is due, and claims whose sender died (lease over). */
function retryable(now: Date): Filter<OutboxMail>[] {
  return [
    { state: "failed", nextAttemptAt: { $lte: now }, retryUntil: { $gt: now } },
    { state: "sending", leaseUntil: { $lt: now } },
  ];
}

/**
 * Adds the mail already claimed by its first sender (one write where "add, then claim" took two),
 * unless it is there already (a replayed outcome): the outbox keeps the first. Returns the mail as
 * claimed, or null when it existed — then `claimMail` tells whether it is still to be sent.
 */
export async function enqueueClaimedMail(
  db: Db,
  mail: NewOutboxMail,
  options: { now: Date; leaseMs: number },
): Promise<OutboxMail | null> {
  const claimed: OutboxMail = {
    ...mail,
    state: "sending",
    attempts: 0,
    failedRounds: 0,
    lastError: null,
    leaseUntil: new Date(options.now.getTime() + options.leaseMs),
    nextAttemptAt: null,
    createdAt: options.now,
    sentAt: null,
  };
  return (await insertIfAbsent(outboxOf(db), [claimed])) === 1 ? claimed : null;
}

/**
 * Reserves a mail for one sender. Only one caller can win: the filter and the update are one atomic
 * operation on the document. `first` claims a fresh mail (the outcome's handler); otherwise only a
 * failed mail whose retry is due or an abandoned claim can be taken (the sweeper). Returns the mail as
 * it was before the claim, or null when it is not claimable (sent, not due, or being sent).
 */
export async function claimMail(
  db: Db,
  id: string,
  options: { now: Date; leaseMs: number; first: boolean },
): Promise<OutboxMail | null> {
  const states = options.first ? [{ state: "pending" } as Filter<OutboxMail>] : retryable(options.now);
  return outboxOf(db).findOneAndUpdate(
    { _id: id, $or: states },
    { $set: { state: "sending", leaseUntil: new Date(options.now.getTime() + options.leaseMs) } },
    { returnDocument: "before" },
  );
}

export async function markSent(db: Db, id: string, attempts: number): Promise<void> {
  await outboxOf(db).updateOne(
    { _id: id },
    { $set: { state: "sent", sentAt: new Date(), leaseUntil: null, lastError: null }, $inc: { attempts } },
  );
}

export async function markFailed(
  db: Db,
  id: string,
  failure: { attempts: number; error: string; nextAttemptAt: Date },
): Promise<void> {
  await outboxOf(db).updateOne(
    { _id: id },
    {
      $set: {
        state: "failed",
        leaseUntil: null,
        lastError: failure.error,
        nextAttemptAt: failure.nextAttemptAt,
      },
      $inc: { attempts: failure.attempts, failedRounds: 1 },
    },
  );
}

export function findMail(db: Db, id: string): Promise<OutboxMail | null> {
  return outboxOf(db).findOne({ _id: id });
}

/** Ids of the mails the sweeper should take up now, oldest first. */
export async function findRetryableMailIds(db: Db, now: Date, limit: number): Promise<string[]> {
  const mails = await outboxOf(db)
    .find({ $or: retryable(now) }, { projection: { _id: 1 } })
    .sort({ createdAt: 1 })
    .limit(limit)
    .toArray();
  return mails.map((mail) => mail._id);
}
