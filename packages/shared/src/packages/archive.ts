import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { create } from "tar";

/**
 * Packs a package folder (manifest.json + artifact files) into a gzip'd tar. Entries are sorted and
 * carry a fixed mtime and no owner, so the same folder always gives the same bytes and digest.
 */
export async function packFolder(folder: string): Promise<Buffer> {
  const files = (await listFiles(folder)).map((file) => relative(folder, file)).sort();
  const stream = create(
    { gzip: { level: 9 }, cwd: folder, portable: true, mtime: new Date(0), noDirRecurse: true },
    files,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(folder, entry.name)) : [join(folder, entry.name)],
    ),
  );
  return nested.flat();
}
