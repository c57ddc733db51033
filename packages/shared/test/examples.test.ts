import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  connectMongo,
  packagesOf,
  publishersOf,
  sha256Hex,
  verifyDigestSignature,
  verifyPackageSignature,
} from "../src/index.ts";
import { isolatedConfig, startExampleMarketplace } from "../src/testing/index.ts";

const config = isolatedConfig("examples");
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
const marketplace = await startExampleMarketplace(mongo.db);

async function download(path: string): Promise<Buffer> {
  const response = await fetch(new URL(path, marketplace.cdn.url));
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe("example packages, catalog and dev CDN", () => {
  it("catalogs every example with its trust level and versions", async () => {
    const packages = await packagesOf(mongo.db).find().sort({ _id: 1 }).toArray();
    expect(packages.map((p) => [p._id, p.trustLevel, p.versions.map((v) => v.version)])).toEqual([
      ["acme-expense-approvals", "Verified", ["2.1.0", "3.0.0"]],
      ["acme-invoice-workflows", "Verified", ["2.1.0", "3.0.0"]],
      ["acme-reporting-pack", "Verified", ["1.0.0"]],
      ["community-kanban-widgets", "Community", ["1.0.0"]],
      ["shady-toolkit", "Verified", ["1.0.0"]],
      ["tampered-dashboards", "Verified", ["1.0.0"]],
    ]);
    expect(packages.find((p) => p._id === "acme-invoice-workflows")!.versions[1]!.artifactCount).toBe(5);
  });

  it("serves signed archives whose digest and signature verify, and a tampered one that does not", async () => {
    const acme = (await packagesOf(mongo.db).findOne({ _id: "acme-invoice-workflows" }))!.versions[1]!;
    const publisher = (await publishersOf(mongo.db).findOne({ _id: "acme" }))!;
    const bytes = await download(acme.archivePath);
    expect(sha256Hex(bytes)).toBe(acme.sha256);
    const subject = {
      packageId: "acme-invoice-workflows",
      version: "3.0.0",
      sha256: acme.sha256,
      publisher: "acme",
    };
    expect(verifyPackageSignature(subject, acme.signature!, publisher.publicKey!)).toBe(true);
    expect(
      verifyPackageSignature({ ...subject, version: "2.1.0" }, acme.signature!, publisher.publicKey!),
    ).toBe(false);
    expect(verifyDigestSignature(acme.sha256, acme.signature!, publisher.publicKey!)).toBe(false);
    expect(gunzipSync(bytes).toString("latin1")).toContain("manifest.json");

    const tampered = (await packagesOf(mongo.db).findOne({ _id: "tampered-dashboards" }))!.versions[0]!;
    expect(sha256Hex(await download(tampered.archivePath))).not.toBe(tampered.sha256);

    const community = (await packagesOf(mongo.db).findOne({ _id: "community-kanban-widgets" }))!.versions[0]!;
    expect(community.signature).toBeNull();
  });

  it("builds the same bytes every time", async () => {
    const again = await startExampleMarketplace(mongo.db);
    const first = marketplace.packages.flatMap((p) => p.versions.map((v) => v.sha256));
    const second = again.packages.flatMap((p) => p.versions.map((v) => v.sha256));
    await again.close();
    expect(second).toEqual(first);
  });

  it("answers 404 for an unknown path and never serves outside its folder", async () => {
    expect((await fetch(new URL("packages/nope.tgz", marketplace.cdn.url))).status).toBe(404);
    expect((await fetch(new URL("..%2f..%2fetc%2fpasswd", marketplace.cdn.url))).status).toBe(404);
  });
});

afterAll(async () => {
  await marketplace.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});
