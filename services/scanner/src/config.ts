import { baseConfigSchema, cdnDownloadConfigSchema } from "@installhub/shared";
import { z } from "zod";

const MiB = 1024 * 1024;

/** Comma-separated host names; `*.example.com` allows every subdomain of example.com. */
const hostList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host.length > 0),
  )
  .pipe(
    z.array(
      z.string().regex(/^(\*\.)?[a-z0-9.-]+$/, "expected host names, e.g. api.example.com,*.example.org"),
    ),
  );

export const scannerConfigSchema = baseConfigSchema.extend({
  ...cdnDownloadConfigSchema.shape,
  SCAN_MAX_ENTRIES: z.coerce.number().int().positive().default(1000),
  SCAN_MAX_UNPACKED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * MiB),
  /** Uncompressed tar bytes per archive byte; a gzip bomb is stopped as soon as it passes this. */
  SCAN_MAX_COMPRESSION_RATIO: z.coerce.number().positive().default(200),
  /** Hosts artifact URLs may name without a warning; empty means every URL host is reported. */
  SCAN_ALLOWED_HOSTS: hostList.default([]),
  /**
   * Accept (with a `signature.digest-only` warning) signatures over the archive's sha256 alone, the
   * form before the package signature statement. Off: such a signature does not say which package or
   * version it is for, so a signed archive could be listed as another (TUF's mix-and-match attack).
   */
  SCAN_ACCEPT_DIGEST_ONLY_SIGNATURES: z.stringbool().default(false),
  /** clamd to stream every archive file to (INSTREAM), e.g. tcp://127.0.0.1:3310; unset: no ClamAV. */
  CLAMD_URL: z
    .string()
    .regex(/^tcp:\/\/[^\s:/]+:\d+\/?$/, "expected tcp://host:port")
    .optional(),
  CLAMD_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
});
export type ScannerConfig = z.infer<typeof scannerConfigSchema>;
