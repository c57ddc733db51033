// The real pipeline as production runs it: the dev CDN (with the example catalog), an SMTP sink, and the
// gateway, scanner, installer and notifier as separate processes, on the bench's own topics, consumer
// groups, database and ports. The bench talks to it only through its HTTP API, the topic and /metrics.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { BaseConfig } from "@installhub/shared";
import { configEnvironment } from "@installhub/shared/testing";
import { SignJWT } from "jose";
import { type Follower, followInstalls } from "./follow.ts";
import { type Child, freePort, spawnNode, waitForUrl } from "./processes.ts";
import type { InstallTarget } from "./runner.ts";

export const benchPackage = { id: "acme-invoice-workflows", artifacts: 5 } as const;
const permissions = ["installhub:import", "marketplace:install", "marketplace:install:community"];
const services = ["gateway", "scanner", "installer", "notifier"] as const;
export type Service = (typeof services)[number];

export interface Pipeline extends InstallTarget {
  gatewayUrl: string;
  /** The bench's own consumer group on the topic (it follows each install's last event). */
  followerGroupId: string;
  /** The status projector's consumer group, once known: installs then wait for its commits, not by polling. */
  followProjector(groupId: string): void;
  /** Each service's process and /metrics URL. */
  services: Record<Service, { child: Child; metricsUrl: string }>;
  /** The PEM public key the gateway trusts; tokens are signed with its private key. */
  publicKeyPem: string;
  /** A bearer token of the admin of `tenant`, with every install permission. */
  token(tenant: string): Promise<string>;
  /** The path and body of an install of the bench package into `tenant`. */
  installRequest(tenant: string): { path: string; body: string };
  /**
   * Like `start`, but an install succeeds when its InstallSucceeded is on the topic: no status request,
   * so the round trips counted while these run are the pipeline's own.
   */
  unpolled: InstallTarget;
  /** Stops the workers (not the gateway): the HTTP figures then measure the gateway alone. */
  /** POSTs answered 503 or 429 and sent again after Retry-After, since the start. */
  refusals(): number;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** Signs tokens like an identity provider: Ed25519, the public key given to the gateway (AUTH_PUBLIC_KEY). */
function identityProvider(): { publicKeyPem: string; sign(tenant: string): Promise<string> } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const tokens = new Map<string, Promise<string>>();
  const sign = (key: KeyObject, tenant: string) =>
    new SignJWT({ email: `admin@${tenant}.example`, tenants: [tenant], permissions })
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
      .setSubject(`admin-${tenant}`)
      .setIssuedAt()
      .setExpirationTime("4h")
      .sign(key);
  return {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign(tenant) {
      const known = tokens.get(tenant);
      if (known) return known;
      const token = sign(privateKey, tenant);
      tokens.set(tenant, token);
      return token;
    },
  };
}

/** Runs at most `max` of the works given to it at once; the others wait their turn. */
function limiter(max: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (work) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await work();
    } finally {
      const next = queue.shift();
      if (next)
        next(); // the slot passes on directly
      else active--;
    }
  };
}

/**
 * Starts the pipeline and resolves once every process answers. `nodeOptions` go to the four services
 * (the profile run passes --cpu-prof).
 *
 * @example
 * const pipeline = await startPipeline(config, runDir);
 * const { acceptedAt, succeeded } = await pipeline.start("bench-one-000");
 */
export async function startPipeline(
  config: BaseConfig,
  runDir: string,
  options: {
    /** INSTALLHUB_BENCH_COUNTERS: count round trips on /metrics (default on). */
    counters?: boolean;
    nodeOptions?: (service: Service) => string[];
    /** A wait for installs fails once nothing has moved on the topic for this long. */
    stallMs: number;
  },
): Promise<Pipeline> {
  const [gatewayPort, cdnPort, smtpPort, mailWebPort, ...opsPorts] = await Promise.all(
    Array.from({ length: 7 }, () => freePort()),
  );
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const idp = identityProvider();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...configEnvironment(config),
    KAFKA_GROUP_PREFIX: config.INSTALL_EVENTS_TOPIC,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    INSTALLHUB_BENCH_COUNTERS: String(options.counters ?? true),
    PUBLICHUB_CDN_URL: `http://127.0.0.1:${cdnPort}/`,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PUBLIC_BASE_URL: gatewayUrl,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: String(gatewayPort),
    AUTH_PUBLIC_KEY: idp.publicKeyPem,
    AUTH_JWKS_URL: "",
    AUTH_PUBLIC_KEY_FILE: "",
    // The abuse limits (OWASP API4) answer 429 by design to what the bench does on purpose: hundreds
    // of POSTs from one caller into one tenant with the workers stopped. Both are off (a limit out of
    // reach would instead count every unfinished install of the tenant on each POST).
    MAX_INSTALLS_IN_FLIGHT_PER_TENANT: process.env.MAX_INSTALLS_IN_FLIGHT_PER_TENANT ?? "0",
    INSTALL_REQUESTS_PER_CALLER_PER_MINUTE: process.env.INSTALL_REQUESTS_PER_CALLER_PER_MINUTE ?? "0",
  };
  delete env.OPS_PORT;
  const dataDir = join(runDir, "data");
  await mkdir(dataDir, { recursive: true });

  const cdn = spawnNode({
    name: "cdn",
    script: "scripts/dev-cdn.ts",
    runDir,
    env: { ...env, DEV_CDN_HOST: "127.0.0.1", DEV_CDN_PORT: String(cdnPort), DEV_DATA_DIR: dataDir },
  });
  const mail = spawnNode({
    name: "mail",
    script: "scripts/mail-sink.ts",
    runDir,
    env: {
      ...env,
      DEV_SMTP_PORT: String(smtpPort),
      DEV_MAIL_WEB_PORT: String(mailWebPort),
      // The same settings' names before this round, for a BENCH_CHECKOUT of that time.
      MAIL_SINK_SMTP_PORT: String(smtpPort),
      MAIL_SINK_WEB_PORT: String(mailWebPort),
    },
  });
  const started = Object.fromEntries(
    services.map((service, i) => {
      const child = spawnNode({
        name: service,
        script: `services/${service}/src/main.ts`,
        runDir,
        env: service === "gateway" ? env : { ...env, OPS_PORT: String(opsPorts[i - 1]) },
        nodeOptions: options.nodeOptions?.(service) ?? [],
      });
      const base = service === "gateway" ? gatewayUrl : `http://127.0.0.1:${opsPorts[i - 1]}`;
      return [service, { child, metricsUrl: `${base}/metrics`, readyUrl: `${base}/readyz` }];
    }),
  ) as Record<Service, { child: Child; metricsUrl: string; readyUrl: string }>;
  const children = [cdn, mail, ...Object.values(started).map((s) => s.child)];
  const stopAll = () => Promise.all(children.map((child) => child.stop())).then(() => undefined);

  let follower: Follower;
  try {
    await Promise.all([
      waitForUrl(`http://127.0.0.1:${cdnPort}/packages/${benchPackage.id}/${benchPackage.id}-3.0.0.tgz`, cdn),
      waitForUrl(`http://127.0.0.1:${mailWebPort}/messages.json`, mail),
      ...Object.values(started).map((s) => waitForUrl(s.readyUrl, s.child)),
    ]);
    follower = await followInstalls(config, options.stallMs);
  } catch (error) {
    await stopAll();
    throw error;
  }

  const call = async (method: string, path: string, token: string, body?: string) => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body } : {}),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  let refusals = 0;
  const installRequest = (tenant: string) => ({
    path: `/api/marketplace/packages/${benchPackage.id}/install`,
    body: JSON.stringify({ targetTenantId: tenant, defaultConflictStrategy: "Overwrite" }),
  });

  // Once the projector has committed past the install's outcome, its status is written: one request
  // confirms it. Without a known projector group the bench polls, backing off from 5 to 200 ms, with at
  // most two requests in flight, so that waiting installs never make it the gateway's heaviest client.
  const polls = limiter(2);
  async function succeeded(installId: string, statusUrl: string, token: string): Promise<number> {
    const outcome = await follower.outcome(installId);
    if (outcome.type !== "InstallSucceeded") throw new Error(`${installId} ended with ${outcome.type}`);
    await follower.projected(installId, outcome);
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const { status, body } = await polls(() => call("GET", statusUrl, token));
      if (status === 200 && body.status === "Success") return performance.now();
      if (body.status === "Failed" || follower.sinceProgress() > options.stallMs)
        throw new Error(`${installId}: status ${status} ${JSON.stringify(body)}`);
      await sleep(pause);
    }
  }

  async function accept(tenant: string) {
    const token = await idp.sign(tenant);
    const { path, body } = installRequest(tenant);
    // A client of an overloaded gateway is told 503 (nothing was started) or 429 with Retry-After,
    // and comes back as told: the bench does the same, and counts it.
    let accepted = await call("POST", path, token, body);
    while ((accepted.status === 503 || accepted.status === 429) && refusals < 10_000) {
      refusals++;
      await sleep(Number(accepted.retryAfter ?? 1) * 1000);
      accepted = await call("POST", path, token, body);
    }
    const acceptedAt = performance.now();
    if (accepted.status !== 202)
      throw new Error(`install into ${tenant} answered ${accepted.status} ${JSON.stringify(accepted.body)}`);
    return {
      installId: String(accepted.body.installId),
      statusUrl: String(accepted.body.statusUrl),
      token,
      acceptedAt,
    };
  }
  // The caller awaits `succeeded`; the empty catch only keeps an early failure from being "unhandled".
  const settled = (promise: Promise<number>) => {
    promise.catch(() => undefined);
    return promise;
  };

  return {
    gatewayUrl,
    followerGroupId: follower.groupId,
    followProjector: (groupId) => follower.followProjector(groupId),
    services: started,
    publicKeyPem: idp.publicKeyPem,
    token: (tenant) => idp.sign(tenant),
    installRequest,
    async start(tenant) {
      const { installId, statusUrl, token, acceptedAt } = await accept(tenant);
      return { installId, acceptedAt, succeeded: settled(succeeded(installId, statusUrl, token)) };
    },
    unpolled: {
      async start(tenant) {
        const { installId, acceptedAt } = await accept(tenant);
        const ended = follower.outcome(installId).then((outcome) => {
          if (outcome.type !== "InstallSucceeded") throw new Error(`${installId} ended with ${outcome.type}`);
          return performance.now();
        });
        return { installId, acceptedAt, succeeded: settled(ended) };
      },
    },
    refusals: () => refusals,
    async stopWorkers() {
      await Promise.all([started.scanner, started.installer, started.notifier].map((s) => s.child.stop()));
    },
    async stop() {
      await Promise.all([follower.stop(), stopAll()]);
    },
  };
}
