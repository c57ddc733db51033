import { describe, expect, it } from "vitest";
import { entryFindings, normalizeEntryPath } from "./entry-checks.ts";

const rulesOf = (path: string, type = "File", linkpath?: string) =>
  entryFindings({ path, type, linkpath }).map((f) => [f.ruleId, f.file]);

describe("entryFindings", () => {
  it("accepts plain relative files and directories", () => {
    expect(rulesOf("artifacts/a.json")).toEqual([]);
    expect(rulesOf("./manifest.json")).toEqual([]);
    expect(rulesOf("artifacts/", "Directory")).toEqual([]);
    expect(rulesOf("artifacts/..data.json")).toEqual([]);
  });

  it("rejects path traversal with / or \\ separators", () => {
    expect(rulesOf("../evil.sh")).toEqual([["archive.path-traversal", "../evil.sh"]]);
    expect(rulesOf("artifacts/../../evil.sh")).toEqual([
      ["archive.path-traversal", "artifacts/../../evil.sh"],
    ]);
    expect(rulesOf("artifacts\\..\\evil.sh")).toEqual([["archive.path-traversal", "artifacts\\..\\evil.sh"]]);
  });

  it("rejects absolute paths and drive letters", () => {
    expect(rulesOf("/etc/cron.d/evil")).toEqual([["archive.absolute-path", "/etc/cron.d/evil"]]);
    expect(rulesOf("\\windows\\evil.dll")).toEqual([["archive.absolute-path", "\\windows\\evil.dll"]]);
    expect(rulesOf("C:/evil.dll")).toEqual([["archive.absolute-path", "C:/evil.dll"]]);
    expect(rulesOf("c:evil.dll")).toEqual([["archive.absolute-path", "c:evil.dll"]]);
  });

  it("rejects control characters in paths", () => {
    expect(rulesOf("artifacts/a\nb.json")).toEqual([["archive.path-characters", "artifacts/a\nb.json"]]);
  });

  it("rejects links, devices and FIFOs, naming the entry", () => {
    expect(rulesOf("artifacts/link", "SymbolicLink", "/etc/passwd")).toEqual([
      ["archive.symlink", "artifacts/link"],
    ]);
    expect(rulesOf("artifacts/hard", "Link", "manifest.json")).toEqual([
      ["archive.hardlink", "artifacts/hard"],
    ]);
    expect(rulesOf("dev/tty", "CharacterDevice")).toEqual([["archive.device-entry", "dev/tty"]]);
    expect(rulesOf("dev/sda", "BlockDevice")).toEqual([["archive.device-entry", "dev/sda"]]);
    expect(rulesOf("pipe", "FIFO")).toEqual([["archive.device-entry", "pipe"]]);
    expect(rulesOf("dump", "GNUDumpDir")).toEqual([["archive.entry-type", "dump"]]);
  });

  it("names the link target in the message", () => {
    expect(entryFindings({ path: "l", type: "SymbolicLink", linkpath: "/etc/shadow" })[0]?.message).toContain(
      "/etc/shadow",
    );
  });
});

describe("normalizeEntryPath", () => {
  it("drops ./ segments, doubled and trailing slashes", () => {
    expect(normalizeEntryPath("./artifacts//a.json")).toBe("artifacts/a.json");
    expect(normalizeEntryPath("artifacts/./a.json")).toBe("artifacts/a.json");
    expect(normalizeEntryPath("artifacts/")).toBe("artifacts");
  });
});
