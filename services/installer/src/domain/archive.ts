import {
  type ApprovedFile,
  type ArchiveLimits,
  approvalDifference,
  manifestFileName,
  normalizeArchivePath,
  PackageManifest,
  readArchive,
} from "@installhub/shared";

/** A package archive read into memory: its manifest and each artifact's text by key. */
export interface PackageContents {
  manifest: PackageManifest;
  artifactContent: Map<string, string>;
}

/** Why an archive is not imported: `error` is the install's failure code. */
export interface PackageFailure {
  error: "InvalidPackage" | "ArchiveChanged";
  message: string;
  details: Record<string, unknown>;
}

export type PackageReading = { contents: PackageContents } | { failure: PackageFailure };

/**
 * Reads a package archive with the one archive reader the scanner used (`readArchive` from
 * @installhub/shared) and accepts it only as the scanner approved it:
 * - any reader finding (a limit, a malformed or ambiguous archive) → `InvalidPackage`;
 * - files other than exactly the verdict's `approved` (path, sha256) list → `ArchiveChanged`;
 * - a manifest that is invalid, names another package, repeats a key or lacks an artifact's file →
 *   `InvalidPackage`.
 * Every artifact's bytes therefore are bytes the scanner read and approved.
 *
 * @example
 * const reading = await readApprovedPackage(bytes, verdict.approvedFiles, { packageId, version }, limits);
 * if ("failure" in reading) return fail(reading.failure);
 */
export async function readApprovedPackage(
  archive: Buffer,
  approved: readonly ApprovedFile[],
  expected: { packageId: string; version: string },
  limits: ArchiveLimits,
): Promise<PackageReading> {
  const read = await readArchive(archive, limits);
  const first = read.findings[0];
  if (first || !read.complete) {
    return invalid(`the archive cannot be read as it was scanned: ${first?.message ?? "incomplete"}`, {
      findings: read.findings,
    });
  }
  const difference = approvalDifference(read.files, approved);
  if (difference) {
    return {
      failure: {
        error: "ArchiveChanged",
        message: "The archive does not hold exactly the files the scan approved",
        details: { ...difference },
      },
    };
  }
  return packageOf(read.files, expected);
}

function invalid(message: string, details: Record<string, unknown> = {}): { failure: PackageFailure } {
  return { failure: { error: "InvalidPackage", message, details } };
}

function packageOf(
  files: ReadonlyMap<string, Buffer>,
  expected: { packageId: string; version: string },
): PackageReading {
  const manifestBytes = files.get(manifestFileName);
  if (!manifestBytes) return invalid(`the archive has no ${manifestFileName}`);
  let manifest: PackageManifest;
  try {
    manifest = PackageManifest.parse(JSON.parse(manifestBytes.toString("utf8")));
  } catch (error) {
    return invalid(`${manifestFileName} is invalid: ${(error as Error).message}`);
  }
  if (manifest.id !== expected.packageId || manifest.version !== expected.version) {
    return invalid(
      `the archive holds ${manifest.id}@${manifest.version}, not ${expected.packageId}@${expected.version}`,
    );
  }
  const artifactContent = new Map<string, string>();
  for (const artifact of manifest.artifacts) {
    if (artifactContent.has(artifact.key)) {
      return invalid(`artifact key "${artifact.key}" appears twice in the manifest`);
    }
    const bytes = files.get(normalizeArchivePath(artifact.file));
    if (!bytes) return invalid(`artifact "${artifact.key}": file ${artifact.file} is missing`);
    artifactContent.set(artifact.key, bytes.toString("utf8"));
  }
  return { contents: { manifest, artifactContent } };
}
