import { readFileSync } from "node:fs";
import { join } from "node:path";
import { examplesRoot } from "@installhub/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { clamavFindings } from "../src/clamav/clamav-findings.ts";
import { type ClamdClient, clamdClient } from "../src/clamav/clamd-client.ts";
import { startClamd } from "./clamd.ts";

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
});
