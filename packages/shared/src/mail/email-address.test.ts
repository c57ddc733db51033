import { describe, expect, it } from "vitest";
import { emailAddressProblem, isSingleEmailAddress, maxEmailAddressLength } from "./email-address.ts";

describe("isSingleEmailAddress", () => {
  it.each([
    "admin@tenant-abc123.example",
    "first.last+tag@sub.example.org",
    "a%b@example.com",
    `${"a".repeat(64)}@example.com`,
  ])("accepts %s", (address) => {
    expect(isSingleEmailAddress(address)).toBe(true);
    expect(emailAddressProblem(address)).toBeUndefined();
  });

  it.each([
    ["a header injection", "x@example.test\r\nBcc: attacker@evil.test"],
    ["a bare line feed", "x@example.test\nBcc: attacker@evil.test"],
    ["a list", "a@example.test, b@example.test"],
    ["a list without space", "a@example.test,b@example.test"],
    ["a semicolon list", "a@example.test;b@example.test"],
    ["a display name", "Name <a@example.test>"],
    ["a display name without space", "Name<a@example.test>"],
    ["angle brackets", "<a@example.test>"],
    ["a comment", "a(comment)@example.test"],
    ["a quoted local part", '"a b"@example.test'],
    ["a quoted local part without space", '"ab"@example.test'],
    ["a unicode local part", "élise@example.test"],
    ["a unicode domain", "a@exämple.test"],
    ["an IP literal", "a@[127.0.0.1]"],
    ["no TLD", "a@localhost"],
    ["two dots", "a..b@example.test"],
    ["a 65-character local part", `${"a".repeat(65)}@example.com`],
    ["the empty string", ""],
    ["no at sign", "example.test"],
  ])("refuses %s", (_, address) => {
    expect(isSingleEmailAddress(address)).toBe(false);
    expect(emailAddressProblem(address)).toBeTypeOf("string");
  });

  it(`refuses anything longer than ${maxEmailAddressLength} characters`, () => {
    const domain = `${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(63)}.example`;
    const fits = `${"a".repeat(maxEmailAddressLength - domain.length - 1)}@${domain}`;
    expect(fits).toHaveLength(maxEmailAddressLength);
    expect(isSingleEmailAddress(fits)).toBe(true);
    expect(emailAddressProblem(fits)).toBeUndefined();
    expect(isSingleEmailAddress(`a${fits}`)).toBe(false);
    expect(emailAddressProblem(`a${fits}`)).toContain("longer than");
  });
});

describe("emailAddressProblem", () => {
  it("says why an address is refused, checking length and characters before the grammar", () => {
    expect(emailAddressProblem("")).toBe("it is empty");
    expect(emailAddressProblem(`${"a".repeat(250)}@e.example`)).toBe(
      `it is longer than ${maxEmailAddressLength} characters`,
    );
    for (const address of ["a b@example.test", "x@example.test\r\nBcc: y@evil.test", "\u00e9@example.test"]) {
      expect(emailAddressProblem(address)).toBe(
        "it holds spaces, line breaks, control or non-ASCII characters",
      );
    }
    for (const address of ['"ab"@example.test', "a@localhost", "a@example.test,b@example.test"]) {
      expect(emailAddressProblem(address)).toBe(
        "it is not exactly one address of the form local@domain (RFC 5322 addr-spec)",
      );
    }
  });
});
