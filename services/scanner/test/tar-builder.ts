import { gzipSync } from "node:zlib";
import { Header } from "tar";

export interface TarEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "CharacterDevice" | "FIFO";
  body?: string | Buffer;
  linkpath?: string;
}

/**
 * Hand-built tar.gz bytes: 512-byte headers written as given, so a test can make the archives that
 * `tar.create` refuses to (`../` paths, absolute paths, links, devices).
 */
export function tarGz(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = typeof entry.body === "string" ? Buffer.from(entry.body) : (entry.body ?? Buffer.alloc(0));
    const header = new Header({
      path: entry.path,
      type: entry.type ?? "File",
      size: body.length,
      mode: entry.type === "Directory" ? 0o755 : 0o644,
      mtime: new Date(0),
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    });
    header.encode();
    blocks.push(header.block!, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A package archive: manifest.json for `id`@`version` listing each artifact, plus `extra` entries. */
export function packageTarGz(
  id: string,
  version: string,
  artifacts: { key: string; type?: string; file: string; body: string }[],
  extra: TarEntry[] = [],
): Buffer {
  const manifest = {
    id,
    name: id,
    version,
    publisher: "test-publisher",
    artifacts: artifacts.map((a) => ({ key: a.key, type: a.type ?? "template", name: a.key, file: a.file })),
  };
  return tarGz([
    { path: "manifest.json", body: JSON.stringify(manifest) },
    ...artifacts.map((a) => ({ path: a.file, body: a.body })),
    ...extra,
  ]);
}
