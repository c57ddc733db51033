import { z } from "zod";
import { type InstallEventType, installEventSchemas } from "./contracts.ts";

/** The JSON Schema (draft-07) of one event type, derived from its zod schema. */
export function eventJsonSchema(type: InstallEventType): Record<string, unknown> {
  const schema = z.toJSONSchema(installEventSchemas[type], { target: "draft-7", io: "output" });
  return { ...schema, title: type };
}

/** Registry subject of an event type: TopicRecordNameStrategy, as several types share one topic. */
export function subjectFor(topic: string, type: InstallEventType): string {
  return `${topic}-${type}`;
}
