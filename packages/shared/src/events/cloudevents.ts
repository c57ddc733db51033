import { randomUUID } from "node:crypto";
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

export function cloudEventHeaders(event: InstallEvent, source: string, traceparent?: string): IHeaders {
  const headers: IHeaders = {
    ce_specversion: "1.0",
    ce_id: randomUUID(),
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
