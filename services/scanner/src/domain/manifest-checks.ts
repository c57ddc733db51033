import { manifestFileName, normalizeArchivePath, PackageManifest } from "@installhub/shared";
import { z } from "zod";
import { type Finding, finding } from "./findings.ts";

export interface ExpectedPackage {
  packageId: string;
  version: string;
}

export interface ManifestReview {
  manifest: PackageManifest | undefined;
  findings: Finding[];
}

/**
 * Checks `manifest.json` against the archive and the install request: present, valid, for the
 * requested package and version, every listed artifact present, nothing unlisted, keys unique.
 */
export function reviewManifest(
  files: ReadonlyMap<string, Buffer>,
  expected: ExpectedPackage,
): ManifestReview {
  const raw = files.get(manifestFileName);
  if (raw === undefined) {
    return {
      manifest: undefined,
      findings: [invalid("manifest.missing", "the archive has no manifest.json")],
    };
  }
  const parsed = parseManifest(raw);
  if (!parsed.success) return { manifest: undefined, findings: [invalid("manifest.invalid", parsed.reason)] };
  const manifest = parsed.manifest;
  return {
    manifest,
    findings: [
      ...identityFindings(manifest, expected),
      ...duplicateKeyFindings(manifest),
      ...artifactFileFindings(manifest, files),
    ],
  };
}

function invalid(ruleId: string, message: string): Finding {
  return finding(ruleId, "critical", manifestFileName, message);
}

function parseManifest(
  raw: Buffer,
): { success: true; manifest: PackageManifest } | { success: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    return { success: false, reason: `manifest.json is not JSON: ${(error as Error).message}` };
  }
  const result = PackageManifest.safeParse(json);
  if (result.success) return { success: true, manifest: result.data };
  return {
    success: false,
    reason: `manifest.json is invalid: ${z.prettifyError(result.error).replaceAll("\n", "; ")}`,
  };
}

function identityFindings(manifest: PackageManifest, expected: ExpectedPackage): Finding[] {
  const findings: Finding[] = [];
  if (manifest.id !== expected.packageId) {
    findings.push(
      invalid(
        "manifest.mismatch",
        `manifest id ${manifest.id} is not the requested package ${expected.packageId}`,
      ),
    );
  }
  if (manifest.version !== expected.version) {
    findings.push(
      invalid(
        "manifest.mismatch",
        `manifest version ${manifest.version} is not the requested ${expected.version}`,
      ),
    );
  }
  return findings;
}

function duplicateKeyFindings(manifest: PackageManifest): Finding[] {
  const seen = new Set<string>();
  const reported = new Set<string>();
  for (const { key } of manifest.artifacts) {
    if (seen.has(key)) reported.add(key);
    seen.add(key);
  }
  return [...reported].map((key) =>
    invalid("artifact.duplicate-key", `artifact key ${key} is listed more than once`),
  );
}

function artifactFileFindings(manifest: PackageManifest, files: ReadonlyMap<string, Buffer>): Finding[] {
  const listed = new Set(manifest.artifacts.map((artifact) => normalizeArchivePath(artifact.file)));
  const findings: Finding[] = [];
  for (const artifact of manifest.artifacts) {
    if (!files.has(normalizeArchivePath(artifact.file))) {
      findings.push(
        finding(
          "artifact.missing",
          "critical",
          artifact.file,
          `artifact ${artifact.key} is listed but not in the archive`,
        ),
      );
    }
  }
  for (const path of files.keys()) {
    if (path !== manifestFileName && !listed.has(path)) {
      findings.push(
        finding("artifact.unlisted", "critical", path, "file is in the archive but not in manifest.json"),
      );
    }
  }
  return findings;
}
