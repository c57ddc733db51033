import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

describe("logger", () => {
  it("redacts tokens and authorization headers", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("test", "info", sink);
    logger.info(
      {
        req: { headers: { authorization: "Bearer eyJhbGciOi.secret" } },
        token: "eyJ.secret",
        installId: "mkt-install-1",
      },
      "request",
    );
    const line = JSON.parse(lines[0]!);
    expect(JSON.stringify(line)).not.toContain("secret");
    expect(line.req.headers.authorization).toBe("[redacted]");
    expect(line.installId).toBe("mkt-install-1");
  });
});
