import { setTimeout as sleep } from "node:timers/promises";
import { consumerGroupId, type InstallEvent, type InstallEventOf } from "@installhub/shared";
import { isolatedConfig, uniqueId } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMail } from "../src/data-access/email-outbox.ts";
import { type RunningNotifier, startNotifier } from "../src/service.ts";
import {
  anInstall,
  type NotifierHarness,
  notifierConfigOf,
  notifierEnv,
  startNotifierHarness,
} from "./harness.ts";

// A live sender that is merely slow must keep its mail: the outbox sweeper (here every 100 ms, in two
// notifier instances) takes over only a claim whose sender died, or the user gets a second e-mail.

const smtpDelayMs = 3_000;
const base = isolatedConfig("notifier-slow-smtp");
let harness: NotifierHarness;
const notifiers: RunningNotifier[] = [];

beforeAll(async () => {
  harness = await startNotifierHarness(base);
  // Seconds per message: the server takes its time before it answers the message's DATA.
  harness.sink.intercept = () => sleep(smtpDelayMs);
});

afterAll(async () => {
  for (const notifier of notifiers) await notifier.stop();
  await harness?.close();
});

const emailReports = (events: InstallEvent[]) =>
  events.filter(
    (event): event is InstallEventOf<"NotificationDelivered"> =>
      event.type === "NotificationDelivered" && event.channel === "email",
  );

describe("notifier with a slow SMTP server", () => {
  it("sends exactly one e-mail per outcome while the sweeper runs", async () => {
    // A reply may take the server's delay and more on a busy machine; every other limit stays short.
    const env = notifierEnv(base, harness.sink.url, {
      SMTP_SOCKET_TIMEOUT_MS: String(smtpDelayMs * 3),
      OUTBOX_SWEEP_INTERVAL_MS: "100",
    });
    for (let i = 0; i < 2; i++) notifiers.push(await startNotifier(notifierConfigOf(env)));
    const installs = Array.from({ length: 3 }, () => anInstall(uniqueId("tenant")));
    await harness.bus.publisher.publish(
      installs.flatMap((install) => [install.requested, install.succeeded]),
    );

    for (const install of installs) {
      await harness.bus.waitForEvents(install.installId, (events) => emailReports(events).length > 0, 90_000);
    }
    // Both instances' sweepers have had every chance by now; stopping them waits for any round
    // in progress, so a mail taken over from a live sender would be in the sink afterwards.
    await harness.bus.groupCaughtUp(consumerGroupId(notifierConfigOf(env), "notifier"), 90_000);
    for (const notifier of notifiers.splice(0)) await notifier.stop();
    await harness.bus.caughtUp();

    for (const install of installs) {
      expect(harness.sink.messages.filter((mail) => mail.envelope.to.includes(install.email))).toHaveLength(
        1,
      );
      expect(await findMail(harness.mongo.db, `${install.installId}:InstallSucceeded`)).toMatchObject({
        state: "sent",
        attempts: 1,
        failedRounds: 0,
      });
      expect(emailReports(harness.bus.eventsOf(install.installId)).map((event) => event.outcome)).toEqual([
        "delivered",
      ]);
    }
  });
});
