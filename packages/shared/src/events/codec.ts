import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import {
  type InstallEvent,
  InstallEvent as InstallEventSchema,
  type InstallEventType,
  installEventTypes,
} from "./contracts.ts";
import { eventJsonSchema, subjectFor } from "./json-schema.ts";

/**
 * Encodes events into Confluent wire format (magic byte, schema id, JSON) and back, validating with
 * the zod schema on both sides. `register()` must run once before `encode()`.
 *
 * @example
 * const codec = new EventCodec(config.SCHEMA_REGISTRY_URL, config.INSTALL_EVENTS_TOPIC);
 * await codec.register();
 * const bytes = await codec.encode(event);
 * const same = await codec.decode(bytes);
 */
export class EventCodec {
  readonly registry: SchemaRegistry;
  readonly #registryUrl: string;
  readonly #topic: string;
  readonly #schemaIds = new Map<InstallEventType, number>();

  constructor(registryUrl: string, topic: string) {
    // zod validates for real; ajv (inside the registry client) only needs to accept zod's keywords.
    this.registry = new SchemaRegistry(
      { host: registryUrl, retry: { retries: 5, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 } },
      { [SchemaType.JSON]: { strict: false, validateFormats: false } },
    );
    this.#registryUrl = registryUrl.replace(/\/+$/, "");
    this.#topic = topic;
  }

  /** Registers every event type's JSON Schema under BACKWARD compatibility; idempotent. */
  async register(): Promise<ReadonlyMap<InstallEventType, number>> {
    for (const type of installEventTypes) {
      // The subject's compatibility is set before its first schema: when several services start at
      // once on a new registry, the client would otherwise see a subject another one just created,
      // still on the registry's default (NONE), and refuse it.
      await this.#setCompatibility(subjectFor(this.#topic, type), COMPATIBILITY.BACKWARD);
      const { id } = await this.registry.register(
        { type: SchemaType.JSON, schema: JSON.stringify(eventJsonSchema(type)) },
        { subject: subjectFor(this.#topic, type), compatibility: COMPATIBILITY.BACKWARD },
      );
      this.#schemaIds.set(type, id);
    }
    return this.#schemaIds;
  }

  async #setCompatibility(subject: string, compatibility: COMPATIBILITY): Promise<void> {
    const url = `${this.#registryUrl}/config/${encodeURIComponent(subject)}`;
    const response = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
      body: JSON.stringify({ compatibility }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return;
    // Apicurio answers 409 when another process created the subject's rule a moment earlier.
    const current = response.status === 409 ? await fetch(url).then((r) => r.json()) : undefined;
    if ((current as { compatibilityLevel?: string } | undefined)?.compatibilityLevel === compatibility)
      return;
    throw new Error(
      `registry refused compatibility ${compatibility} for ${subject}: HTTP ${response.status}`,
    );
  }

  schemaIdOf(type: InstallEventType): number {
    const id = this.#schemaIds.get(type);
    if (id === undefined) throw new Error(`schema of ${type} not registered; call register() first`);
    return id;
  }

  async encode(event: InstallEvent): Promise<Buffer> {
    const valid = InstallEventSchema.parse(event);
    return this.registry.encode(this.schemaIdOf(valid.type), valid);
  }

  /** Throws when the bytes are not wire format, the schema id is unknown, or the payload is invalid. */
  async decode(bytes: Buffer): Promise<InstallEvent> {
    return InstallEventSchema.parse(await this.registry.decode(bytes));
  }
}
