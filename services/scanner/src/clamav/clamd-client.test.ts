import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { classifyFailure } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { clamavFindings } from "./clamav-findings.ts";
import { ClamdError, ClamdUnreachable, clamdClient, parseScanReply } from "./clamd-client.ts";

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

describe("a clamd that does not answer, or answers that it cannot scan", () => {
  it("waits for a clamd that does not answer: a transient failure, not a finding", async () => {
    const nowhere = clamdClient({ url: "tcp://127.0.0.1:9", timeoutMs: 2000 });
    await expect(nowhere.ping()).rejects.toThrow(ClamdUnreachable);
    const failure = await clamavFindings(new Map([["a.json", Buffer.from("{}")]]), nowhere).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ClamdUnreachable);
    expect(classifyFailure(failure)).toBe("transient");
  });

  it("fails closed when clamd answers that it cannot scan a file", async () => {
    // A clamd that reads the stream and answers as one whose StreamMaxLength was exceeded.
    const refusing = createServer((socket) => {
      socket.once("data", () => socket.end("INSTREAM size limit exceeded. ERROR\0"));
    });
    refusing.listen(0, "127.0.0.1");
    await once(refusing, "listening");
    try {
      const { port } = refusing.address() as AddressInfo;
      const findings = await clamavFindings(
        new Map([["a.json", Buffer.from("{}")]]),
        clamdClient({ url: `tcp://127.0.0.1:${port}`, timeoutMs: 2000 }),
      );
      expect(findings.map((f) => [f.ruleId, f.severity, f.file])).toEqual([
        ["clamav.unavailable", "critical", "a.json"],
      ]);
      expect(classifyFailure(new ClamdError("x"))).toBe("deterministic");
    } finally {
      refusing.close();
    }
  });
});
