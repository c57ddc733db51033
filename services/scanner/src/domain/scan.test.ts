import { generatePublisherKeys, sha256Hex, signPackage } from "@installhub/shared";
import {
  exampleEvents,
  fixtureManifest,
  fixturePackage,
  gzipTar,
  type TarPart,
  tarOf,
} from "@installhub/shared/testing";
import { describe, expect, it } from "vitest";
import { defaultContentRules } from "./content-rules.ts";
import { type ScanPolicy, scanPackage } from "./scan.ts";

const keys = generatePublisherKeys();
const policy: ScanPolicy = {
  limits: { maxEntries: 100, maxUnpackedBytes: 1024 * 1024, maxCompressionRatio: 200 },
  rules: defaultContentRules,
  allowedHosts: ["api.example.com"],
  signatures: { acceptDigestOnly: false },
};

/** The request for `crafted-package@1.0.0` signed by its publisher over exactly these bytes. */
function requestFor(bytes: Buffer) {
  const example = exampleEvents({ installId: "mkt-install-1", tenantId: "tenant-abc123" }).InstallRequested;
  const sha256 = sha256Hex(bytes);
  const subject = {
    packageId: fixturePackage.id,
    version: fixturePackage.version,
    sha256,
    publisher: "acme",
  };
  return {
    ...example,
    packageId: fixturePackage.id,
    version: fixturePackage.version,
    archive: { ...example.archive, sha256, signature: signPackage(subject, keys.privateKey) },
    publisher: { id: "acme", name: "ACME", publicKey: keys.publicKeyPem },
  };
}

const archiveOf = (parts: TarPart[]) => gzipTar(tarOf(parts));
const rules = (findings: { ruleId: string; file: string }[]) => findings.map((f) => [f.ruleId, f.file]);

describe("scanPackage", () => {
  it("passes a signed, complete package and approves every file it read, sorted by path", async () => {
    // given a manifest listing a script artifact under a ./ path, and the script
    const manifest = JSON.parse(fixtureManifest(["artifacts/job.txt"]));
    manifest.artifacts[0].type = "script";
    manifest.artifacts[0].file = "./artifacts/job.txt";
    const bytes = archiveOf([
      { header: { name: "manifest.json" }, body: JSON.stringify(manifest) },
      { header: { name: "artifacts/job.txt" }, body: "fetch('https://api.example.com/v1')" },
    ]);
    // when
    const scan = await scanPackage(requestFor(bytes), bytes, policy);
    // then
    expect(scan.findings).toEqual([]);
    expect([...scan.files.keys()]).toEqual(["manifest.json", "artifacts/job.txt"]);
    expect(scan.approvedFiles.map((f) => f.path)).toEqual(["artifacts/job.txt", "manifest.json"]);
    expect(scan.approvedFiles[0]?.sha256).toBe(sha256Hex(Buffer.from("fetch('https://api.example.com/v1')")));
  });

  it("reads a listed script artifact as a script whatever its extension, through the manifest's type", async () => {
    const manifest = JSON.parse(fixtureManifest(["artifacts/job.txt"]));
    manifest.artifacts[0].type = "script";
    manifest.artifacts[0].file = "./artifacts/job.txt";
    const bytes = archiveOf([
      { header: { name: "manifest.json" }, body: JSON.stringify(manifest) },
      { header: { name: "artifacts/job.txt" }, body: "require('child_process')" },
    ]);
    const scan = await scanPackage(requestFor(bytes), bytes, policy);
    expect(rules(scan.findings)).toEqual([["script.process-execution", "artifacts/job.txt"]]);
  });

  it("reports in order: signature, archive, manifest, then content rules, reading files as latin1", async () => {
    // given an unsigned Verified package whose archive repeats a path, unlisted files, a URL and a secret
    const bytes = archiveOf([
      { header: { name: "manifest.json" }, body: fixtureManifest(["artifacts/a.json"]) },
      { header: { name: "artifacts/a.json" }, body: '{"a":1}' },
      { header: { name: "artifacts/a.json" }, body: '{"a":2}' },
      { header: { name: "artifacts/links.txt" }, body: Buffer.from("https://caf\u00e9.example/x", "utf8") },
      { header: { name: "artifacts/creds.txt" }, body: "AKIAABCDEFGHIJKLMNOP" },
    ]);
    const request = { ...requestFor(bytes), archive: { ...requestFor(bytes).archive, signature: null } };
    // when
    const scan = await scanPackage(request, bytes, policy);
    // then
    expect(rules(scan.findings)).toEqual([
      ["signature.missing", request.archive.path],
      ["archive.duplicate-entry", "artifacts/a.json"],
      ["artifact.unlisted", "artifacts/links.txt"],
      ["artifact.unlisted", "artifacts/creds.txt"],
      ["url.host-not-allowed", "artifacts/links.txt"],
      ["secret.aws-access-key", "artifacts/creds.txt"],
    ]);
    // one character per byte: the two UTF-8 bytes of "é" are read as "Ã©" (lowercased "ã©")
    expect(scan.findings[4]?.message).toMatch(/: caf\u00e3\u00a9\.example$/);
  });

  it("does not judge the manifest of an archive it stopped reading: no artifact reported missing", async () => {
    // given an archive cut short by an entry type the reader refuses, before the listed artifact
    const bytes = archiveOf([
      { header: { name: "manifest.json" }, body: fixtureManifest(["artifacts/a.json"]) },
      { header: { name: "artifacts/sparse.bin", type: "S" }, body: "x" },
      { header: { name: "artifacts/a.json" }, body: '{"a":1}' },
    ]);
    const scan = await scanPackage(requestFor(bytes), bytes, policy);
    expect(scan.findings.map((f) => f.ruleId)).toEqual(["archive.entry-type"]);
    expect([...scan.files.keys()]).toEqual(["manifest.json"]);
  });

  it("reports a manifest it cannot read, and still applies the content rules by file name", async () => {
    const bytes = archiveOf([
      { header: { name: "manifest.json" }, body: "{ not json" },
      { header: { name: "artifacts/run.sh" }, body: "eval(x)" },
    ]);
    const scan = await scanPackage(requestFor(bytes), bytes, policy);
    expect(rules(scan.findings)).toEqual([
      ["manifest.invalid", "manifest.json"],
      ["script.eval", "artifacts/run.sh"],
    ]);
  });
});
