import { z } from "zod";

/**
 * Settings every service shares. Defaults point at the local infrastructure on loopback
 * (`pnpm infra up`), so a service starts with no environment at all on a developer machine.
 */
export const baseConfigSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default("127.0.0.1:9092")
    .transform((value) => value.split(",").map((broker) => broker.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, "expected host:port[,host:port…]")).min(1)),
  KAFKA_CLIENT_ID_PREFIX: z.string().default("installhub"),
  INSTALL_EVENTS_TOPIC: z.string().min(1).default("installhub.install-events.v1"),
  DLQ_TOPIC: z.string().min(1).default("installhub.install-events.dlq.v1"),
  /**
   * Every consumer group is `<prefix>.<service>`. Unset, the prefix is the install-events topic, so two
   * stacks on one broker (tests, `pnpm bench`, a second checkout) never share a group unless they share
   * the topic too.
   */
  KAFKA_GROUP_PREFIX: z.string().min(1).optional(),
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  SCHEMA_REGISTRY_URL: z.url().default("http://127.0.0.1:8081/apis/ccompat/v7"),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, "expected a mongodb:// URL")
    .default("mongodb://127.0.0.1:27017/"),
  MONGO_DB: z.string().min(1).default("installhub"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * How long a consumer group waits for a silent member before giving its partitions to another
   * (and, after a crash, before a restarted member can take them back).
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** First wait before a failed handler is tried again; it doubles up to CONSUMER_MAX_BACKOFF_MS. */
  CONSUMER_INITIAL_BACKOFF_MS: z.coerce.number().int().min(1).default(200),
  /** The longest wait between two tries while a dependency (store, broker, registry) is away. */
  CONSUMER_MAX_BACKOFF_MS: z.coerce.number().int().min(1).default(10_000),
  /** Tries in all for a handler failing deterministically before its install is ended. */
  CONSUMER_DETERMINISTIC_ATTEMPTS: z.coerce.number().int().min(1).default(3),
  /** Port of the service's /healthz, /readyz and /metrics endpoints (the gateway serves them on its API port). */
  OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Counts every MongoDB command and Kafka request on /metrics (`installhub_mongo_commands_total`,
   * `installhub_kafka_request_duration_seconds`): `pnpm bench` turns it on to count round trips per
   * install. Off (the default), no listener is attached and nothing extra is exported.
   */
  INSTALLHUB_BENCH_COUNTERS: z.stringbool().default(false),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * The consumer group of one of a stack's consumers, e.g. `installhub.install-events.v1.scanner`.
 *
 * @example
 * consumerGroupId(config, "gateway-projector") // "installhub.install-events.v1.gateway-projector"
 */
export function consumerGroupId(
  config: Pick<BaseConfig, "KAFKA_GROUP_PREFIX" | "INSTALL_EVENTS_TOPIC">,
  consumer: string,
): string {
  return `${config.KAFKA_GROUP_PREFIX ?? config.INSTALL_EVENTS_TOPIC}.${consumer}`;
}

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n  ${issues.join("\n  ")}`);
    this.issues = issues;
  }
}

/**
 * Parses the environment with a zod schema. Each problem names the variable and why.
 *
 * @example
 * const config = parseConfig(baseConfigSchema.extend({ PORT: z.coerce.number() }), process.env);
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  env: Record<string, string | undefined>,
): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`),
  );
}

/** Like parseConfig, but a bad value stops the process with the variable's name and the reason. */
export function loadConfig<Schema extends z.ZodType>(schema: Schema): z.infer<Schema> {
  try {
    return parseConfig(schema, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
