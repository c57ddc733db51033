// `pnpm packages:build`: builds the example packages from examples/, signs each one's statement (package,
// version, sha256, publisher; packageSignatureStatement) with its publisher's dev key, writes the archives
// where the dev CDN serves them and upserts the catalog in MongoDB.
import {
  catalogIndexes,
  connectMongo,
  ensureIndexes,
  loadConfig,
  loadExampleCatalog,
} from "@installhub/shared";
import { cdnRootOf, devConfigSchema, keysDirOf } from "./lib/dev-config.ts";

const config = loadConfig(devConfigSchema);
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
try {
  await ensureIndexes(mongo.db, catalogIndexes);
  const packages = await loadExampleCatalog({
    db: mongo.db,
    cdnRoot: cdnRootOf(config),
    keysDir: keysDirOf(config),
  });
  for (const pkg of packages) {
    const versions = pkg.versions.map((v) => `${v.version}${v.signature ? "" : " (unsigned)"}`).join(", ");
    console.log(`${pkg._id.padEnd(26)} ${pkg.trustLevel.padEnd(9)} ${versions}`);
  }
  console.log(`archives in ${cdnRootOf(config)}, catalog in ${config.MONGO_URL}${config.MONGO_DB}`);
} finally {
  await mongo.close();
}
