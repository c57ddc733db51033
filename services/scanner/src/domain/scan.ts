import {
  type ApprovedFile,
  type ArchiveLimits,
  approvedFilesOf,
  type InstallEventOf,
  normalizeArchivePath,
  readArchive,
} from "@installhub/shared";
import { applyContentRules, type ContentRule, type ScannedFile } from "./content-rules.ts";
import type { Finding } from "./findings.ts";
import { reviewManifest } from "./manifest-checks.ts";
import { type SignaturePolicy, signatureFindings } from "./verification.ts";

export interface ScanPolicy {
  limits: ArchiveLimits;
  rules: readonly ContentRule[];
  allowedHosts: readonly string[];
  signatures: SignaturePolicy;
}

export interface PackageScan {
  findings: Finding[];
  /** The archive's regular files, for scanners outside this process (clamd). */
  files: ReadonlyMap<string, Buffer>;
  /** (path, sha256) of those files: what a PASS or WARN verdict lets the installer import. */
  approvedFiles: ApprovedFile[];
}

/**
 * Inspects archive bytes whose digest already matched the request: signature, archive structure,
 * manifest, then the content rules over every file. The archive is read by the one reader the
 * installer also imports with (`readArchive` in @installhub/shared).
 *
 * @example
 * const { findings } = await scanPackage(request, bytes, scanPolicyOf(config));
 */
export async function scanPackage(
  request: InstallEventOf<"InstallRequested">,
  bytes: Buffer,
  policy: ScanPolicy,
): Promise<PackageScan> {
  const archive = await readArchive(bytes, policy.limits);
  // A manifest judged against half an archive would report artifacts as missing that were never reached.
  const manifest = archive.complete ? reviewManifest(archive.files, request) : undefined;
  const typeOf = new Map(manifest?.manifest?.artifacts.map((a) => [normalizeArchivePath(a.file), a.type]));
  const scanned: ScannedFile[] = [...archive.files].map(([path, content]) => ({
    path,
    artifactType: typeOf.get(path),
    text: content.toString("latin1"),
  }));
  return {
    files: archive.files,
    approvedFiles: approvedFilesOf(archive.files),
    findings: [
      ...signatureFindings(request, policy.signatures),
      ...archive.findings,
      ...(manifest?.findings ?? []),
      ...applyContentRules(scanned, policy.rules, { allowedHosts: policy.allowedHosts }),
    ],
  };
}
