import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "mongodb";
import type { PackageDocument } from "../catalog/catalog.ts";
import { loadExampleCatalog } from "../catalog/examples.ts";
import { type DevCdn, startDevCdn } from "../cdn/dev-cdn.ts";

export interface ExampleMarketplace {
  cdn: DevCdn;
  cdnRoot: string;
  keysDir: string;
  packages: PackageDocument[];
  close(): Promise<void>;
}

/** The example packages built into a scratch CDN folder, served on a free port, catalogued in `db`. */
export async function startExampleMarketplace(db: Db): Promise<ExampleMarketplace> {
  const scratch = await mkdtemp(join(tmpdir(), "installhub-marketplace-"));
  const cdnRoot = join(scratch, "cdn");
  const keysDir = join(scratch, "keys");
  const packages = await loadExampleCatalog({ db, cdnRoot, keysDir });
  const cdn = await startDevCdn({ root: cdnRoot });
  return {
    cdn,
    cdnRoot,
    keysDir,
    packages,
    async close() {
      await cdn.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
