import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { type InstallEvent, type MongoConnection, notificationsOf } from "@installhub/shared";
import {
  type EventBus,
  isolatedConfig,
  type SmtpSink,
  startEventBus,
  startSmtpSink,
  uniqueId,
  waitFor,
} from "@installhub/shared/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findMail } from "../src/data-access/email-outbox.ts";
import { anInstall, notifierEnv, openDb } from "./harness.ts";

const repoRoot = resolve(import.meta.dirname, "../../..");
const base = isolatedConfig("notifier-crash");
let sink: SmtpSink;
let bus: EventBus;
let mongo: MongoConnection;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  bus = await startEventBus(base);
  mongo = await openDb(base);
});

afterEach(async () => {
  sink.intercept = undefined;
  for (const child of children.splice(0)) await stopProcess(child, "SIGTERM");
});

afterAll(async () => {
  await bus?.close();
  await mongo?.close();
  await sink?.close();
});

/** The notifier as it runs in production: its own process, started from main.ts. */
function spawnNotifier(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["services/notifier/src/main.ts"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill(signal);
  await exited;
}

const mailsTo = (email: string) => sink.messages.filter((mail) => mail.envelope.to.includes(email));
const emailDeliveries = (events: InstallEvent[]) =>
  events.filter(
    (event) =>
      event.type === "NotificationDelivered" && event.channel === "email" && event.outcome === "delivered",
  );

/** After a marker install on the same tenant (same partition) is mailed, everything before it was handled. */
async function settle(tenantId: string) {
  const marker = anInstall(tenantId);
  await bus.publisher.publish([marker.requested, marker.succeeded]);
  await waitFor(() => mailsTo(marker.email).length > 0, { timeoutMs: 60_000, what: "the marker's mail" });
}

async function expectExactlyOnce(install: ReturnType<typeof anInstall>) {
  await bus.waitForEvents(install.installId, (events) => emailDeliveries(events).length > 0);
  expect(mailsTo(install.email)).toHaveLength(1);
  expect(await notificationsOf(mongo.db).countDocuments({ installId: install.installId })).toBe(1);
  // docs/notifier.md: a crash between publishing NotificationDelivered and recording it republishes
  // that same event once; the kill may land in that window, so allow one identical copy, no more.
  const deliveries = emailDeliveries(bus.eventsOf(install.installId));
  expect(deliveries.length).toBeGreaterThanOrEqual(1);
  expect(deliveries.length).toBeLessThanOrEqual(2);
  expect(new Set(deliveries.map((event) => JSON.stringify({ ...event, occurredAt: undefined }))).size).toBe(
    1,
  );
}

describe("notifier killed mid-delivery", () => {
  it("sends one mail when it dies after the mail was recorded sent, before the offset was committed", async () => {
    const env = notifierEnv(base, sink.url);
    const tenantId = uniqueId("tenant");
    const install = anInstall(tenantId);
    const first = spawnNotifier(env);
    await bus.publisher.publish([install.requested, install.succeeded]);

    const outboxId = `${install.installId}:InstallSucceeded`;
    await waitFor(async () => (await findMail(mongo.db, outboxId))?.state === "sent", {
      timeoutMs: 60_000,
      intervalMs: 5,
      what: "the mail recorded sent",
    });
    await stopProcess(first, "SIGKILL");

    spawnNotifier(env);
    await settle(tenantId);
    await expectExactlyOnce(install);
  });

  it("sends one mail when it dies while the SMTP server is receiving it, before the server accepted it", async () => {
    // Short SMTP limits keep the claim of the dead sender short, so the sweeper takes the mail over soon.
    const env = notifierEnv(base, sink.url, {
      SMTP_CONNECTION_TIMEOUT_MS: "1000",
      SMTP_SOCKET_TIMEOUT_MS: "1000",
    });
    const tenantId = uniqueId("tenant");
    const install = anInstall(tenantId);
    const first = spawnNotifier(env);
    sink.intercept = async (mail) => {
      if (!mail.envelope.to.includes(install.email)) return;
      sink.intercept = undefined;
      await stopProcess(first, "SIGKILL");
      throw new Error("the sender died before the server accepted the message");
    };
    await bus.publisher.publish([install.requested, install.succeeded]);
    await waitFor(() => first.signalCode === "SIGKILL", { timeoutMs: 60_000, what: "the notifier killed" });
    expect((await findMail(mongo.db, `${install.installId}:InstallSucceeded`))?.state).toBe("sending");

    spawnNotifier(env);
    await settle(tenantId);
    await expectExactlyOnce(install);
  });
});
