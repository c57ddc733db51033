import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { baseConfigSchema, connectMongo, loadConfig, sha256Hex } from "@installhub/shared";
import { tenantArtifactsOf } from "../services/installer/src/data-access/tenant-artifacts.ts";
import { infraUrls } from "./lib/infra.ts";

/**
 * Plays a tenant administrator changing an artifact an install put there (a new version no import
 * wrote), so the README's upgrade and uninstall can show what happens to an artifact the tenant
 * changed: it is kept and reported (docs/lifecycle.md). InstallHub has no API for editing a tenant's
 * artifacts — the tenant's own tools do that — so this writes the tenant store directly, as they would.
 * Connects with the services' MONGO_URL (the environment's, else this checkout's infrastructure, as
 * `npm start` finds it) and MONGO_DB. Prints the key and its new versionId.
 *
 * @example
 * pnpm --silent dev:edit-artifact --tenant tenant-abc123 --key travel-report
 */
const usage = "usage: pnpm --silent dev:edit-artifact --tenant <tenantId> --key <artifact key>";

try {
  const { values } = parseArgs({
    options: { tenant: { type: "string" }, key: { type: "string" } },
    strict: true,
  });
  if (!values.tenant || !values.key) throw new Error("--tenant and --key are required");
  // Inside a container (Docker) MONGO_URL is set and there is no infra/ to ask.
  if (!process.env.MONGO_URL) Object.assign(process.env, infraUrls());
  const config = loadConfig(baseConfigSchema);
  const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  try {
    const versionId = `tenant-edit-${randomUUID()}`;
    const content = JSON.stringify({ editedBy: "a tenant administrator", at: new Date().toISOString() });
    const { matchedCount } = await tenantArtifactsOf(mongo.db).updateOne(
      { tenantId: values.tenant, key: values.key },
      {
        $set: {
          content,
          sha256: sha256Hex(Buffer.from(content, "utf8")),
          versionId,
          source: null,
          updatedAt: new Date().toISOString(),
        },
      },
    );
    if (matchedCount !== 1) throw new Error(`tenant ${values.tenant} has no artifact '${values.key}'`);
    process.stdout.write(`${JSON.stringify({ tenantId: values.tenant, key: values.key, versionId })}\n`);
  } finally {
    await mongo.close();
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
