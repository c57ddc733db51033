import { parseConfig } from "@installhub/shared";
import { describe, expect, it } from "vitest";
import { scannerConfigSchema } from "./config.ts";
import { scanPolicyOf } from "./service.ts";

describe("SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES", () => {
  it("is off unless set, and reaches the scan policy", () => {
    expect(scanPolicyOf(parseConfig(scannerConfigSchema, {})).signatures).toEqual({
      acceptDigestOnly: false,
    });
    const on = parseConfig(scannerConfigSchema, { SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES: "true" });
    expect(scanPolicyOf(on).signatures).toEqual({ acceptDigestOnly: true });
    expect(parseConfig(scannerConfigSchema, { SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES: "false" })).toMatchObject({
      SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES: false,
    });
  });

  it("refuses a value that is not a boolean, naming the variable", () => {
    expect(() =>
      parseConfig(scannerConfigSchema, { SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES: "sometimes" }),
    ).toThrow(/SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES/);
  });
});
