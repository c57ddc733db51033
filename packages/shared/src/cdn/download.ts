import { createHash } from "node:crypto";
import { z } from "zod";
import { retry } from "../retry.ts";

/** Why a download failed for good; transient trouble (5xx, reset, timeout) is retried before this. */
export type DownloadFailure = "ArchiveNotFound" | "ArchiveTooLarge" | "DownloadFailed";

export class DownloadError extends Error {
  readonly code: DownloadFailure;
  readonly attempts: number;
  constructor(code: DownloadFailure, message: string, attempts: number) {
    super(message);
    this.name = "DownloadError";
    this.code = code;
    this.attempts = attempts;
  }
}

export interface DownloadOptions {
  /** The configured CDN base URL; archives are only ever fetched below it. */
  baseUrl: string;
  /** The catalog's archive path, relative to the base URL. */
  path: string;
  maxBytes: number;
  /** Per attempt: connecting and receiving the whole body. */
  timeoutMs: number;
  attempts?: number;
  initialBackoffMs?: number;
  /** Called before each retry; consumers use it to heartbeat. */
  onRetry?: (attempt: number, reason: string) => void | Promise<void>;
}

export interface DownloadedArchive {
  bytes: Buffer;
  sha256: string;
  attempts: number;
}

/** Resolves a catalog path below the base URL, refusing anything that would leave it. */
export function archiveUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  if (
    /^[a-z][a-z0-9+.-]*:/i.test(path) ||
    path.startsWith("/") ||
    path.startsWith("\\") ||
    path.split(/[\\/]/).includes("..")
  ) {
    throw new DownloadError(
      "DownloadFailed",
      `archive path ${JSON.stringify(path)} is not a relative path below the CDN`,
      0,
    );
  }
  const url = new URL(path, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new DownloadError(
      "DownloadFailed",
      `archive path ${JSON.stringify(path)} leaves the CDN base URL`,
      0,
    );
  }
  return url;
}

/**
 * Streams an archive from the CDN with a size cap and a timeout per attempt, hashing as it goes.
 * 5xx answers, resets and timeouts are retried with bounded exponential backoff; 404 and an archive
 * over the cap are final.
 *
 * @example
 * const { bytes, sha256 } = await downloadArchive({ baseUrl: config.PUBLICHUB_CDN_URL, path, maxBytes, timeoutMs });
 */
export async function downloadArchive(options: DownloadOptions): Promise<DownloadedArchive> {
  const url = archiveUrl(options.baseUrl, options.path);
  const attempts = options.attempts ?? 4;
  let tries = 0;
  try {
    const { bytes, sha256 } = await retry(
      (attempt) => {
        tries = attempt;
        return fetchOnce(url, options);
      },
      {
        policy: { attempts, initialBackoffMs: options.initialBackoffMs ?? 250, maxBackoffMs: 5000 },
        // Not found or too large is final; anything else (5xx, reset, timeout) may pass.
        retryable: (error) => !(error instanceof DownloadError && error.code !== "DownloadFailed"),
        onRetry: (error, attempt) => options.onRetry?.(attempt, (error as Error).message),
      },
    );
    return { bytes, sha256, attempts: tries };
  } catch (error) {
    if (error instanceof DownloadError && error.code !== "DownloadFailed") {
      throw new DownloadError(error.code, error.message, tries);
    }
    throw new DownloadError(
      "DownloadFailed",
      `download of ${options.path} failed after ${tries} attempts: ${(error as Error).message}`,
      tries,
    );
  }
}

async function fetchOnce(url: URL, options: DownloadOptions): Promise<{ bytes: Buffer; sha256: string }> {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(options.timeoutMs) });
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    throw new DownloadError(
      "ArchiveNotFound",
      `the CDN has no archive at ${options.path} (HTTP ${response.status})`,
      1,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`CDN answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw new DownloadError(
      "ArchiveTooLarge",
      `archive is ${declared} bytes, over the ${options.maxBytes}-byte limit`,
      1,
    );
  }
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > options.maxBytes) {
      throw new DownloadError("ArchiveTooLarge", `archive exceeds the ${options.maxBytes}-byte limit`, 1);
    }
    hash.update(chunk);
    chunks.push(Buffer.from(chunk));
  }
  return { bytes: Buffer.concat(chunks), sha256: hash.digest("hex") };
}

/**
 * The CDN download settings, one definition for the scanner and the installer: they download the
 * same archive, so they share one cap (a second, larger cap downstream would never be reached, a
 * smaller one would refuse archives the scanner passed).
 */
export const cdnDownloadConfigSchema = z.object({
  /** Archives are downloaded only from below this base URL, at the catalog's path. */
  PUBLICHUB_CDN_URL: z.url().default("http://127.0.0.1:8090/"),
  /** Largest archive accepted, bytes. */
  DOWNLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** Per download attempt: connecting and receiving the whole archive. */
  DOWNLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Attempts in all for transient CDN failures (5xx, reset, timeout). */
  DOWNLOAD_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
});
export type CdnDownloadConfig = z.infer<typeof cdnDownloadConfigSchema>;

/**
 * Downloads the catalog's archive `path` from the configured CDN, with the configured cap, timeout
 * and attempts (`downloadArchive`).
 *
 * @throws DownloadError when the archive is missing, too large, or the CDN failed every attempt.
 */
export function downloadFromCdn(
  config: CdnDownloadConfig,
  path: string,
  onRetry?: DownloadOptions["onRetry"],
): Promise<DownloadedArchive> {
  return downloadArchive({
    baseUrl: config.PUBLICHUB_CDN_URL,
    path,
    maxBytes: config.DOWNLOAD_MAX_BYTES,
    timeoutMs: config.DOWNLOAD_TIMEOUT_MS,
    attempts: config.DOWNLOAD_ATTEMPTS,
    ...(onRetry ? { onRetry } : {}),
  });
}
