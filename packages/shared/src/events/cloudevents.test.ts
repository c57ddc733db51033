import { describe, expect, it } from "vitest";
import { exampleEvents } from "../testing/events.ts";
import { cloudEventHeaders, eventIdOf, readCloudEventAttributes } from "./cloudevents.ts";

const events = exampleEvents({ installId: "mkt-install-1", tenantId: "tenant-a" });

describe("CloudEvents headers", () => {
  it("gives the same event the same id, and different events different ids, as UUIDs", () => {
    const id = eventIdOf(events.InstallRequested);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(eventIdOf(structuredClone(events.InstallRequested))).toBe(id);
    expect(eventIdOf({ ...events.InstallRequested, dryRun: true })).not.toBe(id);
    expect(eventIdOf(events.ImportStarted)).not.toBe(id);
  });

  it("carries type, source, time, subject and id in binary mode, and reads them back", () => {
    const headers = cloudEventHeaders(events.ArtifactInstalled, "installhub/installer", "00-abc-def-01");
    expect(readCloudEventAttributes(headers)).toEqual({
      id: eventIdOf(events.ArtifactInstalled),
      type: "ArtifactInstalled",
      source: "installhub/installer",
      time: events.ArtifactInstalled.occurredAt,
      subject: "mkt-install-1",
      traceparent: "00-abc-def-01",
    });
    expect(headers.ce_specversion).toBe("1.0");
  });
});
