import { describe, expect, it } from "vitest";
import { clamavFindings } from "./clamav-findings.ts";
import { ClamdError, clamdClient, parseScanReply } from "./clamd-client.ts";

describe("parseScanReply", () => {
  it("reads clean, infected and error answers", () => {
    expect(parseScanReply("stream: OK")).toEqual({ infected: false });
    expect(parseScanReply("stream: Eicar-Signature FOUND")).toEqual({
      infected: true,
      signature: "Eicar-Signature",
    });
    expect(() => parseScanReply("INSTREAM size limit exceeded. ERROR")).toThrow(ClamdError);
    expect(() => parseScanReply("")).toThrow(/no answer/);
  });
});

describe("a clamd that cannot be reached (nothing listens on the discard port)", () => {
  it("fails closed when clamd cannot be reached", async () => {
    const nowhere = clamdClient({ url: "tcp://127.0.0.1:9", timeoutMs: 2000 });
    await expect(nowhere.ping()).rejects.toThrow(ClamdError);
    const findings = await clamavFindings(new Map([["a.json", Buffer.from("{}")]]), nowhere);
    expect(findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
      ["clamav.unavailable", "critical", "a.json"],
    ]);
  });
});
