// Writes docs/asyncapi.json from the zod event schemas. A test fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { asyncApiDocument, repositoryRoot } from "@installhub/shared";

export const asyncApiFile = join(repositoryRoot, "docs", "asyncapi.json");

export function renderAsyncApi(): string {
  const document = asyncApiDocument({
    eventsTopic: "installhub.install-events.v1",
    dlqTopic: "installhub.install-events.dlq.v1",
    broker: "127.0.0.1:9092",
  });
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(asyncApiFile, renderAsyncApi());
  console.log(`wrote ${asyncApiFile}`);
}
