// `pnpm test:chaos`: the four services as separate processes on a Kafka and a FerretDB of their own,
// broken on purpose while a few hundred installs over tens of tenants are in flight; then the
// invariants of docs/design.md §8, printed as a table. Exits 1 when one does not hold. Budget: CHAOS_BUDGET_S
// (default 720 s), after which it stops and fails. The services' logs (LOG_LEVEL warn) and the
// infrastructure's are kept in .artifacts/chaos/<start time>/ when the run fails (always with
// CHAOS_KEEP_LOGS=1): a flaky failure is diagnosed from what that one run wrote.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import {
  auditLogOf,
  connectMongo,
  EventCodec,
  type InstallEvent,
  importRecordsOf,
  loadExampleCatalog,
  notificationsOf,
  readTopicToEnd,
  repositoryRoot,
  startDevCdn,
} from "@installhub/shared";
import { startSmtpSink, waitFor } from "@installhub/shared/testing";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { loadOrCreateDevKey } from "../../services/gateway/src/auth/dev-key.ts";
import { signToken } from "../../services/gateway/src/auth/tokens.ts";

const logDir = join(repositoryRoot, ".artifacts", "chaos", new Date().toISOString().replace(/[:.]/g, "-"));
await mkdir(logDir, { recursive: true });
/** What the runner says, also kept beside the services' logs. */
const runLog = createWriteStream(join(logDir, "runner.log"), { flags: "a" });
const budgetMs = Number(process.env.CHAOS_BUDGET_S ?? 720) * 1000;
const began = performance.now();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)}s`;
const say = (line: string) => {
  process.stdout.write(`chaos [${elapsed()}] ${line}\n`);
  runLog.write(`${new Date().toISOString()} [${elapsed()}] ${line}\n`);
};
const overall = setTimeout(() => {
  say(`budget of ${budgetMs / 1000}s spent: failing`);
  void shutdown(1);
}, budgetMs);

// ---------- infrastructure of its own ----------

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const stateDir = await mkdtemp(join(tmpdir(), "installhub-chaos-"));
const ports = {
  INFRA_KAFKA_PORT: String(await freePort()),
  INFRA_KAFKA_CONTROLLER_PORT: String(await freePort()),
  INFRA_REGISTRY_PORT: String(await freePort()),
  INFRA_MONGO_PORT: String(await freePort()),
};
const infraEnv = {
  ...process.env,
  ...ports,
  INSTALLHUB_INFRA_DIR: stateDir,
  KAFKA_BROKERS: "",
  SCHEMA_REGISTRY_URL: "",
  MONGO_URL: "",
};
const infra = (...args: string[]) =>
  execFileSync("bash", [join(repositoryRoot, "infra/infra.sh"), ...args], { env: infraEnv, stdio: "pipe" });
/** `infra.sh` without blocking this process: the load and its latency clocks keep running meanwhile. */
const infraInBackground = (...args: string[]) =>
  promisify(execFile)("bash", [join(repositoryRoot, "infra/infra.sh"), ...args], { env: infraEnv });
const pidOf = async (component: "kafka" | "mongodb") =>
  Number((await readFile(join(stateDir, component, "pid"), "utf8")).trim());

say(`starting Kafka, registry and FerretDB of its own in ${stateDir}`);
infra("up");
const env = {
  KAFKA_BROKERS: `127.0.0.1:${ports.INFRA_KAFKA_PORT}`,
  SCHEMA_REGISTRY_URL: `http://127.0.0.1:${ports.INFRA_REGISTRY_PORT}/apis/ccompat/v7`,
  MONGO_URL: `mongodb://127.0.0.1:${ports.INFRA_MONGO_PORT}/`,
  MONGO_DB: "chaos",
  INSTALL_EVENTS_TOPIC: "chaos.install-events",
  DLQ_TOPIC: "chaos.install-events.dlq",
  KAFKA_TOPIC_PARTITIONS: "3",
  LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? "warn",
  // Rebalances and recoveries within seconds, not half a minute.
  KAFKA_SESSION_TIMEOUT_MS: "6000",
  CONSUMER_MAX_BACKOFF_MS: "2000",
  OUTBOX_SWEEP_INTERVAL_MS: "1000",
  OUTBOX_RELAY_GRACE_MS: "20000",
};

// ---------- what the services need around them ----------

const mongo = await connectMongo(env.MONGO_URL, env.MONGO_DB);
const scratch = await mkdtemp(join(tmpdir(), "installhub-chaos-data-"));
await loadExampleCatalog({ db: mongo.db, cdnRoot: join(scratch, "cdn"), keysDir: join(scratch, "keys") });
const cdn = await startDevCdn({ root: join(scratch, "cdn") });
const smtp = await startSmtpSink();
const devKeys = join(scratch, "dev-keys");
const gatewayPort = await freePort();
const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

type Service = "gateway" | "scanner" | "installer" | "notifier";
interface Running {
  name: string;
  service: Service;
  child: ChildProcess;
  opsPort: number;
  killedOnPurpose: boolean;
}
const running = new Map<string, Running>();
const unexpectedExits: string[] = [];

async function startService(service: Service, instance = 1): Promise<Running> {
  const name = `${service}#${instance}`;
  const opsPort = service === "gateway" ? gatewayPort : await freePort();
  const child = spawn(process.execPath, [join(repositoryRoot, `services/${service}/src/main.ts`)], {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      ...env,
      PUBLICHUB_CDN_URL: cdn.url,
      SMTP_URL: smtp.url,
      SMTP_ATTEMPTS: "2",
      SMTP_BACKOFF_MS: "200",
      OUTBOX_SWEEP_INTERVAL_MS: service === "notifier" ? "2000" : env.OUTBOX_SWEEP_INTERVAL_MS,
      PUBLIC_BASE_URL: gatewayUrl,
      DEV_KEYS_DIR: devKeys,
      ...(service === "gateway" ? { GATEWAY_PORT: String(gatewayPort) } : { OPS_PORT: String(opsPort) }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const entry: Running = { name, service, child, opsPort, killedOnPurpose: false };
  // One file per instance, appended to across restarts, each start marked.
  const log = createWriteStream(join(logDir, `${service}-${instance}.log`), { flags: "a" });
  log.write(`--- ${new Date().toISOString()} ${name} started (pid ${child.pid}) ---\n`);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.on("exit", (code, signal) => {
    if (!entry.killedOnPurpose && !stopping) {
      unexpectedExits.push(`${name} exited by itself (${signal ?? code})`);
      say(`!! ${name} exited by itself (${signal ?? code})`);
    }
  });
  running.set(name, entry);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/healthz`).catch(() => undefined))?.ok, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `${name} to answer /healthz`,
  });
  return entry;
}

async function kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  const entry = running.get(name);
  if (!entry) return;
  entry.killedOnPurpose = true;
  running.delete(name);
  const exited = new Promise((resolve) => entry.child.once("exit", resolve));
  entry.child.kill(signal);
  await exited;
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (stopping) return new Promise(() => {});
  stopping = true;
  clearTimeout(overall);
  await Promise.all([...running.keys()].map((name) => kill(name, "SIGTERM").catch(() => {})));
  await cdn.close().catch(() => {});
  await smtp.close().catch(() => {});
  await mongo.close().catch(() => {});
  // The infrastructure's logs (Kafka, registry, FerretDB, PostgreSQL) before `forget` deletes them.
  const infraLogs = (() => {
    try {
      return infra("log-files").toString().trim().split("\n");
    } catch {
      return [];
    }
  })();
  await Promise.all(infraLogs.map((file) => cp(file, join(logDir, basename(file))).catch(() => {})));
  try {
    infra("forget");
  } catch {}
  runLog.end();
  if (code === 0 && process.env.CHAOS_KEEP_LOGS !== "1") await rm(logDir, { recursive: true, force: true });
  else process.stdout.write(`chaos: logs of this run in ${logDir}\n`);
  await rm(stateDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
// Whatever goes wrong in the runner itself, what it started is stopped.
process.on("uncaughtException", (error) => {
  say(`runner failed: ${error.stack ?? error}`);
  void shutdown(1);
});
process.on("unhandledRejection", (error) => {
  say(`runner failed: ${(error as Error)?.stack ?? error}`);
  void shutdown(1);
});

// ---------- the load: a careful client per install ----------

const tenants = Array.from(
  { length: Number(process.env.CHAOS_TENANTS ?? 24) },
  (_, i) => `chaos-tenant-${i}`,
);
const token = await signToken((await loadOrCreateDevKey(devKeys)).privateKey, {
  sub: "chaos-admin",
  email: "chaos-admin@example.test",
  tenants,
  permissions: ["installhub:import", "marketplace:install", "marketplace:install:community"],
});

interface Kind {
  packageId: string;
  body: Record<string, unknown>;
  expected: { status: "Success" | "Failed"; error?: string; dryRun?: boolean };
}
/** What each package must end as, whatever breaks meanwhile. */
const kinds: Kind[] = [
  {
    packageId: "acme-invoice-workflows",
    body: { version: "3.0.0", defaultConflictStrategy: "Overwrite" },
    expected: { status: "Success" },
  },
  {
    packageId: "acme-reporting-pack",
    body: { defaultConflictStrategy: "Rename" },
    expected: { status: "Success" },
  },
  {
    packageId: "community-kanban-widgets",
    body: { acknowledgeCommunityPackage: true },
    expected: { status: "Success" },
  },
  {
    packageId: "acme-invoice-workflows",
    body: { dryRun: true },
    expected: { status: "Success", dryRun: true },
  },
  { packageId: "shady-toolkit", body: {}, expected: { status: "Failed", error: "SecurityScanFailed" } },
  {
    packageId: "tampered-dashboards",
    body: {},
    expected: { status: "Failed", error: "IntegrityCheckFailed" },
  },
];

interface Attempt {
  tenant: string;
  kind: Kind;
  phase: string;
  key: string;
  /** The answer the caller finally believes: the last one it got. */
  answer: number | "timeout";
  /** Whether any try got no answer at all (a timeout, a refused connection). */
  unanswered: boolean;
  installId?: string;
  latenciesMs: number[];
  /** Every try, for the logs: seconds into the run, then the answer (status and message) or the failure. */
  tries: string[];
}
const attempts: Attempt[] = [];
let phase = "warm-up";

async function installOnce(index: number): Promise<void> {
  const tenant = tenants[index % tenants.length]!;
  // Every tenant sees every kind over the run, in a different order.
  const kind = kinds[(index + Math.floor(index / tenants.length)) % kinds.length]!;
  const attempt: Attempt = {
    tenant,
    kind,
    phase,
    key: randomUUID(),
    answer: "timeout",
    unanswered: false,
    latenciesMs: [],
    tries: [],
  };
  attempts.push(attempt);
  // A careful client: a timeout or a connection error is retried with the same Idempotency-Key.
  for (let tries = 0; tries < 5; tries++) {
    const start = performance.now();
    try {
      const response = await fetch(`${gatewayUrl}/api/marketplace/packages/${kind.packageId}/install`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": attempt.key,
        },
        body: JSON.stringify({ targetTenantId: tenant, ...kind.body }),
        signal: AbortSignal.timeout(10_000),
      });
      attempt.latenciesMs.push(performance.now() - start);
      attempt.answer = response.status;
      const body = (await response.json().catch(() => ({}))) as { installId?: string; message?: string };
      attempt.tries.push(`${elapsed()} ${response.status}${body.message ? ` ${body.message}` : ""}`);
      if (response.status === 202) attempt.installId = body.installId;
      if (response.status !== 503 && response.status !== 409) return;
    } catch (error) {
      attempt.tries.push(`${elapsed()} no answer: ${(error as Error).message}`);
      attempt.latenciesMs.push(performance.now() - start);
      attempt.answer = "timeout";
      attempt.unanswered = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000 * (tries + 1)));
  }
}

let loadRunning = true;
const inFlight = new Set<Promise<void>>();
const ratePerSecond = Number(process.env.CHAOS_RATE ?? 1.5);
async function generateLoad(): Promise<void> {
  for (let i = 0; loadRunning; i++) {
    const request = installOnce(i).finally(() => inFlight.delete(request));
    inFlight.add(request);
    await new Promise((resolve) => setTimeout(resolve, 1000 / ratePerSecond));
  }
}

// ---------- the faults ----------

const poisonIds: string[] = [];
const kafka = new Kafka({ brokers: [env.KAFKA_BROKERS], clientId: "chaos", logLevel: logLevel.NOTHING });

async function during(name: string, ms: number, fault: () => Promise<void>, recover?: () => Promise<void>) {
  phase = name;
  say(`fault: ${name}`);
  await fault();
  await new Promise((resolve) => setTimeout(resolve, ms));
  await recover?.();
  say(`recovered: ${name}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poison(): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const codec = new EventCodec(env.SCHEMA_REGISTRY_URL, env.INSTALL_EVENTS_TOPIC);
  await codec.register();
  const wireHeader = (schemaId: number) => {
    const header = Buffer.alloc(5); // magic byte 0, then the schema id
    header.writeUInt32BE(schemaId, 1);
    return header;
  };
  const header = wireHeader(999_999);
  const id = () => {
    const installId = `mkt-install-poison-${randomUUID()}`;
    poisonIds.push(installId);
    return installId;
  };
  await producer.send({
    topic: env.INSTALL_EVENTS_TOPIC,
    messages: [
      // No magic byte.
      { key: tenants[0], value: "not an event", headers: { ce_type: "InstallRequested", ce_subject: id() } },
      // An unknown schema id.
      {
        key: tenants[1],
        value: Buffer.concat([header, Buffer.from('{"type":"InstallRequested"}')]),
        headers: { ce_type: "InstallRequested", ce_subject: id() },
      },
      // A type nobody knows, in our wire format with a real schema id.
      {
        key: tenants[2],
        value: Buffer.concat([
          wireHeader(codec.schemaIdOf("ImportStarted")),
          Buffer.from(JSON.stringify({ type: "InstallTeleported", installId: id() })),
        ]),
        headers: { ce_type: "InstallTeleported" },
      },
    ],
  });
  await producer.disconnect();
}

// ---------- the run ----------

say("starting gateway, scanner, installer, notifier as separate processes");
for (const service of ["gateway", "scanner", "installer", "notifier"] as const) await startService(service);
const load = generateLoad();
const faultLength = Number(process.env.CHAOS_FAULT_S ?? 12) * 1000;

await pause(5_000);
for (const service of ["gateway", "scanner", "installer", "notifier"] as const) {
  await during(
    `SIGKILL ${service}`,
    2_000,
    () => kill(`${service}#1`),
    async () => void (await startService(service)),
  );
  await pause(faultLength / 2);
}
await during(
  "second instances join, then one of each is killed",
  faultLength,
  async () => {
    for (const service of ["scanner", "installer", "notifier"] as const) await startService(service, 2);
  },
  async () => {
    for (const service of ["scanner", "installer", "notifier"] as const) await kill(`${service}#1`);
  },
);
await during(
  "Kafka SIGKILLed and restarted",
  faultLength,
  async () => void process.kill(await pidOf("kafka"), "SIGKILL"),
  async () => void (await infraInBackground("up")),
);
await pause(faultLength / 2);
await during(
  "the database frozen (SIGSTOP)",
  faultLength,
  async () => void process.kill(await pidOf("mongodb"), "SIGSTOP"),
  async () => void process.kill(await pidOf("mongodb"), "SIGCONT"),
);
await pause(faultLength / 2);
await during(
  "the database SIGKILLed and restarted",
  faultLength / 2,
  async () => void process.kill(await pidOf("mongodb"), "SIGKILL"),
  async () => void (await infraInBackground("up")),
);
await pause(faultLength / 2);
await during(
  "SMTP refusing",
  faultLength,
  async () => smtp.setMode("refuse-connections"),
  async () => smtp.setMode("accept"),
);
await during("poison records on the topic", 1_000, poison);
phase = "quiet";
await pause(faultLength / 2);
loadRunning = false;
await load;
await Promise.all(inFlight);
say(`load stopped: ${attempts.length} install requests; waiting for every accepted install to finish`);

// ---------- invariants ----------

const accepted = attempts.filter((attempt) => attempt.answer === 202 && attempt.installId);
type StatusView = { status: string; stage?: string; error?: string; dryRun?: boolean; importId?: string };
const statusOf = async (installId: string): Promise<StatusView> => {
  try {
    const response = await fetch(`${gatewayUrl}/api/marketplace/installs/${installId}/status`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as StatusView & { message?: string };
    // An error answer (a 503 while the database is away) is no status: not terminal, and said so. It
    // used to count as terminal (it has no status InProgress), which hid a gateway that could not read.
    if (!response.ok)
      return { status: "InProgress", stage: `unreadable: ${response.status} ${body.message}` };
    return body;
  } catch (error) {
    return { status: "InProgress", stage: `unreadable: ${(error as Error).message}` };
  }
};
/** What is left of the budget, keeping 30 s to check the invariants and stop everything. */
const remainingMs = () => Math.max(1_000, budgetMs - (performance.now() - began) - 30_000);
const terminalDeadline = Math.min(240_000, remainingMs());
let unfinished: string[] = [];
let lastReport = 0;
try {
  await waitFor(
    async () => {
      const statuses = await Promise.all(
        accepted.map(async (attempt) => [attempt, await statusOf(attempt.installId!)] as const),
      );
      const open = statuses.filter(([, status]) => status.status === "InProgress");
      unfinished = open.map(([attempt]) => attempt.installId!);
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        const byStage: Record<string, number> = {};
        for (const [, status] of open) {
          const stage = (status as { stage?: string }).stage ?? "?";
          byStage[stage] = (byStage[stage] ?? 0) + 1;
        }
        say(
          `${accepted.length - open.length}/${accepted.length} terminal; open by stage: ${JSON.stringify(byStage)}`,
        );
      }
      return unfinished.length === 0;
    },
    { timeoutMs: terminalDeadline, intervalMs: 2_000, what: "every accepted install terminal" },
  );
} catch {}

const finalStatuses = new Map(
  await Promise.all(
    accepted.map(async (attempt) => [attempt.installId!, await statusOf(attempt.installId!)] as const),
  ),
);
// Mails of installs that ended while SMTP refused are retried by the notifier's sweeper: give them time.
const delivered = async () => {
  const mailed = new Set(smtp.messages.map((mail) => /<(mkt-install-[^.]+)\./.exec(mail.messageId)?.[1]));
  return accepted.every((attempt) => mailed.has(attempt.installId));
};
await waitFor(delivered, {
  timeoutMs: Math.min(120_000, remainingMs()),
  intervalMs: 2_000,
  what: "every outcome mailed",
}).catch(() => {});

const events: InstallEvent[] = [];
const topicCodec = new EventCodec(env.SCHEMA_REGISTRY_URL, env.INSTALL_EVENTS_TOPIC);
await readTopicToEnd(kafka, env.INSTALL_EVENTS_TOPIC, async ({ message }) => {
  if (!message.value) return;
  const event = await topicCodec.decode(message.value).catch(() => undefined);
  if (event) events.push(event);
});
const terminalTypes = new Map<string, Set<string>>();
for (const event of events) {
  if (event.type !== "InstallSucceeded" && event.type !== "InstallFailed") continue;
  const set = terminalTypes.get(event.installId) ?? new Set<string>();
  set.add(event.type);
  terminalTypes.set(event.installId, set);
}
const deadLetters: { reason: string; subject: string }[] = [];
await readTopicToEnd(kafka, env.DLQ_TOPIC, ({ message }) => {
  deadLetters.push({
    reason: message.headers?.dlq_reason?.toString() ?? "",
    subject: message.headers?.ce_subject?.toString() ?? "",
  });
});

const acceptedIds = new Set(accepted.map((attempt) => attempt.installId!));
/**
 * A caller that never got an answer to some try cannot know whether its install happened (a lost 202
 * is possible); every other non-202 caller was told "nothing happens". So per tenant, installs nobody
 * was told of may exist only up to that tenant's number of callers left without an answer.
 */
const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};
const unanswered = countBy(
  attempts.filter((attempt) => attempt.answer !== 202 && attempt.unanswered),
  (attempt) => attempt.tenant,
);
const refusedCount = attempts.filter((attempt) => attempt.answer !== 202 && !attempt.unanswered).length;
const requestedUntold = events.filter(
  (event) =>
    event.type === "InstallRequested" &&
    !acceptedIds.has(event.installId) &&
    !poisonIds.includes(event.installId),
);
const untoldByTenant = countBy(requestedUntold, (event) => event.tenantId);
const ghostTenants = [...untoldByTenant].filter(([tenant, count]) => count > (unanswered.get(tenant) ?? 0));

const wrongOutcomes = accepted.filter((attempt) => {
  const status = finalStatuses.get(attempt.installId!)!;
  const expected = attempt.kind.expected;
  return (
    status.status !== expected.status ||
    (expected.error !== undefined && status.error !== expected.error) ||
    Boolean(status.dryRun) !== Boolean(expected.dryRun)
  );
});
const flips = [...terminalTypes].filter(([, types]) => types.size > 1).map(([id]) => id);

const inApp = await notificationsOf(mongo.db)
  .find({ installId: { $in: [...acceptedIds] } })
  .toArray();
const inAppCount = new Map<string, number>();
for (const notification of inApp)
  inAppCount.set(notification.installId, (inAppCount.get(notification.installId) ?? 0) + 1);
const mailCount = new Map<string, number>();
for (const mail of smtp.messages) {
  const installId = /<(mkt-install-[^.]+)\./.exec(mail.messageId)?.[1];
  if (installId) mailCount.set(installId, (mailCount.get(installId) ?? 0) + 1);
}
const notificationProblems = [...acceptedIds].filter(
  (id) => (inAppCount.get(id) ?? 0) !== 1 || (mailCount.get(id) ?? 0) !== 1,
);

// Each tenant's artifacts: written only by imports whose install the callers were told succeeded.
const toldSucceeded = new Set(
  accepted
    .filter((a) => finalStatuses.get(a.installId!)?.status === "Success" && !a.kind.expected.dryRun)
    .map((a) => finalStatuses.get(a.installId!)!.importId!),
);
const records = await importRecordsOf(mongo.db).find({ status: "Success", dryRun: false }).toArray();
const untoldImports = records.filter((record) => !acceptedIds.has(record.installId));
const untoldImportIds = new Set(untoldImports.map((record) => record._id));
const importsNobodyWasTold = [...countBy(untoldImports, (record) => record.tenantId)].filter(
  ([tenant, count]) => count > (unanswered.get(tenant) ?? 0),
);
const artifacts = await mongo.db
  .collection<{ tenantId: string; key: string; source: { importId: string } | null }>("tenant_artifacts")
  .find({})
  .toArray();
const foreignWrites = artifacts.filter(
  (a) => a.source && !toldSucceeded.has(a.source.importId) && !untoldImportIds.has(a.source.importId),
);
const keys = new Set<string>();
const duplicateArtifacts = artifacts.filter((a) => {
  const key = `${a.tenantId}/${a.key}`;
  const seen = keys.has(key);
  keys.add(key);
  return seen;
});
const strayDeadLetters = deadLetters.filter(
  (letter) =>
    letter.reason !== "undecodable" || (letter.subject !== "" && !poisonIds.includes(letter.subject)),
);
const auditEntries = await auditLogOf(mongo.db).countDocuments({});

const percentile = (values: number[], p: number) =>
  values.length === 0
    ? 0
    : [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const latencyTable = [...new Set(attempts.map((a) => a.phase))].map((name) => {
  const values = attempts.filter((a) => a.phase === name).flatMap((a) => a.latenciesMs);
  return {
    phase: name,
    requests: attempts.filter((a) => a.phase === name).length,
    "POST p50 ms": Math.round(percentile(values, 50)),
    "POST p95 ms": Math.round(percentile(values, 95)),
    "POST max ms": Math.round(Math.max(0, ...values)),
  };
});

const invariants = [
  {
    invariant: `every 202 terminal within ${Math.round(terminalDeadline / 1000)} s after the faults`,
    holds: unfinished.length === 0,
    detail: `${accepted.length - unfinished.length}/${accepted.length} terminal${unfinished.length ? `; unfinished: ${unfinished.slice(0, 3).join(", ")}` : ""}`,
  },
  {
    invariant: "the expected outcome per package",
    holds: wrongOutcomes.length === 0,
    detail: wrongOutcomes.length
      ? wrongOutcomes
          .slice(0, 3)
          .map((a) => `${a.kind.packageId}: ${JSON.stringify(finalStatuses.get(a.installId!))}`)
          .join("; ")
      : `${accepted.length} as expected`,
  },
  {
    invariant: "no outcome flips (one terminal type per install)",
    holds: flips.length === 0,
    detail: flips.length ? flips.slice(0, 3).join(", ") : "none",
  },
  {
    invariant: "no ghost installs (nothing happens for a caller told it would not)",
    holds: ghostTenants.length === 0 && importsNobodyWasTold.length === 0,
    detail: `refused (told so): ${refusedCount}; left without an answer: ${[...unanswered.values()].reduce((a, b) => a + b, 0)}; their installs that exist anyway: ${requestedUntold.length}; tenants with more of those than unanswered callers: ${ghostTenants.length + importsNobodyWasTold.length}`,
  },
  {
    invariant: "each tenant's artifacts written only by successes callers were told of",
    holds: foreignWrites.length === 0,
    detail: `${artifacts.length} artifacts, ${foreignWrites.length} from other imports`,
  },
  {
    invariant: "no duplicate artifacts",
    holds: duplicateArtifacts.length === 0,
    detail: `${duplicateArtifacts.length} duplicates`,
  },
  {
    invariant: "exactly one in-app notification and one e-mail per install",
    holds: notificationProblems.length === 0,
    detail: notificationProblems.length
      ? notificationProblems
          .slice(0, 3)
          .map((id) => `${id}: in-app ${inAppCount.get(id) ?? 0}, mail ${mailCount.get(id) ?? 0}`)
          .join("; ")
      : `${acceptedIds.size} × (1 + 1)`,
  },
  {
    invariant: "DLQ additions only for poison",
    holds: strayDeadLetters.length === 0 && deadLetters.length > 0,
    detail: `${deadLetters.length} dead letters, ${strayDeadLetters.length} not poison`,
  },
  {
    invariant: "no process exits on its own",
    holds: unexpectedExits.length === 0,
    detail: unexpectedExits.join("; ") || "none",
  },
];

say(
  `${attempts.length} requests, ${accepted.length} accepted, ${events.length} events, ${auditEntries} audit entries`,
);
console.table(invariants);
console.table(latencyTable);
// Each service's own view of its dependencies as the run ends, and every request's answers, for the logs.
const readiness = await Promise.all(
  [...running.values()].map(async ({ name, opsPort }) => {
    const response = await fetch(`http://127.0.0.1:${opsPort}/readyz`, {
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (r) => `${r.status} ${await r.text()}`)
      .catch((error: Error) => `no answer: ${error.message}`);
    return `${name} /readyz: ${response}`;
  }),
);
await writeFile(join(logDir, "readiness.txt"), `${readiness.join("\n")}\n`);
await writeFile(
  join(logDir, "attempts.json"),
  JSON.stringify(
    attempts.map(({ kind, ...attempt }) => ({ ...attempt, packageId: kind.packageId })),
    null,
    1,
  ),
);
await shutdown(invariants.every((row) => row.holds) ? 0 : 1);
