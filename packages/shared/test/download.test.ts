import { afterAll, describe, expect, it } from "vitest";
import { archiveUrl, connectMongo, DownloadError, downloadArchive, packagesOf } from "../src/index.ts";
import { isolatedConfig, startExampleMarketplace } from "../src/testing/index.ts";

const config = isolatedConfig("download");
const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
const marketplace = await startExampleMarketplace(mongo.db);
const acme = (await packagesOf(mongo.db).findOne({ _id: "acme-invoice-workflows" }))!.versions[1]!;
const options = {
  baseUrl: marketplace.cdn.url,
  path: acme.archivePath,
  maxBytes: 1_000_000,
  timeoutMs: 2000,
  initialBackoffMs: 10,
};

describe("archive download from the CDN", () => {
  it("retries 500s and then returns the bytes with their digest", async () => {
    let failures = 0;
    marketplace.cdn.setFault((_request, response) => {
      if (failures >= 2) return false;
      failures++;
      response.writeHead(500).end();
      return true;
    });
    const archive = await downloadArchive(options);
    marketplace.cdn.setFault(undefined);
    expect(archive.attempts).toBe(3);
    expect(archive.sha256).toBe(acme.sha256);
  });

  it("treats 404 as final", async () => {
    const error = await downloadArchive({ ...options, path: "packages/missing.tgz" }).catch((e) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ code: "ArchiveNotFound", attempts: 1 });
  });

  it("stops at the size cap", async () => {
    const error = await downloadArchive({ ...options, maxBytes: 100 }).catch((e) => e);
    expect(error).toMatchObject({ code: "ArchiveTooLarge" });
  });

  it("gives up after bounded attempts when the CDN stalls", async () => {
    marketplace.cdn.setFault(() => true); // never answers
    const error = await downloadArchive({ ...options, timeoutMs: 100, attempts: 2 }).catch((e) => e);
    marketplace.cdn.setFault(undefined);
    expect(error).toMatchObject({ code: "DownloadFailed", attempts: 2 });
  });

  it("never leaves the configured base URL", () => {
    for (const path of [
      "http://evil.example/x.tgz",
      "/etc/passwd",
      "../secrets.tgz",
      "a/../../b.tgz",
      "//evil.example/x",
    ]) {
      expect(() => archiveUrl("http://127.0.0.1:8090/cdn/", path)).toThrow(DownloadError);
    }
    expect(archiveUrl("http://127.0.0.1:8090/cdn", "packages/a.tgz").href).toBe(
      "http://127.0.0.1:8090/cdn/packages/a.tgz",
    );
  });
});

afterAll(async () => {
  await marketplace.close();
  await mongo.db.dropDatabase();
  await mongo.close();
});
