import type { KeyObject } from "node:crypto";
import { emailAddressProblem } from "@installhub/shared";
import { SignJWT } from "jose";
import { z } from "zod";

/**
 * The claims InstallHub reads from an access token (docs/design.md §5). `email` is where the outcome mail
 * goes, so it must be exactly one plain address (see `isSingleEmailAddress`): an identity provider that
 * lets users edit their address must not let them add a second recipient.
 */
export const Caller = z.object({
  sub: z.string().min(1).max(256),
  email: z.string().superRefine((value, context) => {
    const problem = emailAddressProblem(value);
    if (problem) context.addIssue({ code: "custom", message: problem });
  }),
  tenants: z.array(z.string()).default([]),
  permissions: z.array(z.string()).default([]),
});
export type Caller = z.infer<typeof Caller>;

export const devTokenKeyId = "installhub-dev";

export interface TokenOptions {
  /** A jose time span ("1h", "15m") or seconds since the epoch. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  notBefore?: string | number;
}

/**
 * Signs an access token with an Ed25519 key (the local dev key, or any key a test wants).
 *
 * @example
 * const jwt = await signToken(devKey.privateKey, { sub: "u1", email: "a@b.c", tenants: ["t1"], permissions: [] });
 */
export async function signToken(
  privateKey: KeyObject,
  caller: Caller,
  options: TokenOptions = {},
): Promise<string> {
  const { sub, ...claims } = caller;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: devTokenKeyId })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h");
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
  return jwt.sign(privateKey);
}
