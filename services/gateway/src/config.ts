import { join } from "node:path";
import { baseConfigSchema, repositoryRoot } from "@installhub/shared";
import { z } from "zod";

/** An unset or empty variable means "not configured". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

export const gatewayConfigSchema = baseConfigSchema
  .extend({
    GATEWAY_HOST: z.string().min(1).default("127.0.0.1"),
    /** 0 picks a free port (tests). */
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Where callers reach the gateway; the OpenAPI document lists it as the server. */
    PUBLIC_BASE_URL: z.url().default("http://127.0.0.1:8080"),
    AUTH_JWKS_URL: optional(z.url()),
    /** PEM (SPKI) public key that signs access tokens. */
    AUTH_PUBLIC_KEY: optional(z.string()),
    AUTH_PUBLIC_KEY_FILE: optional(z.string()),
    AUTH_ALGORITHMS: z
      .string()
      .default("EdDSA,ES256,RS256")
      .transform((value) => value.split(",").map((algorithm) => algorithm.trim()))
      .pipe(z.array(z.string().min(1)).min(1)),
    AUTH_ISSUER: optional(z.string()),
    AUTH_AUDIENCE: optional(z.string()),
    /** Holds `dev-jwt.pem`, the key dev tokens are signed with when no AUTH_* key source is set. */
    DEV_KEYS_DIR: z
      .string()
      .min(1)
      .default(join(repositoryRoot, ".data", "keys")),
    MAX_BODY_BYTES: z.coerce.number().int().min(1).default(65_536),
    /**
     * The longest an install request may take before it is answered 503 (nothing started). Accepting
     * is one database write; Kafka is not waited for (the outbox relay publishes). At most 5 s.
     */
    ACCEPT_TIMEOUT_MS: z.coerce.number().int().min(100).max(5_000).default(4_000),
    /**
     * Install requests that work on the stores at once; the rest wait in line for at most
     * ACCEPT_TIMEOUT_MS and are answered 503 having written nothing (a burst is served, not stampeded).
     */
    ACCEPT_CONCURRENCY: z.coerce.number().int().min(1).default(16),
    /** How often the outbox is swept for accepted installs nobody published. */
    OUTBOX_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(2_000),
    /** Age of an unpublished accepted install before the sweep publishes it; above ACCEPT_TIMEOUT_MS. */
    OUTBOX_RELAY_GRACE_MS: z.coerce.number().int().min(1_000).default(30_000),
    /** Installs of one tenant not yet finished; more are answered 429 (OWASP API4). 0: no limit. */
    MAX_INSTALLS_IN_FLIGHT_PER_TENANT: z.coerce.number().int().min(0).default(100),
    /** Install requests one caller (`sub`) may make per minute, per gateway instance; 0: no limit. */
    INSTALL_REQUESTS_PER_CALLER_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /**
     * Seconds per artifact the estimate assumes until an install has finished here (after that it is
     * the live median). Calibrated on a 2-core machine with `pnpm bench` (docs/performance.md).
     */
    ESTIMATE_SECONDS_PER_ARTIFACT: z.coerce.number().positive().default(0.2),
  })
  .refine((config) => config.OUTBOX_RELAY_GRACE_MS > config.ACCEPT_TIMEOUT_MS, {
    message: "must be longer than ACCEPT_TIMEOUT_MS, or the relay could publish an install answered 503",
    path: ["OUTBOX_RELAY_GRACE_MS"],
  })
  .refine(
    (config) =>
      [config.AUTH_JWKS_URL, config.AUTH_PUBLIC_KEY, config.AUTH_PUBLIC_KEY_FILE].filter(Boolean).length <= 1,
    {
      message: "set at most one of AUTH_JWKS_URL, AUTH_PUBLIC_KEY and AUTH_PUBLIC_KEY_FILE",
      path: ["AUTH_JWKS_URL"],
    },
  );
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
