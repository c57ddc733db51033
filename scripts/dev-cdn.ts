// The dev stand-in for the PublicHub CDN: loads the example catalog, then serves the archives over HTTP.
import {
  catalogIndexes,
  connectMongo,
  createLogger,
  ensureIndexes,
  loadConfig,
  loadExampleCatalog,
  startDevCdn,
  stopOnSignals,
} from "@installhub/shared";
import { cdnRootOf, devConfigSchema, keysDirOf } from "./lib/dev-config.ts";

const config = loadConfig(devConfigSchema);
const logger = createLogger("cdn", config.LOG_LEVEL);
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
await ensureIndexes(mongo.db, catalogIndexes);
const packages = await loadExampleCatalog({
  db: mongo.db,
  cdnRoot: cdnRootOf(config),
  keysDir: keysDirOf(config),
});
await mongo.close();
const cdn = await startDevCdn({
  root: cdnRootOf(config),
  port: config.DEV_CDN_PORT,
  host: config.DEV_CDN_HOST,
});
logger.info({ url: cdn.url, packages: packages.map((p) => p._id) }, "dev CDN serving the example packages");
stopOnSignals(logger, () => cdn.close());
