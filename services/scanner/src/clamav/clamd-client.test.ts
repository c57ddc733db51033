import { once } from "node:events";
import { readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { classifyFailure, examplesRoot } from "@installhub/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { startClamd } from "../../test/clamd.ts";
import { clamavFindings } from "./clamav-findings.ts";
import {
  type ClamdClient,
  ClamdError,
  ClamdUnreachable,
  clamdClient,
  parseScanReply,
} from "./clamd-client.ts";

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

describe("clamd over INSTREAM (infra/clamd.sh)", () => {
  let clamd: ClamdClient;
  const eicarFile = readFileSync(
    join(examplesRoot, "packages/shady-toolkit/1.0.0/artifacts/cleanup-helper.txt"),
  );

  beforeAll(async () => {
    clamd = clamdClient({ url: await startClamd(), timeoutMs: 30_000 });
  }, 300_000);

  it("answers PING, passes clean bytes and detects EICAR, also across several stream chunks", async () => {
    await clamd.ping();
    expect(await clamd.scan(Buffer.from('{"kind":"widget"}'))).toEqual({ infected: false });
    expect(await clamd.scan(eicarFile)).toMatchObject({
      infected: true,
      signature: expect.stringMatching(/EICAR/),
    });
    const large = Buffer.concat([Buffer.alloc(200 * 1024, 0x20), eicarFile]);
    expect(await clamd.scan(large)).toMatchObject({ infected: true });
  });

  it("turns detections into critical findings naming the file", async () => {
    const files = new Map([
      ["artifacts/clean.json", Buffer.from("{}")],
      ["artifacts/cleanup-helper.txt", eicarFile],
    ]);
    const findings = await clamavFindings(files, clamd);
    expect(findings).toEqual([
      {
        ruleId: "clamav.detection",
        severity: "critical",
        file: "artifacts/cleanup-helper.txt",
        message: expect.stringMatching(/^ClamAV detected .*EICAR/),
      },
    ]);
  });

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
