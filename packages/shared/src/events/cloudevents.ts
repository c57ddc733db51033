import { createHash } from "node:crypto";
import type { IHeaders } from "kafkajs";
import type { InstallEvent } from "./contracts.ts";

/** CloudEvents Kafka protocol binding, binary mode: attributes travel as `ce_*` headers. */
export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
  subject: string;
  traceparent?: string;
}

export const eventContentType = "application/json";

/**
 * The event's id, derived from its content (a name-based UUID, RFC 9562 §5.5 style, over SHA-256):
 * the same event published twice — an outbox relay after a crash, a journal republishing what it
 * already sent — carries the same `ce_id`, so a subscriber that dedupes by id sees one event.
 */
export function eventIdOf(event: InstallEvent): string {
  const hex = createHash("sha256")
    .update(`${event.type}\n${JSON.stringify(event)}`)
    .digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function cloudEventHeaders(event: InstallEvent, source: string, traceparent?: string): IHeaders {
  const headers: IHeaders = {
    ce_specversion: "1.0",
    ce_id: eventIdOf(event),
    ce_type: event.type,
    ce_source: source,
    ce_time: event.occurredAt,
    ce_subject: event.installId,
    "content-type": eventContentType,
  };
  if (traceparent) headers.traceparent = traceparent;
  return headers;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export function readCloudEventAttributes(headers: IHeaders | undefined): Partial<CloudEventAttributes> {
  return {
    id: headerText(headers, "ce_id"),
    type: headerText(headers, "ce_type"),
    source: headerText(headers, "ce_source"),
    time: headerText(headers, "ce_time"),
    subject: headerText(headers, "ce_subject"),
    traceparent: headerText(headers, "traceparent"),
  };
}
