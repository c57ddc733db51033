import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * docs/architecture.md walks one install through the code, file by file: each of those files must
 * exist where the page says, or the walk-through sends a newcomer nowhere.
 */
const root = join(import.meta.dirname, "..");
const page = readFileSync(join(root, "docs/architecture.md"), "utf8");
const walk = page.slice(page.indexOf("## One install, file by file"));
const picture = walk.slice(walk.indexOf("```text") + 7, walk.indexOf("```", walk.indexOf("```text") + 7));

/** `service relative/path.ts` pairs of the picture, the service carried down from the row that names it. */
function filesOf(text: string): string[] {
  const files: string[] = [];
  let service = "";
  for (const line of text.split("\n")) {
    const named = /^\s*\d*\s+(gateway|scanner|installer|notifier|shared)\s/.exec(line);
    if (named) service = named[1]!;
    for (const [path] of line.matchAll(/[a-z-]+(?:\/[a-z-]+)*\/[a-z-]+\.ts/g)) {
      files.push(service === "shared" ? `packages/shared/src/${path}` : `services/${service}/src/${path}`);
    }
  }
  return files;
}

describe("docs/architecture.md", () => {
  const files = filesOf(picture);

  it("walks an install through twenty numbered files from the POST to Success", () => {
    const numbered = picture.split("\n").filter((line) => /^\s*\d+\s/.test(line));
    expect(numbered.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it.each(filesOf(picture))("names %s, which exists", (file) => {
    expect(existsSync(join(root, file)), file).toBe(true);
  });

  it("finds the files it checks", () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });
});
