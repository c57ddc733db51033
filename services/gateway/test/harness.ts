import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectMongo, createLogger, parseConfig } from "@installhub/shared";
import {
  configEnvironment,
  type EventBus,
  type ExampleMarketplace,
  isolatedConfig,
  startEventBus,
  startExampleMarketplace,
  uniqueId,
} from "@installhub/shared/testing";
import type { ISocketFactory } from "kafkajs";
import { loadOrCreateDevKey } from "../src/auth/dev-key.ts";
import { type Caller, signToken, type TokenOptions } from "../src/auth/tokens.ts";
import { type GatewayConfig, gatewayConfigSchema } from "../src/config.ts";
import { type RunningGateway, startGateway } from "../src/service.ts";
import { allPermissions } from "./in-process-gateway.ts";

export interface TestGateway {
  config: GatewayConfig;
  /** DEV_KEYS_DIR of this gateway. */
  keysDir: string;
  gateway: RunningGateway;
  marketplace: ExampleMarketplace;
  bus: EventBus;
  /** A token signed with the gateway's dev key; defaults: a fresh user in `tenants` with every permission. */
  token(caller?: Partial<Caller>, options?: TokenOptions): Promise<string>;
  /** A token with the same claims signed by a key the gateway does not trust. */
  foreignToken(caller?: Partial<Caller>): Promise<string>;
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: a JSON body of any endpoint; the tests assert its shape
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A gateway on a free port with its own topics and database, the example marketplace catalogued in that
 * database, and an event bus recording the topic.
 */
export async function startTestGateway(
  prefix: string,
  options: { socketFactory?: ISocketFactory; env?: Record<string, string>; silent?: boolean } = {},
): Promise<TestGateway> {
  const keysDir = await mkdtemp(join(tmpdir(), "installhub-gateway-keys-"));
  const config: GatewayConfig = parseConfig(gatewayConfigSchema, {
    ...process.env,
    ...configEnvironment(isolatedConfig(prefix)),
    GATEWAY_PORT: "0",
    DEV_KEYS_DIR: keysDir,
    MAX_BODY_BYTES: "4096",
    ...options.env,
  });
  const gateway = await startGateway(config, {
    ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
    ...(options.silent ? { logger: createLogger("gateway", "silent") } : {}),
  });
  const marketplace = await startExampleMarketplace(gateway.platform.mongo.db);
  const bus = await startEventBus(config);
  const devKey = await loadOrCreateDevKey(keysDir);
  const claims = (caller: Partial<Caller>): Caller => ({
    sub: caller.sub ?? uniqueId("user"),
    email: caller.email ?? "admin@tenant-abc123.example",
    tenants: caller.tenants ?? ["tenant-abc123"],
    permissions: caller.permissions ?? allPermissions,
  });
  return {
    config,
    keysDir,
    gateway,
    marketplace,
    bus,
    token: (caller = {}, tokenOptions = {}) => signToken(devKey.privateKey, claims(caller), tokenOptions),
    foreignToken: (caller = {}) => signToken(generateKeyPairSync("ed25519").privateKey, claims(caller)),
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
      if (callOptions.body !== undefined && !headers["content-type"])
        headers["content-type"] = "application/json";
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers,
        ...(callOptions.body === undefined
          ? {}
          : {
              body:
                typeof callOptions.body === "string" ? callOptions.body : JSON.stringify(callOptions.body),
            }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.status, body, headers: response.headers };
    },
    async close() {
      await bus.close();
      // Stopped first: dropping a database under a live connection's queries crashes FerretDB 1.24
      // (SIGBUS in SQLite's WAL index), and the gateway's relay and projector query it all the time.
      await gateway.stop();
      const admin = await connectMongo(config.MONGO_URL, config.MONGO_DB);
      await admin.db.dropDatabase();
      await admin.close();
      await marketplace.close();
      await rm(keysDir, { recursive: true, force: true });
    },
  };
}

export const installPath = (packageId: string) => `/api/marketplace/packages/${packageId}/install`;
