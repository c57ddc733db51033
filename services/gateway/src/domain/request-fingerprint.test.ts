import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { requestFingerprint } from "./request-fingerprint.ts";

const body = {
  version: "3.0.0",
  targetTenantId: "tenant-abc123",
  defaultConflictStrategy: "Skip",
  conflictStrategies: { "invoice-approval": "Overwrite", "invoice-dashboard": "Rename" },
  dryRun: false,
};

describe("requestFingerprint", () => {
  it("is the sha256 of the canonical JSON of package and body: sorted keys, no whitespace", () => {
    // given a body whose keys are out of order at every level
    const fingerprint = requestFingerprint("acme-invoice-workflows", {
      b: [3, { z: null, a: "x" }],
      a: true,
    });
    // then it hashes exactly this text
    const canonical = '{"body":{"a":true,"b":[3,{"a":"x","z":null}]},"packageId":"acme-invoice-workflows"}';
    expect(fingerprint).toBe(createHash("sha256").update(canonical).digest("hex"));
  });

  it("is the same whatever the key order, and when an optional member is absent or undefined", () => {
    const reordered = {
      dryRun: false,
      conflictStrategies: { "invoice-dashboard": "Rename", "invoice-approval": "Overwrite" },
      defaultConflictStrategy: "Skip",
      targetTenantId: "tenant-abc123",
      version: "3.0.0",
    };
    expect(requestFingerprint("acme-invoice-workflows", reordered)).toBe(
      requestFingerprint("acme-invoice-workflows", body),
    );
    expect(requestFingerprint("p", { ...body, acknowledgeCommunityPackage: undefined })).toBe(
      requestFingerprint("p", body),
    );
  });

  it("differs for another package, another value, or the same items in another array order", () => {
    const base = requestFingerprint("acme-invoice-workflows", body);
    expect(requestFingerprint("acme-other", body)).not.toBe(base);
    expect(requestFingerprint("acme-invoice-workflows", { ...body, dryRun: true })).not.toBe(base);
    expect(
      requestFingerprint("acme-invoice-workflows", {
        ...body,
        conflictStrategies: { "invoice-approval": "Skip", "invoice-dashboard": "Rename" },
      }),
    ).not.toBe(base);
    expect(requestFingerprint("p", [1, 2])).not.toBe(requestFingerprint("p", [2, 1]));
  });

  it("tells null from an absent member and a string from a number", () => {
    expect(requestFingerprint("p", { version: null })).not.toBe(requestFingerprint("p", {}));
    expect(requestFingerprint("p", { n: "1" })).not.toBe(requestFingerprint("p", { n: 1 }));
  });
});
