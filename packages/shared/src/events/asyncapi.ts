import { type InstallEventType, installEventDescriptions, installEventTypes } from "./contracts.ts";
import { eventJsonSchema } from "./json-schema.ts";

/**
 * The Kafka headers of every install event: CloudEvents Kafka protocol binding, binary mode (attributes
 * as `ce_*` headers; see cloudevents.ts, which writes them). `ce_type` is the one value that differs
 * per message: `type` fixes it, and without one (the dead-letter topic) it is any event type.
 */
function cloudEventHeaders(type?: InstallEventType) {
  return {
    type: "object",
    required: ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "ce_subject", "content-type"],
    properties: {
      ce_specversion: { type: "string", const: "1.0" },
      ce_id: {
        type: "string",
        description:
          "Event id (UUID derived from the event's content): the same event published twice carries the same id, so subscribers can dedupe by it.",
      },
      ce_type: {
        type: "string",
        ...(type ? { const: type } : { enum: installEventTypes }),
        description: "The event type (the payload's `type`); route on this header.",
      },
      ce_source: { type: "string", description: "Emitting service, e.g. installhub/scanner." },
      ce_time: { type: "string", format: "date-time", description: "The payload's occurredAt." },
      ce_subject: { type: "string", description: "The installId (the payload's installId)." },
      "content-type": { type: "string", const: "application/json" },
      traceparent: { type: "string", description: "W3C trace context, when present." },
    },
  };
}

const deadLetterHeaders = {
  type: "object",
  required: [
    "dlq_reason",
    "dlq_error",
    "dlq_group",
    "dlq_attempts",
    "dlq_topic",
    "dlq_partition",
    "dlq_offset",
    "dlq_failed_at",
  ],
  properties: {
    ...cloudEventHeaders().properties,
    dlq_reason: { type: "string", enum: ["undecodable", "permanent-error", "retries-exhausted"] },
    dlq_error: { type: "string", description: "The error, truncated to 4000 characters." },
    dlq_group: { type: "string", description: "Consumer group that gave up on the message." },
    dlq_attempts: { type: "string", description: "Attempts made, as a decimal string." },
    dlq_topic: { type: "string", description: "Topic the message came from." },
    dlq_partition: { type: "string" },
    dlq_offset: { type: "string" },
    dlq_failed_at: { type: "string", format: "date-time" },
  },
};

/**
 * The AsyncAPI 3 description of the install-events topic and its dead-letter topic, generated from the
 * zod event schemas, so another team can subscribe without reading our code.
 */
export function asyncApiDocument(options: {
  eventsTopic: string;
  dlqTopic: string;
  broker: string;
}): Record<string, unknown> {
  const messageRef = (type: InstallEventType) => ({ $ref: `#/components/messages/${type}` });
  const messages = Object.fromEntries(
    installEventTypes.map((type) => [
      type,
      {
        name: type,
        title: type,
        summary: installEventDescriptions[type],
        contentType: "application/json",
        headers: cloudEventHeaders(type),
        correlationId: {
          description: "The installId: every event of one install carries it.",
          location: "$message.header#/ce_subject",
        },
        payload: {
          schemaFormat: "application/schema+json;version=draft-07",
          schema: eventJsonSchema(type),
        },
        bindings: {
          kafka: {
            key: {
              type: "string",
              description:
                "The event's tenantId (the install's targetTenantId): one tenant's events stay in order on one partition.",
            },
            schemaIdLocation: "payload",
            schemaIdPayloadEncoding: "confluent",
            schemaLookupStrategy: "TopicRecordNameStrategy",
            bindingVersion: "0.5.0",
          },
        },
      },
    ]),
  );
  return {
    asyncapi: "3.0.0",
    info: {
      title: "InstallHub install events",
      version: "1.0.0",
      description:
        "The lifecycle of every marketplace install. Values are JSON in Confluent wire format (magic byte 0, 4-byte schema id, JSON); schemas live in the Schema Registry under `<topic>-<EventType>` with BACKWARD compatibility. CloudEvents Kafka binding, binary mode. Every install ends in exactly one InstallSucceeded or InstallFailed.",
    },
    defaultContentType: "application/json",
    servers: { local: { host: options.broker, protocol: "kafka", description: "Kafka broker" } },
    channels: {
      installEvents: {
        address: options.eventsTopic,
        description: "Every install event, keyed by tenant.",
        messages: Object.fromEntries(installEventTypes.map((type) => [type, messageRef(type)])),
      },
      deadLetters: {
        address: options.dlqTopic,
        description:
          "Messages a consumer group could not process: original key, value and headers, plus dlq_* headers.",
        messages: { DeadLetter: { $ref: "#/components/messages/DeadLetter" } },
      },
    },
    operations: {
      receiveInstallEvents: {
        action: "receive",
        channel: { $ref: "#/channels/installEvents" },
        summary: "Subscribe to install lifecycle events (use your own consumer group).",
        messages: installEventTypes.map((type) => ({ $ref: `#/channels/installEvents/messages/${type}` })),
      },
      receiveDeadLetters: {
        action: "receive",
        channel: { $ref: "#/channels/deadLetters" },
        summary: "Inspect messages that could not be processed.",
        messages: [{ $ref: "#/channels/deadLetters/messages/DeadLetter" }],
      },
    },
    components: {
      messages: {
        ...messages,
        DeadLetter: {
          name: "DeadLetter",
          title: "Dead letter",
          summary: "The original message, unchanged, with the reason it could not be processed.",
          headers: deadLetterHeaders,
          payload: {
            description:
              "The original message value, byte for byte (normally an install event in wire format).",
          },
        },
      },
    },
  };
}
