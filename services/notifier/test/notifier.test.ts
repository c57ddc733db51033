import { consumerGroupId, type InstallEvent, type InstallEventOf, notificationsOf } from "@installhub/shared";
import { isolatedConfig, uniqueId, waitFor } from "@installhub/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMail } from "../src/data-access/email-outbox.ts";
import { type RunningNotifier, startNotifier } from "../src/service.ts";
import {
  anInstall,
  type NotifierHarness,
  notifierConfigOf,
  notifierEnv,
  publicBaseUrl,
  startNotifierHarness,
} from "./harness.ts";

const base = isolatedConfig("notifier");
let harness: NotifierHarness;
let notifier: RunningNotifier;
let env: Record<string, string>;

beforeAll(async () => {
  harness = await startNotifierHarness(base);
  env = notifierEnv(base, harness.sink.url);
  notifier = await startNotifier(notifierConfigOf(env));
});

afterAll(async () => {
  await notifier?.stop();
  await harness?.close();
});

const waitForMail = (email: string) =>
  waitFor(() => harness.mailsTo(email)[0], { timeoutMs: 60_000, what: `a mail to ${email}` });
const notificationsFor = (installId: string) =>
  notificationsOf(harness.mongo.db).find({ installId }).toArray();
const deliveries = (events: InstallEvent[], channel: string, outcome: string) =>
  events.filter(
    (event): event is InstallEventOf<"NotificationDelivered"> =>
      event.type === "NotificationDelivered" && event.channel === channel && event.outcome === outcome,
  );
const bothChannelsDelivered = (events: InstallEvent[]) =>
  deliveries(events, "in-app", "delivered").length > 0 && deliveries(events, "email", "delivered").length > 0;

/**
 * Waits until the notifier has handled (and committed) everything on the topic so far, then until the
 * bus has read everything it published meanwhile: what the tests count afterwards is final.
 */
async function settle() {
  await harness.bus.groupCaughtUp(consumerGroupId(notifierConfigOf(env), "notifier"), 90_000);
  await harness.bus.caughtUp();
}

describe("notifier", () => {
  it("notifies a success in-app and by e-mail with package, version, tenant, counts and the import link", async () => {
    const install = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([install.requested, install.succeeded]);

    const mail = await waitForMail(install.email);
    const importUrl = `${publicBaseUrl}/api/installhub/imports/${install.importId}`;
    expect(mail.subject).toContain("ACME Invoice Workflows 3.0.0 installed in");
    expect(mail.headers.from).toContain("notify@installhub.test");
    expect(mail.messageId).toBe(`<${install.installId}.InstallSucceeded@installhub.test>`);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("ACME Invoice Workflows");
      expect(part).toContain("3.0.0");
      expect(part).toContain(install.requested.tenantId);
      expect(part).toContain(importUrl);
    }
    expect(mail.text).toMatch(/Artifacts installed:\s+5/);
    expect(mail.text).toMatch(/Conflicts resolved:\s+1/);

    const [notification, ...others] = await waitFor(async () => {
      const found = await notificationsFor(install.installId);
      return found.length > 0 && found;
    });
    expect(others).toEqual([]);
    expect(notification).toMatchObject({
      userId: install.userId,
      tenantId: install.requested.tenantId,
      installId: install.installId,
      kind: "InstallSucceeded",
      title: `ACME Invoice Workflows 3.0.0 installed in ${install.requested.tenantId}`,
      body: "5 artifacts installed, 1 conflict resolved.",
      link: `/api/installhub/imports/${install.importId}`,
      readAt: null,
    });
    expect(Date.parse(notification!.createdAt)).not.toBeNaN();

    const events = await harness.bus.waitForEvents(install.installId, bothChannelsDelivered);
    expect(deliveries(events, "email", "delivered")[0]).toMatchObject({
      recipient: install.email,
      notificationId: `${install.installId}:InstallSucceeded`,
    });
    expect(deliveries(events, "in-app", "delivered")[0]).toMatchObject({
      recipient: install.userId,
      notificationId: notification!._id,
    });
  });

  it("mails nobody when the stored requester address is not exactly one address (header or list injection)", async () => {
    const tenantId = uniqueId("tenant");
    const hostile = [
      "x@example.test\r\nBcc: attacker@evil.test",
      "a@example.test, attacker@evil.test",
      "Name <attacker@evil.test>",
      `${"a".repeat(300)}@example.test`,
      "élise@example.test",
    ];
    const installs = hostile.map((email) => {
      const install = anInstall(tenantId);
      return {
        ...install,
        requested: { ...install.requested, requestedBy: { userId: install.userId, email } },
      };
    });
    for (const install of installs)
      await harness.bus.publisher.publish([install.requested, install.succeeded]);
    await settle();

    // Every hostile install was handled before the marker: none of them reached any mailbox.
    const strays = harness.sink.messages.filter((mail) =>
      mail.envelope.to.some((to) => to.includes("evil.test") || to.includes("example.test")),
    );
    expect(strays).toEqual([]);
    for (const install of installs) {
      const events = await harness.bus.waitForEvents(
        install.installId,
        (seen) =>
          deliveries(seen, "email", "failed").length > 0 &&
          deliveries(seen, "in-app", "delivered").length > 0,
      );
      expect(deliveries(events, "email", "failed")[0]?.error).toMatch(/refused/);
      expect(deliveries(events, "email", "delivered")).toEqual([]);
      expect(await notificationsFor(install.installId)).toHaveLength(1);
    }
  });

  it("sends each mail to exactly one envelope recipient, the stored address", async () => {
    const install = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([install.requested, install.succeeded]);
    const mail = await waitForMail(install.email);
    expect(mail.envelope.to).toEqual([install.email]);
    expect(mail.headers.to).toBe(install.email);
  });

  it("notifies a failure with stage, error code, message, rollback and the absolute audit-log link", async () => {
    const install = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([install.requested, install.failed]);

    const mail = await waitForMail(install.email);
    const auditLogUrl = `${publicBaseUrl}/api/installhub/imports/${install.importId}/audit-log`;
    expect(mail.subject).toContain("failed");
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("SecurityScanFailed");
      expect(part).toContain("Package scan returned FAIL — installation blocked");
      expect(part).toContain("SecurityScan");
      expect(part).toContain(auditLogUrl);
    }
    expect(mail.text).toMatch(/Rolled back:\s+yes/);

    const [notification] = await waitFor(async () => {
      const found = await notificationsFor(install.installId);
      return found.length > 0 && found;
    });
    expect(notification).toMatchObject({
      kind: "InstallFailed",
      userId: install.userId,
      link: `/api/installhub/imports/${install.importId}/audit-log`,
    });
    expect(notification!.body).toContain("SecurityScanFailed");
  });

  it("notifies an uninstall in-app and by e-mail: removed, kept, the import link; its progress and cancel events need nothing", async () => {
    const { installId, importId, email, userId, uninstall } = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([
      uninstall.requested,
      uninstall.started,
      uninstall.removed,
      uninstall.succeeded,
    ]);

    const mail = await waitForMail(email);
    expect(mail.subject).toContain(
      `ACME Invoice Workflows 3.0.0 uninstalled from ${uninstall.requested.tenantId}`,
    );
    expect(mail.messageId).toBe(`<${installId}.UninstallSucceeded@installhub.test>`);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("overdue-report");
      expect(part).toContain(`${publicBaseUrl}/api/installhub/imports/${importId}`);
    }
    expect(mail.text).toMatch(/Artifacts removed:\s+4/);
    const [notification] = await waitFor(async () => {
      const found = await notificationsFor(installId);
      return found.length > 0 && found;
    });
    expect(notification).toMatchObject({
      kind: "UninstallSucceeded",
      userId,
      body: "4 artifacts removed; kept because the tenant changed them: overdue-report.",
      link: `/api/installhub/imports/${importId}`,
    });
    const events = await harness.bus.waitForEvents(installId, bothChannelsDelivered);
    expect(deliveries(events, "email", "delivered")[0]).toMatchObject({
      recipient: email,
      notificationId: `${installId}:UninstallSucceeded`,
    });
    await settle();
    expect(deliveries(harness.bus.eventsOf(installId), "email", "failed")).toEqual([]);
  });

  it("notifies a cancelled uninstall with its error, rollback and audit-log link", async () => {
    const { installId, importId, email, uninstall } = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([
      uninstall.requested,
      uninstall.started,
      uninstall.cancel,
      uninstall.failed,
    ]);

    const mail = await waitForMail(email);
    expect(mail.subject).toContain("Uninstall of ACME Invoice Workflows 3.0.0 failed");
    expect(mail.text).toContain("InstallCancelled");
    expect(mail.text).toMatch(/Rolled back:\s+yes/);
    expect(mail.text).toContain(`${publicBaseUrl}/api/installhub/imports/${importId}/audit-log`);
    const [notification] = await waitFor(async () => {
      const found = await notificationsFor(installId);
      return found.length > 0 && found;
    });
    expect(notification).toMatchObject({
      kind: "UninstallFailed",
      link: `/api/installhub/imports/${importId}/audit-log`,
    });
    expect(notification!.body).toContain("Removed artifacts were put back.");
  });

  it("marks a dry run's notification and mail as a dry run with the plan", async () => {
    const install = anInstall(uniqueId("tenant"));
    await harness.bus.publisher.publish([
      { ...install.requested, dryRun: true },
      {
        ...install.succeeded,
        dryRun: true,
        artifactsInstalled: 0,
        plan: [
          { key: "invoice-dashboard", action: "Created", resultingKey: "invoice-dashboard" },
          { key: "invoice-approval", action: "Overwritten", resultingKey: "invoice-approval" },
        ],
      },
    ]);
    const mail = await waitForMail(install.email);
    expect(mail.subject).toContain("DRY RUN");
    expect(mail.text).toContain("2 artifacts: 1 Created, 1 Overwritten");
    expect(mail.html).toContain("invoice-approval: Overwritten");
    const [notification] = await waitFor(async () => {
      const found = await notificationsFor(install.installId);
      return found.length > 0 && found;
    });
    expect(notification?.kind).toBe("DryRunCompleted");
    expect(notification?.title).toMatch(/^DRY RUN: /);
  });

  it("sends one mail and one in-app notification when the outcome is delivered twice", async () => {
    const tenantId = uniqueId("tenant");
    const install = anInstall(tenantId);
    await harness.bus.publisher.publish([
      install.requested,
      install.succeeded,
      install.requested,
      install.succeeded,
    ]);
    await settle();

    expect(harness.mailsTo(install.email)).toHaveLength(1);
    expect(await notificationsFor(install.installId)).toHaveLength(1);
    const events = harness.bus.eventsOf(install.installId);
    expect(deliveries(events, "email", "delivered")).toHaveLength(1);
    expect(deliveries(events, "in-app", "delivered")).toHaveLength(1);
  });

  it("sends nothing again after the notifier's group is reset to the earliest offset", async () => {
    const tenantId = uniqueId("tenant");
    const installs = [anInstall(tenantId), anInstall(tenantId)];
    await harness.bus.publisher.publish([installs[0]!.requested, installs[0]!.succeeded]);
    await harness.bus.publisher.publish([installs[1]!.requested, installs[1]!.failed]);
    await settle();

    await notifier.stop();
    const admin = harness.bus.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({
      groupId: consumerGroupId(notifierConfigOf(env), "notifier"),
      topic: base.INSTALL_EVENTS_TOPIC,
      earliest: true,
    });
    await admin.disconnect();
    notifier = await startNotifier(notifierConfigOf(env));
    await settle();

    for (const install of installs) {
      expect(harness.mailsTo(install.email)).toHaveLength(1);
      expect(await notificationsFor(install.installId)).toHaveLength(1);
      const events = harness.bus.eventsOf(install.installId);
      expect(deliveries(events, "email", "delivered")).toHaveLength(1);
      expect(deliveries(events, "in-app", "delivered")).toHaveLength(1);
    }
  });

  it("keeps notifying in-app while SMTP refuses, records the mail failed, and delivers it once SMTP recovers", async () => {
    const tenantId = uniqueId("tenant");
    const installs = [anInstall(tenantId), anInstall(tenantId)];
    harness.sink.setMode("refuse-connections");
    try {
      await harness.bus.publisher.publish([installs[0]!.requested, installs[0]!.succeeded]);
      await harness.bus.publisher.publish([installs[1]!.requested, installs[1]!.failed]);

      for (const install of installs) {
        const events = await harness.bus.waitForEvents(
          install.installId,
          (seen) => deliveries(seen, "email", "failed").length > 0,
        );
        expect(deliveries(events, "email", "failed")[0]?.error).toContain("service not available");
        expect(deliveries(events, "in-app", "delivered")).toHaveLength(1);
        expect(await notificationsFor(install.installId)).toHaveLength(1);
      }
      const outboxId = `${installs[0]!.installId}:InstallSucceeded`;
      const failed = await findMail(harness.mongo.db, outboxId);
      // Recorded failed; the sweeper may already be trying it again (it keeps the last error).
      expect(["failed", "sending"]).toContain(failed?.state);
      expect(failed?.attempts).toBeGreaterThanOrEqual(2);
      expect(failed?.lastError).toContain("service not available");
      expect(harness.mailsTo(installs[0]!.email)).toHaveLength(0);
    } finally {
      harness.sink.setMode("accept");
    }

    for (const install of installs) {
      await waitForMail(install.email);
      await harness.bus.waitForEvents(
        install.installId,
        (seen) => deliveries(seen, "email", "delivered").length > 0,
      );
    }
    await settle();
    for (const install of installs) {
      expect(harness.mailsTo(install.email)).toHaveLength(1);
      expect(deliveries(harness.bus.eventsOf(install.installId), "email", "failed")).toHaveLength(1);
      expect(deliveries(harness.bus.eventsOf(install.installId), "email", "delivered")).toHaveLength(1);
    }
    expect((await findMail(harness.mongo.db, `${installs[0]!.installId}:InstallSucceeded`))?.state).toBe(
      "sent",
    );
  });
});
