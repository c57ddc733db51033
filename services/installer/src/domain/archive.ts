import { gunzipSync } from "node:zlib";
import { manifestFileName, PackageManifest } from "@installhub/shared";
import { Parser, type ReadEntry } from "tar";

/** A package archive read into memory: its manifest and each artifact's text by key. */
export interface PackageContents {
  manifest: PackageManifest;
  artifactContent: Map<string, string>;
}

/** The archive is not a package the installer can import; the message says what is wrong. */
export class InvalidPackageError extends Error {
  override readonly name = "InvalidPackageError";
}

/**
 * Reads a gzip'd tar package in memory and checks it is importable as `packageId@version`: a valid
 * manifest naming that package, unique artifact keys, and every artifact's file present.
 * `maxExtractedBytes` caps the unzipped size, so a small archive cannot unpack into gigabytes.
 */
export async function readPackage(
  archive: Buffer,
  expected: { packageId: string; version: string },
  maxExtractedBytes: number,
): Promise<PackageContents> {
  const files = await untar(gunzip(archive, maxExtractedBytes));
  const manifestBytes = files.get(manifestFileName);
  if (!manifestBytes) throw new InvalidPackageError(`the archive has no ${manifestFileName}`);
  const manifest = parseManifest(manifestBytes);
  if (manifest.id !== expected.packageId || manifest.version !== expected.version) {
    throw new InvalidPackageError(
      `the archive holds ${manifest.id}@${manifest.version}, not ${expected.packageId}@${expected.version}`,
    );
  }
  const artifactContent = new Map<string, string>();
  for (const artifact of manifest.artifacts) {
    if (artifactContent.has(artifact.key)) {
      throw new InvalidPackageError(`artifact key "${artifact.key}" appears twice in the manifest`);
    }
    const bytes = files.get(normalizeEntryPath(artifact.file));
    if (!bytes) throw new InvalidPackageError(`artifact "${artifact.key}": file ${artifact.file} is missing`);
    artifactContent.set(artifact.key, bytes.toString("utf8"));
  }
  return { manifest, artifactContent };
}

function gunzip(archive: Buffer, maxOutputLength: number): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength });
  } catch (error) {
    throw new InvalidPackageError(`the archive cannot be unzipped: ${(error as Error).message}`);
  }
}

async function untar(tarBytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.type !== "File") {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      entry.on("end", () => files.set(normalizeEntryPath(entry.path), Buffer.concat(chunks)));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("error", (error: Error) =>
      reject(new InvalidPackageError(`the archive is not a valid tar: ${error.message}`)),
    );
    parser.on("end", () => resolve());
    parser.end(tarBytes);
  });
  return files;
}

function parseManifest(bytes: Buffer): PackageManifest {
  try {
    return PackageManifest.parse(JSON.parse(bytes.toString("utf8")));
  } catch (error) {
    throw new InvalidPackageError(`${manifestFileName} is invalid: ${(error as Error).message}`);
  }
}

function normalizeEntryPath(path: string): string {
  return path.replace(/^(\.\/)+/, "");
}
