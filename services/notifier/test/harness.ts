import { type BaseConfig, connectMongo, type InstallEventOf, parseConfig } from "@installhub/shared";
import {
  configEnvironment,
  exampleEvents,
  startEventBus,
  startSmtpSink,
  uniqueId,
} from "@installhub/shared/testing";
import { type NotifierConfig, notifierConfigSchema } from "../src/config.ts";

export const publicBaseUrl = "https://installhub.test";

/**
 * The environment a test notifier runs with: the file's isolated topics and database, its own consumer
 * group, the test's SMTP sink, and short SMTP limits so failures and retries take moments.
 */
export function notifierEnv(
  base: BaseConfig,
  smtpUrl: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ...configEnvironment(base),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    KAFKA_GROUP_PREFIX: uniqueId("notifier-test"),
    SMTP_URL: smtpUrl,
    MAIL_FROM: "InstallHub <notify@installhub.test>",
    PUBLIC_BASE_URL: publicBaseUrl,
    SMTP_ATTEMPTS: "2",
    SMTP_BACKOFF_MS: "100",
    SMTP_CONNECTION_TIMEOUT_MS: "2000",
    SMTP_SOCKET_TIMEOUT_MS: "2000",
    OUTBOX_SWEEP_INTERVAL_MS: "500",
    ...overrides,
  };
}

export const notifierConfigOf = (env: Record<string, string>): NotifierConfig =>
  parseConfig(notifierConfigSchema, env);

/** The events of one install whose requester has an e-mail address of their own, to find their mail by. */
export function anInstall(tenantId: string) {
  const installId = uniqueId("mkt-install");
  const importId = uniqueId("imp");
  const events = exampleEvents({ installId, tenantId, importId });
  const email = `${installId}@${tenantId}.example`;
  const requested: InstallEventOf<"InstallRequested"> = {
    ...events.InstallRequested,
    requestedBy: { userId: `user-${installId}`, email },
  };
  return {
    installId,
    importId,
    email,
    userId: requested.requestedBy.userId,
    requested,
    succeeded: events.InstallSucceeded,
    failed: events.InstallFailed,
    /** The same installId as an uninstall (docs/lifecycle.md): its request, progress and outcomes. */
    uninstall: {
      requested: { ...events.UninstallRequested, requestedBy: requested.requestedBy },
      started: events.UninstallStarted,
      removed: events.ArtifactRemoved,
      cancel: events.InstallCancelRequested,
      succeeded: events.UninstallSucceeded,
      failed: events.UninstallFailed,
    },
  };
}

export async function openDb(config: BaseConfig) {
  return connectMongo(config.MONGO_URL, config.MONGO_DB);
}

/**
 * What every notifier test file needs besides its notifiers: an SMTP sink to receive the mail, a bus
 * on the file's topics (`base`, from isolatedConfig) and its database. close() closes all three; stop
 * the file's notifiers first.
 */
export async function startNotifierHarness(base: BaseConfig) {
  const sink = await startSmtpSink();
  const bus = await startEventBus(base);
  const mongo = await openDb(base);
  return {
    sink,
    bus,
    mongo,
    /** The mails the sink has received for `email`, in the order they came. */
    mailsTo: (email: string) => sink.messages.filter((mail) => mail.envelope.to.includes(email)),
    async close() {
      await bus.close();
      await mongo.close();
      await sink.close();
    },
  };
}
export type NotifierHarness = Awaited<ReturnType<typeof startNotifierHarness>>;
