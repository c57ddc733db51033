import validator from "validator";

/**
 * The longest address we accept: RFC 5321 §4.5.3.1.3 limits a forward-path to 256 octets including
 * the angle brackets, so an address is at most 254 (local part at most 64, §4.5.3.1.1).
 */
export const maxEmailAddressLength = 254;

/** Printable ASCII without the space: no CR/LF (header injection), no unicode (we do not speak SMTPUTF8). */
const printableAscii = /^[\x21-\x7e]+$/;

/**
 * True when `value` is exactly one e-mail address in RFC 5322 §3.4.1 `addr-spec` form with a dot-atom
 * local part, at most 254 ASCII characters, and nothing else: no display name (`Name <a@b>`), no
 * list (`a@b, c@d`), no comments, no quoted local part, no line breaks, no unicode. The rule is applied
 * twice, independently: by the gateway to a token's `email` claim and by the notifier to the recipient
 * of every mail, so a hostile claim or event can never reach a second mailbox.
 *
 * validator.js's `isEmail` checks the grammar; the ASCII and quote checks narrow it to what every mail
 * system reads the same way.
 *
 * @example
 * isSingleEmailAddress("admin@tenant-abc123.example") // true
 * isSingleEmailAddress("x@example.test\r\nBcc: attacker@evil.test") // false
 * isSingleEmailAddress("Name <a@example.test>") // false
 */
export function isSingleEmailAddress(value: string): boolean {
  // No length check of our own: validator refuses more than 254 characters (ignore_max_length: false),
  // and the empty string fails `printableAscii` (one character or more).
  if (!printableAscii.test(value) || value.includes('"')) return false;
  return validator.isEmail(value, {
    allow_display_name: false,
    require_display_name: false,
    allow_utf8_local_part: false,
    require_tld: true,
    allow_ip_domain: false,
    ignore_max_length: false,
  });
}

/** Why an address is refused, for error messages; undefined when it is acceptable. */
export function emailAddressProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.length > maxEmailAddressLength) return `it is longer than ${maxEmailAddressLength} characters`;
  if (!printableAscii.test(value)) return "it holds spaces, line breaks, control or non-ASCII characters";
  return isSingleEmailAddress(value)
    ? undefined
    : "it is not exactly one address of the form local@domain (RFC 5322 addr-spec)";
}
